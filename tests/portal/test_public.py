"""The public pages: self-assessment, the rules catalogue, the service status, permit verification."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from manpower import law
from manpower.identity.models import Role
from manpower.support.models import Outage
from tests import factories as f
from tests.permits.conftest import employer_world  # noqa: F401  (fixture)
from tests.permits.test_pipeline import issued_permit

pytestmark = pytest.mark.django_db

CASE = {
    "type": "new_permit", "on": "2026-12-03", "kind": "company", "cr_status": "active", "cr_issue_date": "2015-01-01",
    "cr_expiry_date": "2030-01-01", "activity": "4100", "omani_employees": "3", "non_omani_employees": "5",
    "has_unpaid_dues": "no", "has_wps_breach": "no", "services_suspended": "no", "nationality": "IN",
    "date_of_birth": "1994-05-17", "passport_expiry_date": "2031-01-01", "medical_fitness": "fit",
    "has_active_permit_elsewhere": "no", "has_abandonment_report": "no", "occupation": "7112", "basic_wage": "220.000",
}


def result(client: Client, prefix: str = "/en", **changes: str) -> str:
    response = client.get(f"{prefix}/check/result", {**CASE, **changes})
    assert response.status_code in (200, 400)
    return response.content.decode()


def decided(**changes: str) -> law.Decision:
    """The same case decided directly by the rule book, to compare with what the page shows."""
    from manpower.portal.assessment import AssessmentForm, case_facts

    form = AssessmentForm({**CASE, **changes})
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    return law.evaluate(data["type"], law.facts_from_dict(data["type"], case_facts(data)), data["on"])


def test_the_form_is_public_and_in_both_languages(client: Client):
    arabic = client.get("/check/")
    assert arabic.status_code == 200
    html = arabic.content.decode()
    assert 'dir="rtl"' in html and "تحقق من حالة قبل أن تقدّم الطلب" in html and "الرقم الأولي" not in html
    english = client.get("/en/check/").content.decode()
    assert "Check a case before you apply" in english and 'name="occupation"' in english


def test_a_clean_case_is_approved_with_every_check_its_basis_and_the_fees(client: Client):
    expected = decided()
    html = result(client)
    assert expected.outcome == "approve" and "would be approved at once" in html
    for check in expected.checks:
        assert escape(check.title("en")) in html and escape(check.citation_in("en")) in html
    total = f"OMR {expected.total:,.3f}"
    assert expected.total > 0 and total in html
    assert expected.ruleset_version in html
    assert "fees.category_by_occupation" in html, "the law's values used are shown"


def test_a_failed_check_shows_its_reason_and_fix_in_arabic(client: Client):
    expected = decided(has_unpaid_dues="yes")
    assert expected.outcome == "reject"
    failed = expected.with_status("failed")[0]
    html = result(client, prefix="", has_unpaid_dues="yes")
    assert "سيُرفض" in html
    assert escape(failed.message("ar")) in html and escape(failed.fix("ar")) in html
    assert escape(failed.citation_in("ar")) in html


def test_the_result_is_kept_as_a_link_that_reopens_the_same_case(client: Client):
    html = result(client, basic_wage="305.500")
    assert "/en/check/result?" in html and "basic_wage=305.500" in html
    change = client.get("/en/check/?" + urlencode({**CASE, "basic_wage": "305.500"})).content.decode()
    assert 'value="305.500"' in change, "what the user typed is kept"


def test_the_result_page_can_be_printed(client: Client):
    html = result(client)
    assert "data-print" in html and "print.js" in html
    css = (__import__("pathlib").Path(__file__).parents[2] / "manpower/static/portal/portal.css").read_text()
    assert "@media print" in css


def test_errors_are_shown_at_the_field_and_in_the_summary_keeping_the_input(client: Client):
    html = result(client, omani_employees="many", occupation="")
    assert "error-summary" in html
    assert 'href="#id_omani_employees"' in html and 'href="#id_occupation"' in html
    assert 'id="id_omani_employees-error"' in html and 'value="many"' in html


def test_an_occupation_the_rule_book_does_not_know_is_reported_at_its_field(client: Client):
    html = result(client, occupation="9999")
    assert 'id="id_occupation-error"' in html and "ISCO-08" in html and "9999" in html
    arabic = result(client, prefix="", occupation="9999")
    assert 'id="id_occupation-error"' in arabic and "رمز مجموعة وحدات ISCO-08" in arabic


def test_a_renewal_needs_the_current_permit(client: Client):
    html = result(client, type="renewal")
    assert 'id="id_permit_expiry_date-error"' in html and "required for a renewal" in html
    renewal = result(client, type="renewal", permit_expiry_date="2027-01-15", employment_start="2024-01-15",
                     current_wage="220.000")
    expected = decided(type="renewal", permit_expiry_date="2027-01-15", employment_start="2024-01-15",
                       current_wage="220.000")
    assert expected.checks and all(escape(c.title("en")) in renewal for c in expected.checks)


def test_a_date_before_the_rule_book_is_explained(client: Client):
    html = result(client, on="2010-01-01")
    assert 'id="id_on-error"' in html and "before the rule book starts" in html


def test_the_rules_catalogue_lists_every_rule_in_both_languages(client: Client):
    catalogue = law.catalogue()
    english = client.get("/en/rules/").content.decode()
    arabic = client.get("/rules/").content.decode()
    assert law.ruleset_version() in english
    for rule in catalogue:
        assert rule["id"] in english and escape(rule["title"]["en"]) in english
        assert escape(rule["citation"]["en"]) in english
        assert escape(rule["title"]["ar"]) in arabic and rule["in_force"]["from"] in arabic
    only_contracts = client.get("/en/rules/", {"type": "contract"}).content.decode()
    assert "annual-leave" in only_contracts and "no-unpaid-dues" not in only_contracts


def test_the_status_page_reports_the_services_and_outages(client: Client, settings):
    settings.PAYMENT_GATEWAY_URL = "http://127.0.0.1:9/pay"  # nothing listens on the discard port
    now = timezone.now()
    Outage.objects.create(kind="unplanned", service="payments", title_en="Payment gateway down",
                          title_ar="بوابة الدفع متوقفة", starts_at=now - timedelta(hours=1))
    Outage.objects.create(kind="planned", service="portal", title_en="Database upgrade", title_ar="ترقية قاعدة البيانات",
                          starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2))
    english = client.get("/en/status/").content.decode()
    assert "Records (database)" in english and "Payment gateway down" in english and "Database upgrade" in english
    assert "Some services are not available just now." in english
    assert "Deadlines and fines are suspended for this period." in english
    arabic = client.get("/status/").content.decode()
    assert "بوابة الدفع متوقفة" in arabic and 'dir="rtl"' in arabic


def test_outage_periods_are_kept_for_suspending_deadlines():
    from manpower.support.selectors import outage_periods

    now = timezone.now()
    Outage.objects.create(kind="unplanned", service="payments", title_en="x", title_ar="x",
                          starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1))
    Outage.objects.create(kind="planned", service="portal", title_en="y", title_ar="y", suspends_deadlines=False,
                          starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    periods = outage_periods(now - timedelta(days=10), now)
    assert periods == [(now - timedelta(days=3), now - timedelta(days=1))]


def test_an_administrator_records_an_outage_and_it_is_audited(client: Client):
    from manpower.audit.models import AuditEvent

    admin = f.user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/en/admin/support/outage/add/", {
        "kind": "planned", "service": "payments", "title_ar": "صيانة", "title_en": "Maintenance",
        "details_ar": "", "details_en": "", "starts_at_0": "2026-12-10", "starts_at_1": "01:00:00",
        "ends_at_0": "2026-12-10", "ends_at_1": "03:00:00", "suspends_deadlines": "on"})
    assert response.status_code == 302
    outage = Outage.objects.get()
    assert outage.recorded_by == admin
    assert AuditEvent.objects.filter(action="outage.recorded", object_id=str(outage.pk)).exists()


def test_verification_accepts_a_number_a_qr_payload_or_the_qr_link(client: Client, employer_world):  # noqa: F811
    permit = issued_permit(employer_world)
    by_number = client.get("/en/verify", {"query": permit.number.lower()}).content.decode()
    assert permit.number in by_number and "active" in by_number
    pasted = client.get("/en/verify", {"query": f"  {permit.credential[:40]}\n{permit.credential[40:]} "}).content.decode()
    assert "The QR credential is genuine" in pasted and permit.person.name_latin in pasted
    link = client.get("/en/verify", {"query": f"https://manpower.example.om/verify?token={permit.credential}"})
    assert "The QR credential is genuine" in link.content.decode()
    header, payload, signature = permit.credential.split(".")
    forged = client.get("/verify", {"query": f"{header}.{payload[:-4]}AAAA.{signature}"}).content.decode()
    assert "هذه ليست وثيقة ترخيص أصلية" in forged


def test_the_landing_page_starts_every_public_service(client: Client):
    html = client.get("/en/").content.decode()
    for url in ("/en/check/", "/en/verify", "/en/rules/", "/en/status/", "/en/sign-in/"):
        assert f'href="{url}' in html
