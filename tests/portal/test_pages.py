from __future__ import annotations

import pytest
from django.test import Client

from manpower.identity.models import Role
from manpower.registry.demo import ACCOUNTS, demo_passwords, load_demo
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_home_page_is_arabic_and_right_to_left(client: Client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ar"' in html and 'dir="rtl"' in html
    assert "تراخيص العمل" in html


def test_english_home_page_is_left_to_right(client: Client):
    html = client.get("/en/").content.decode()
    assert 'lang="en"' in html and 'dir="ltr"' in html
    assert "Work permits and employment contracts, online" in html


def test_the_language_switcher_sets_the_language(client: Client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert 'lang="en"' in response.content.decode()


def test_health_and_readiness(client: Client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["migrations"] == "applied"


def test_every_demo_account_can_sign_in(client: Client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    from datetime import date

    load_demo(date(2026, 12, 3))
    passwords = demo_passwords()
    for account in ACCOUNTS:
        client.logout()
        response = client.post("/en/sign-in/", {"username": account.email, "password": passwords[account.email]})
        assert response.status_code == 302, account.key
        dashboard = client.get("/en/dashboard/")
        assert dashboard.status_code == 200 and account.full_name in dashboard.content.decode()


def test_sign_in_with_a_civil_id_number(client: Client):
    f.user(Role.OFFICER, civil_id="12345678", password="a long enough secret")
    response = client.post("/sign-in/", {"username": "١٢٣٤٥٦٧٨", "password": "a long enough secret"})
    assert response.status_code == 302


def test_a_wrong_password_is_refused_in_the_page_language(client: Client):
    account = f.user(Role.EMPLOYER)
    html = client.post("/sign-in/", {"username": account.email, "password": "wrong"}).content.decode()
    assert "error-summary" in html and "لا تطابق" in html
    html = client.post("/en/sign-in/", {"username": account.email, "password": "wrong"}).content.decode()
    assert "do not match an account" in html


def test_the_employer_dashboard_shows_the_omanisation_ratio(client: Client):
    est = f.establishment()
    f.employ(est, f.person(nationality="OM"))
    f.employ(est, f.person(nationality="IN"))
    client.force_login(f.user(Role.EMPLOYER, establishments=[est]))
    html = client.get("/en/dashboard/").content.decode()
    assert est.cr_number in html and "50.00%" in html


def test_the_administration_site_is_for_administrators_only(client: Client):
    client.force_login(f.user(Role.OFFICER))
    assert client.get("/en/admin/").status_code == 302
    client.force_login(f.user(Role.ADMIN, is_staff=True, is_superuser=True))
    assert client.get("/en/admin/").status_code == 200


def test_requests_carry_a_request_id(client: Client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc12345-trace")
    assert response["X-Request-ID"] == "abc12345-trace"
    assert len(client.get("/healthz", HTTP_X_REQUEST_ID="bad id!")["X-Request-ID"]) == 32
