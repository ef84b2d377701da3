"""Self-assessment, verification of a permit by its QR payload, the public catalogue and status pages, the worker's
activity log with a dispute, and the worker signing a contract after a change request — in Chromium, in both
languages, every page checked with axe and kept as a screenshot."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import EMPLOYER, WORKER, Portal, check_page, run_in_portal


def prefix(lang: str) -> str:
    return "/en" if lang == "en" else ""


def sign_in_to(page: Any, portal: Portal, email: str, where: str) -> None:
    """Sign in from the page the user wanted; they land back on it."""
    page.goto(where)
    page.wait_for_url(re.compile(r".*/sign-in/\?next=.*"))
    page.fill("#id_username", email)
    page.fill("#id_password", portal.password(email))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(".*" + re.escape(where) + "$"))


def fill_case(page: Any) -> None:
    """A construction company in good standing and a fit bricklayer from India."""
    page.check("input[name=type][value=new_permit]")
    page.select_option("#id_kind", "company")
    page.check("input[name=cr_status][value=active]")
    page.fill("#id_cr_issue_date", "2015-01-01")
    page.fill("#id_cr_expiry_date", "2030-01-01")
    page.fill("#id_activity", "4100")
    page.fill("#id_omani_employees", "3")
    page.fill("#id_non_omani_employees", "5")
    for name in ("has_unpaid_dues", "has_wps_breach", "services_suspended", "has_active_permit_elsewhere",
                 "has_abandonment_report"):
        page.check(f"input[name={name}][value=no]")
    page.select_option("#id_nationality", "IN")
    page.fill("#id_date_of_birth", "1994-05-17")
    page.fill("#id_passport_expiry_date", "2031-01-01")
    page.check("input[name=medical_fitness][value=fit]")
    page.fill("#id_basic_wage", "220.000")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_self_assessment_shows_errors_then_every_check_and_the_fees(page: Any, portal: Portal, lang: str):
    page.goto(f"{prefix(lang)}/")
    check_page(page, f"{lang}-public-home")
    page.click(f"main a[href='{prefix(lang)}/check/']")
    check_page(page, f"{lang}-assess-form")
    fill_case(page)
    page.fill("#id_occupation", "9999")  # not an ISCO-08 unit group: the rule book says so at the field
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.locator("#id_occupation-error").is_visible()
    assert page.input_value("#id_basic_wage") == "220.000", "what was typed is kept"
    check_page(page, f"{lang}-assess-error")
    page.click(".error-summary a[href='#id_occupation']")
    assert page.evaluate("document.activeElement.id") == "id_occupation"
    page.fill("#id_occupation", "7112")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/check/result\?.*"))
    main = page.inner_text("main")
    assert ("would be approved at once" in main) if lang == "en" else ("ستتم الموافقة عليه فورًا" in main)
    assert page.locator("table tbody tr").count() >= 10 and re.search(r"\d+\.000", main)
    check_page(page, f"{lang}-assess-result")
    kept = page.url
    page.goto(kept)
    assert page.inner_text("main") == main, "the link reopens the same result"
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible() and not page.locator("[data-print]").is_visible()
    page.emulate_media(media="screen")


def _demo_credential(portal: Portal) -> dict[str, str]:
    return dict(run_in_portal(portal, f"""
from manpower.identity.models import User
from manpower.permits.models import Permit
person = User.objects.get(email={WORKER!r}).person
permit = Permit.objects.filter(person=person, status="active").order_by("-id").first()
result = {{"number": permit.number, "credential": permit.credential, "name": person.name_latin}}
"""))


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_permit_is_verified_from_its_qr_payload(page: Any, portal: Portal, lang: str):
    permit = _demo_credential(portal)
    page.goto(f"{prefix(lang)}/verify")
    check_page(page, f"{lang}-verify-form")
    page.fill("#id_query", permit["credential"])
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".verify-result")
    result = page.inner_text(".verify-result")
    assert permit["number"] in result and permit["name"] in result
    assert ("genuine" in result) if lang == "en" else ("موقّعة من وزارة العمل" in result or "وزارة العمل" in result)
    check_page(page, f"{lang}-verify-genuine")
    forged = permit["credential"][:-8] + "AAAAAAAA"
    page.fill("#id_query", forged)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".verify-result")
    assert permit["name"] not in page.inner_text(".verify-result")
    check_page(page, f"{lang}-verify-forged")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_rules_catalogue_and_the_status_page(page: Any, portal: Portal, lang: str):
    page.goto(f"{prefix(lang)}/rules/")
    assert page.locator("tr[id^=rule-]").count() > 20
    check_page(page, f"{lang}-rules")
    page.select_option("#id_type", "contract")
    page.locator("main form.filter button").click()
    page.wait_for_url(re.compile(r".*type=contract"))
    assert page.locator("#rule-annual-leave").count() == 1 and page.locator("#rule-no-unpaid-dues").count() == 0
    page.goto(f"{prefix(lang)}/status/")
    assert page.locator("main table tbody tr").count() == 4
    check_page(page, f"{lang}-status")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_worker_reads_the_log_of_their_record_and_disputes_an_entry(page: Any, portal: Portal, lang: str):
    sign_in_to(page, portal, WORKER, f"{prefix(lang)}/me/")
    check_page(page, f"{lang}-worker-record")
    page.click(f"a[href='{prefix(lang)}/me/activity/']")
    check_page(page, f"{lang}-worker-activity")
    page.locator("a[href*='/dispute/']").first.click()
    page.wait_for_url(re.compile(r".*/me/activity/\d+/dispute/$"))
    page.locator("main form button[type=submit]").click()  # empty: the error shows at the field
    page.wait_for_selector(".error-summary")
    assert page.locator("#id_reason-error").is_visible()
    check_page(page, f"{lang}-worker-dispute-error")
    page.fill("#id_reason", "I did not do this; please check.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/me/activity/$"))
    assert re.search(r"DSP-\d{4}-\d{7}-\d", page.inner_text("main"))
    check_page(page, f"{lang}-worker-disputed")


def _offer_contract(portal: Portal) -> str:
    """The demo employer drafts and signs (sends) a contract for the demo worker, as its own pages would."""
    return str(run_in_portal(portal, f"""
from django.utils import timezone
from manpower.contracts import services
from manpower.contracts.terms import parse_terms
from manpower.core.models import OutboxMessage
from manpower.identity.models import User
from manpower.registry.models import Employment
employer = User.objects.get(email={EMPLOYER!r})
worker = User.objects.get(email={WORKER!r})
employment = Employment.objects.filter(person=worker.person).order_by("-id").first()
terms = {{"occupation": employment.occupation_id, "duties_ar": "أعمال البناء بالطوب والحجر",
    "duties_en": "Brick and stone laying", "workplace_ar": "السيب، مسقط", "workplace_en": "As Seeb, Muscat",
    "term": "indefinite", "start_date": timezone.localdate().isoformat(), "end_date": "", "probation_days": "0",
    "pay_basis": "monthly", "basic_wage": str(employment.basic_wage_omr), "housing_allowance": "40.000",
    "transport_allowance": "20.000", "pay_day": "7", "daily_hours": "8", "weekly_hours": "40",
    "rest_days_per_week": "2", "annual_leave_days": "30", "notice_days": "30", "non_renewal_notice_days": ""}}
contract = services.contract_draft(actor=employer, establishment=employment.establishment, person=worker.person,
                                   terms=parse_terms(terms), employment=employment)
services.signing_code_request(actor=employer, contract=contract)
code = OutboxMessage.objects.filter(topic="signing.otp", payload__user_id=employer.pk).latest("id").payload["code"]
services.contract_send(actor=employer, contract=contract, code=str(code))
result = contract.number
"""))


def _revise_and_send(portal: Portal, number: str) -> None:
    run_in_portal(portal, f"""
from manpower.contracts import services
from manpower.contracts.models import Contract
from manpower.contracts.terms import parse_terms, terms_of
from manpower.core.models import OutboxMessage
from manpower.identity.models import User
employer = User.objects.get(email={EMPLOYER!r})
contract = Contract.objects.get(number={number!r})
services.contract_revise(actor=employer, contract=contract)
services.signing_code_request(actor=employer, contract=contract)
code = OutboxMessage.objects.filter(topic="signing.otp", payload__user_id=employer.pk).latest("id").payload["code"]
services.contract_send(actor=employer, contract=contract, code=str(code))
""")


def _worker_code(portal: Portal) -> str:
    return str(run_in_portal(portal, f"""
from manpower.core.models import OutboxMessage
from manpower.identity.models import User
worker = User.objects.get(email={WORKER!r})
result = OutboxMessage.objects.filter(topic="signing.otp", payload__user_id=worker.pk).latest("id").payload["code"]
"""))


def test_the_worker_signs_a_contract_after_a_change_request(page: Any, portal: Portal):
    number = _offer_contract(portal)
    sign_in_to(page, portal, WORKER, f"/contracts/{number}/")
    check_page(page, "ar-worker-contract-offer")
    page.fill("form[action$='/change/'] textarea", "أرجو إضافة بدل سكن قدره 60 ريالًا")
    page.click("form[action$='/change/'] button[type=submit]")
    page.wait_for_url(re.compile(rf".*/contracts/{number}/$"))
    check_page(page, "ar-worker-contract-change-requested")
    _revise_and_send(portal, number)
    page.goto(f"/en/contracts/{number}/")
    check_page(page, "en-worker-contract-revised-offer")
    page.click("form[action$='/code/'] button[type=submit]")
    page.wait_for_selector("form[action$='/sign/']")
    check_page(page, "en-worker-contract-code")
    page.fill("form[action$='/sign/'] input[name=code]", _worker_code(portal))
    page.click("form[action$='/sign/'] button[type=submit]")
    page.wait_for_url(re.compile(rf".*/contracts/{number}/$"))
    assert "registered" in page.inner_text("main").lower()
    check_page(page, "en-worker-contract-signed")
    page.goto(f"/contracts/{number}/")
    check_page(page, "ar-worker-contract-signed")
