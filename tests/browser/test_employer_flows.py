"""The employer's main job in Chromium, in both languages: sign in, apply step by step, see the decision, pay on
the sandbox gateway's hosted card page, get the permit card; and an officer deciding a referred case.
Every page on the way is checked with axe and kept as a screenshot."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from tests.browser.conftest import EMPLOYER, OFFICER, Portal, check_page, run_in_portal, sign_in

SUCCESS_CARD = "4111111111111111"


def prefix(lang: str) -> str:
    return "/en" if lang == "en" else ""


def passport() -> str:
    """A fresh passport number the sandbox health authority reports fit (one ending in 0 is unfit, in 9 pending)."""
    pick = random.SystemRandom()
    return f"Z{pick.randrange(10**5, 10**6)}{pick.randrange(1, 9)}"


def report_medical_fitness(portal: Portal, number: str) -> str:
    """The health authority reports the worker fit; the application is decided again, as its report would do."""
    return str(run_in_portal(portal, f"""
from manpower.permits.models import Application
from manpower.permits.services import application_redecide
from manpower.registry.models import Person
application = Application.objects.get(number={number!r})
Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
application_redecide(application=application)
application.refresh_from_db()
result = application.state
"""))


def fill_worker(page: Any, passport_number: str) -> None:
    page.fill("#id_passport_number", passport_number)
    page.select_option("#id_passport_country", "IN")
    page.select_option("#id_nationality", "IN")
    page.fill("#id_name_latin", "Arun Kumar Pillai")
    page.fill("#id_name_ar", "أرون كومار بيلاي")
    page.fill("#id_date_of_birth", "1994-05-17")
    page.select_option("#id_sex", "M")
    page.fill("#id_passport_expires_on", "2031-01-01")
    page.fill("#id_phone", "+968 9123 4567")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_employer_applies_pays_in_the_sandbox_and_gets_the_permit_card(page: Any, portal: Portal, lang: str):
    sign_in(page, portal, EMPLOYER, lang)
    check_page(page, f"{lang}-employer-dashboard")

    page.click(f"a.button[href='{prefix(lang)}/apply/']")
    check_page(page, f"{lang}-apply-1-start")
    page.check("input[name=type][value=new_permit]")
    page.click("button[value=continue]")

    page.wait_for_url(re.compile(r".*/worker/$"))
    # A mistake first: the error shows at the top and at the field, and what was typed stays.
    fill_worker(page, passport())
    page.fill("#id_date_of_birth", "")
    page.click("button[value=continue]")
    page.wait_for_selector(".error-summary")
    assert page.locator("#id_date_of_birth-error").is_visible()
    assert page.input_value("#id_name_latin") == "Arun Kumar Pillai"
    check_page(page, f"{lang}-apply-2-worker-error")
    page.fill("#id_date_of_birth", "1994-05-17")
    page.click("button[value=continue]")

    page.wait_for_url(re.compile(r".*/job/$"))
    page.fill("#id_occupation", "7112")
    page.fill("#id_basic_wage", "220.000")
    check_page(page, f"{lang}-apply-3-job")
    page.click("button[value=continue]")

    page.wait_for_url(re.compile(r".*/check/$"))
    assert "Arun Kumar Pillai" in page.inner_text("main") and "220.000" in page.inner_text("main")
    check_page(page, f"{lang}-apply-4-check")
    page.click("main form button.button[type=submit]")

    page.wait_for_url(re.compile(r".*/applications/[^/]+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    check_page(page, f"{lang}-application-decided")
    assert report_medical_fitness(portal, number) == "approved"

    page.reload()
    page.click("a[href*='/payments/invoices/']")
    check_page(page, f"{lang}-invoice")
    page.click("form[action*='/pay/'] button")

    page.wait_for_url(re.compile(re.escape(portal.sandbox_url) + ".*"))
    page.fill("#card_number", SUCCESS_CARD)
    page.fill("#expiry", "12/30")
    page.fill("#cvc", "123")
    page.click("button.pay")

    page.wait_for_url(re.compile(r".*/payments/[^/]+/$"))
    check_page(page, f"{lang}-payment-receipt")

    # The worker issues the permit once the payment is confirmed; the application then links to it.
    page.goto(f"{prefix(lang)}/applications/{number}/")
    for _ in range(60):
        if page.locator("a[href*='/permits/']").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    page.click("a[href*='/permits/']")
    page.wait_for_url(re.compile(r".*/permits/WP-[^/]+/$"))
    assert page.locator("svg").count() >= 1  # the QR code
    check_page(page, f"{lang}-permit-card")


def _referred_application(portal: Portal) -> str:
    """A case the rule book sends to an officer (an occupation group with titles reserved for Omanis)."""
    return str(run_in_portal(portal, f"""
from manpower.identity.models import User
from manpower.permits.inputs import parse_application
from manpower.permits.services import application_redecide, application_submit
from manpower.registry.models import Establishment, Person
employer = User.objects.get(email={EMPLOYER!r})
establishment = Establishment.objects.get(cr_number="1234567")
application = application_submit(actor=employer, establishment=establishment, data=parse_application({{
    "type": "new_permit", "passport_number": {passport()!r}, "passport_country": "PH", "nationality": "PH",
    "name_latin": "Maria Lopez Reyes", "date_of_birth": "1991-11-23", "sex": "F", "passport_expires_on": "2031-01-01",
    "occupation": "5223", "basic_wage": "260.000"}}))
Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
application_redecide(application=application)
application.refresh_from_db()
assert application.state == "referred", application.state
result = application.number
"""))


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_an_officer_decides_a_referred_case(page: Any, portal: Portal, lang: str):
    number = _referred_application(portal)
    sign_in(page, portal, OFFICER, lang)
    page.goto(f"{prefix(lang)}/review/")
    check_page(page, f"{lang}-officer-review-queue")
    page.click(f"a[href$='/applications/{number}/']")
    check_page(page, f"{lang}-officer-referred-case")
    page.check("input[name=approve][value='1']")
    page.fill("textarea[name=reason]", "The job title is a sales clerk post open to non-Omanis; checked the offer.")
    page.click("form[action$='/decide/'] button[type=submit]")
    page.wait_for_url(re.compile(rf".*/applications/{number}/$"))
    state = run_in_portal(portal, f"""
from manpower.permits.models import Application
result = Application.objects.get(number={number!r}).state
""")
    assert state == "approved"
    check_page(page, f"{lang}-officer-decided")
