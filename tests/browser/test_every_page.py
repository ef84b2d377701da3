"""Every page each kind of user opens, in both languages, checked with axe; and a whole flow with the keyboard alone.

The flows in the other files check the pages they pass; this sweep covers the rest (lists, settings, the officer's
and the support desk's pages) so that no page escapes the accessibility check.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import EMPLOYER, OFFICER, WORKER, Portal, check_page, sign_in

SUPPORT = "support@demo.manpower.om"
DEMO_CR = "1234567"

PUBLIC_PAGES = ["/", "/sign-in/", "/check/", "/rules/", "/status/", "/verify", "/verify/contract"]
PAGES = {
    EMPLOYER: ["/dashboard/", "/apply/", "/bulk/", f"/establishments/{DEMO_CR}/users/", "/applications/",
               "/payments/", "/payments/delegations/", "/contracts/", "/contracts/new/", "/notifications/",
               "/notifications/preferences/", "/notifications/contacts/"],
    WORKER: ["/dashboard/", "/me/", "/me/activity/", "/contracts/", "/applications/", "/notifications/",
             "/notifications/preferences/", "/notifications/contacts/"],
    OFFICER: ["/dashboard/", "/review/", "/officer/search/?q=Rahul", f"/officer/search/?q={DEMO_CR}",
              f"/officer/establishments/{DEMO_CR}/", "/payments/reconciliation/", "/notifications/"],
    SUPPORT: ["/dashboard/", "/support/disputes/", "/officer/search/?q=Rahul"],
}


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def _visit(page: Any, path: str, name: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    assert page.locator("main h1").count() >= 1, f"{path} has no heading"
    check_page(page, name)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_public_page_is_accessible(page: Any, portal: Portal, lang: str):
    prefix = "/en" if lang == "en" else ""
    for path in PUBLIC_PAGES:
        _visit(page, prefix + path, f"{lang}-public-{_slug(path)}")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("who", list(PAGES))
def test_every_page_of_each_role_is_accessible(page: Any, portal: Portal, who: str, lang: str):
    sign_in(page, portal, who, lang)
    prefix = "/en" if lang == "en" else ""
    role = who.split("@")[0]
    for path in PAGES[who]:
        _visit(page, prefix + path, f"{lang}-{role}-{_slug(path)}")


def _tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            shadow = page.evaluate("() => getComputedStyle(document.activeElement).boxShadow")
            assert outline != "none" or shadow != "none", f"{selector} shows no focus indicator"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key on {page.url}")


def test_an_employer_applies_for_a_permit_with_the_keyboard_alone(page: Any, portal: Portal):
    page.goto("/en/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')"), "the first Tab is the skip link"

    _tab_to(page, "a[href='/en/sign-in/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/sign-in/.*"))
    _tab_to(page, "#id_username")
    page.keyboard.type(EMPLOYER)
    _tab_to(page, "#id_password")
    page.keyboard.type(portal.password(EMPLOYER))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/dashboard/$"))

    _tab_to(page, "a.button[href='/en/apply/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/apply/$"))
    _tab_to(page, "input[name=type]")
    if not page.evaluate("() => document.activeElement.value === 'new_permit'"):
        _tab_to(page, "input[name=type][value=new_permit]")
    page.keyboard.press("Space")
    _tab_to(page, "button[value=continue]")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r".*/worker/$"))
    answers = [("#id_passport_number", "Z4412347"), ("#id_name_latin", "Arun Kumar Pillai"),
               # Headless Chromium lays date fields out month, day, year, whatever the locale: type in that order.
               ("#id_date_of_birth", "05171994"), ("#id_passport_expires_on", "01012031"),
               ("#id_phone", "+968 9123 4567")]
    for selector, value in answers:
        _tab_to(page, selector)
        page.keyboard.type(value)
    for selector, choice in (("#id_passport_country", "IN"), ("#id_nationality", "IN"), ("#id_sex", "M")):
        _tab_to(page, selector)
        label = page.evaluate("([s, v]) => document.querySelector(s).querySelector(`option[value='${v}']`).text",
                              [selector, choice])
        page.keyboard.type(label)
        assert page.input_value(selector) == choice, f"typing {label!r} in {selector} did not choose it"
    assert page.input_value("#id_date_of_birth") == "1994-05-17"
    _tab_to(page, "button[value=continue]")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r".*/job/$"))
    _tab_to(page, "#id_occupation")
    page.keyboard.type("7112")
    _tab_to(page, "#id_basic_wage")
    page.keyboard.type("220.000")
    _tab_to(page, "button[value=continue]")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r".*/check/$"))
    assert "Arun Kumar Pillai" in page.inner_text("main")
    _tab_to(page, "main form button.button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/applications/APP-[^/]+/$"))
    assert "Z4412347"[-4:] in page.inner_text("main")
