"""The employer's pages: the dashboard's figures and charts, applying step by step from a saved draft, bulk
upload with a result per row, the establishment's users. Reads are counted: no page grows a query per row."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from manpower.identity.models import Membership, Role
from manpower.permits.models import Application
from manpower.portal.models import ApplicationDraft
from tests import factories as f
from tests.permits.conftest import employer_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:2000]
    return len(queries), response.content.decode()


# ------------------------------------------------------------------------------------------- dashboard
def test_the_dashboard_shows_the_workforce_omanisation_and_what_is_due(employer_world):  # noqa: F811
    html = signed_in(employer_world["rep"]).get("/en/dashboard/").content.decode()
    assert "Workers by nationality" in html and "Workers by occupation" in html
    # 2 Omani and 3 Indian employees: the ratio, both counts, and a table alternative for each chart.
    assert "40.00%" in html
    assert re.search(r"<th scope=\"row\">Indian|<th scope=\"row\">India", html)
    assert html.count('role="img"') >= 4 and html.count("<details class=\"chart-table\">") >= 3
    assert "No invoice is due." in html and "No application is in progress." in html


def test_the_dashboard_in_arabic_draws_bars_from_the_right(employer_world):  # noqa: F811
    html = signed_in(employer_world["rep"]).get("/dashboard/").content.decode()
    assert 'dir="rtl"' in html and "العاملون حسب الجنسية" in html
    # The largest bar ends at the right edge's label column: x + width == 640 - 220.
    bars = [(float(x), float(w)) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="22"', html)]
    assert bars and all(abs(x + w - 420) < 0.2 for x, w in bars)


def test_a_failed_establishment_rule_is_shown_with_how_to_lift_it(employer_world):  # noqa: F811
    est = employer_world["est"]
    est.wps_breach = True
    est.save()
    html = signed_in(employer_world["rep"]).get("/en/dashboard/").content.decode()
    assert "no-wps-breach" in html and "How to lift it" in html and "729/2024" in html


def test_the_dashboard_lists_expiring_permits_with_renewal_links_and_due_invoices(employer_world):  # noqa: F811
    from tests.payments.conftest import make_invoice
    from tests.permits.conftest import submit

    world = employer_world
    application = submit(world)
    from manpower.registry.models import Person

    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    from manpower.permits.services import application_redecide

    application_redecide(application=application)
    invoice = make_invoice(world["est"], total="150.500")
    html = signed_in(world["rep"]).get("/en/dashboard/").content.decode()
    assert invoice.number in html and "OMR 150.500" in html
    assert application.number in html or "Applications in progress" in html


def test_dashboard_queries_do_not_grow_with_the_workforce_or_the_lists(employer_world):  # noqa: F811
    from tests.payments.conftest import make_invoice

    client = signed_in(employer_world["rep"])
    few, _ = _queries(client, "/en/dashboard/")
    est = employer_world["est"]
    for nationality in ("BD", "PK", "NP", "PH", "EG", "LK", "SD", "YE", "IN", "OM"):
        f.employ(est, f.person(nationality=nationality), occupation="9313")
    for _ in range(3):
        make_invoice(est)
    ApplicationDraft.objects.create(user=employer_world["rep"], establishment=est, data={"name_latin": "A"})
    ApplicationDraft.objects.create(user=employer_world["rep"], establishment=est, data={"name_latin": "B"})
    many, html = _queries(client, "/en/dashboard/")
    assert many == few, f"{few} queries with a small workforce, {many} with more rows"
    assert "Other" in html  # more than eight nationalities: the rest summed


def test_the_dashboard_of_a_large_workforce_stays_within_its_query_budget(employer_world, django_assert_max_num_queries):  # noqa: F811
    client = signed_in(employer_world["rep"])
    with django_assert_max_num_queries(20):
        assert client.get("/en/dashboard/").status_code == 200


# ------------------------------------------------------------------------------------------- applying
def _start(client: Client, est, application_type: str = "new_permit") -> str:  # type: ignore[no-untyped-def]
    response = client.post("/en/apply/", {"type": application_type, "cr_number": est.cr_number})
    assert response.status_code == 302, response.content[:3000]
    return str(response["Location"])


WORKER = {"passport_number": "N7654321", "passport_country": "IN", "nationality": "IN", "name_latin": "Arun Kumar",
          "name_ar": "", "date_of_birth": "1994-05-17", "sex": "M", "passport_expires_on": "2031-01-01",
          "phone": "+968 9123 4567", "email": ""}


def test_applying_step_by_step_records_one_application(employer_world):  # noqa: F811
    client = signed_in(employer_world["rep"])
    worker_step = _start(client, employer_world["est"])
    assert worker_step.endswith("/worker/")
    job_step = client.post(worker_step, {**WORKER, "action": "continue"})["Location"]
    assert job_step.endswith("/job/")
    check_step = client.post(job_step, {"occupation": "7112", "basic_wage": "220.000", "action": "continue"})["Location"]
    check = client.get(check_step).content.decode()
    assert "Check your answers" in check and "Arun Kumar" in check and "220.000" in check
    decided = client.post(check_step)
    assert decided.status_code == 302 and "/applications/" in decided["Location"]
    again = client.post(check_step)  # the draft is spent: a second press records nothing more, and shows the first
    assert (again.status_code, again["Location"]) == (302, decided["Location"])
    assert Application.objects.filter(establishment=employer_world["est"]).count() == 1


def test_a_step_with_errors_keeps_what_was_typed_and_names_each_field(employer_world):  # noqa: F811
    client = signed_in(employer_world["rep"])
    worker_step = _start(client, employer_world["est"])
    response = client.post(worker_step, {**WORKER, "date_of_birth": "17/05/1994", "passport_number": "",
                                         "action": "continue"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html and 'href="#id_date_of_birth"' in html and 'href="#id_passport_number"' in html
    assert 'id="id_date_of_birth-error"' in html and 'aria-invalid="true"' in html
    assert 'value="17/05/1994"' in html and 'value="Arun Kumar"' in html  # kept as typed
    draft = ApplicationDraft.objects.get(user=employer_world["rep"])
    assert draft.data["date_of_birth"] == "17/05/1994"  # saved even though it is wrong


def test_errors_are_in_the_page_language(employer_world):  # noqa: F811
    client = signed_in(employer_world["rep"])
    worker_step = _start(client, employer_world["est"]).replace("/en/", "/")
    html = client.post(worker_step, {**WORKER, "name_latin": "", "action": "continue"}).content.decode()
    assert "توجد مشكلة" in html
    assert "This field is required" not in html


def test_a_draft_survives_signing_out_and_is_offered_on_the_dashboard(employer_world):  # noqa: F811
    client = signed_in(employer_world["rep"])
    worker_step = _start(client, employer_world["est"])
    assert client.post(worker_step, {**WORKER, "action": "later"})["Location"].endswith("/dashboard/")
    client.post("/en/sign-out/")
    again = signed_in(employer_world["rep"])
    html = again.get("/en/dashboard/").content.decode()
    assert "Applications you have not finished" in html and "Arun Kumar" in html
    form = again.get(worker_step).content.decode()
    assert 'value="N7654321"' in form


def test_answers_posted_after_the_session_timed_out_are_kept(employer_world):  # noqa: F811
    client = signed_in(employer_world["rep"])
    worker_step = _start(client, employer_world["est"])
    client.logout()  # the session times out while the user types
    response = client.post(worker_step, {**WORKER, "name_latin": "Typed While Away", "action": "continue"})
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    client.force_login(employer_world["rep"])
    html = client.get(worker_step, follow=True).content.decode()
    assert 'value="Typed While Away"' in html and "We kept what you typed" in html
    assert ApplicationDraft.objects.get(user=employer_world["rep"]).data["name_latin"] == "Typed While Away"


def test_another_users_draft_is_not_found(employer_world):  # noqa: F811
    client = signed_in(employer_world["rep"])
    worker_step = _start(client, employer_world["est"])
    stranger = f.user(Role.EMPLOYER, establishments=[employer_world["est"]])
    assert signed_in(stranger).get(worker_step).status_code == 404


def test_a_renewal_starts_from_the_permit_and_skips_the_worker(employer_world):  # noqa: F811
    client = signed_in(employer_world["rep"])
    page = client.get("/en/apply/?type=renewal&permit=WP-2026-0000001-0").content.decode()
    assert 'value="renewal" checked' in page or 'checked value="renewal"' in page or "checked" in page
    response = client.post("/en/apply/", {"type": "renewal", "cr_number": employer_world["est"].cr_number,
                                          "permit_number": "WP-2026-0000001-0"})
    assert response["Location"].endswith("/permit/")
    html = client.get(response["Location"]).content.decode()
    assert 'value="WP-2026-0000001-0"' in html


# ------------------------------------------------------------------------------------------- bulk upload
def test_bulk_upload_gives_a_result_per_row(employer_world):  # noqa: F811
    rows = ("type,passport_number,passport_country,nationality,name_latin,date_of_birth,sex,passport_expires_on,"
            "occupation,basic_wage\n"
            "new_permit,B1234567,IN,IN,Good Row,1990-01-01,M,2031-01-01,7112,220.000\n"
            "new_permit,B7654321,IN,IN,Bad Wage,1990-01-01,M,2031-01-01,7112,abc\n")
    client = signed_in(employer_world["rep"])
    response = client.post("/en/bulk/", {"cr_number": employer_world["est"].cr_number, "form_token": "t1",
                                         "file": SimpleUploadedFile("rows.csv", rows.encode(), "text/csv")})
    html = response.content.decode()
    assert "1 accepted, 1 refused" in html
    assert "basic_wage" in html and Application.objects.filter(establishment=employer_world["est"]).count() == 1


def test_bulk_upload_without_a_file_says_so_at_the_field(employer_world):  # noqa: F811
    html = signed_in(employer_world["rep"]).post("/en/bulk/", {"cr_number": employer_world["est"].cr_number}).content.decode()
    assert 'href="#id_file"' in html and 'id="id_file-error"' in html


def test_bulk_upload_of_a_json_list(employer_world):  # noqa: F811
    rows = [{"type": "new_permit", "passport_number": "J1234567", "passport_country": "IN", "nationality": "IN",
             "name_latin": "Json Row", "date_of_birth": "1990-01-01", "sex": "M", "passport_expires_on": "2031-01-01",
             "occupation": "7112", "basic_wage": "220.000"}]
    html = signed_in(employer_world["rep"]).post("/en/bulk/", {
        "cr_number": employer_world["est"].cr_number,
        "file": SimpleUploadedFile("rows.json", json.dumps(rows).encode(), "application/json")}).content.decode()
    assert "1 accepted, 0 refused" in html


# ------------------------------------------------------------------------------------------- users
def test_a_user_manager_changes_what_a_colleague_may_do(employer_world):  # noqa: F811
    est = employer_world["est"]
    colleague = f.user(Role.EMPLOYER, establishments=[est], permissions=["apply"])
    membership = Membership.objects.get(user=colleague, establishment=est)
    client = signed_in(employer_world["rep"])
    page = client.get(f"/en/establishments/{est.cr_number}/users/").content.decode()
    assert colleague.full_name in page and colleague.email in page
    client.post(f"/en/establishments/{est.cr_number}/users/", {"membership": membership.pk,
                                                               "permissions": ["apply", "pay"]})
    membership.refresh_from_db()
    assert membership.permissions == ["apply", "pay"]


def test_the_last_user_manager_cannot_remove_their_own_right(employer_world):  # noqa: F811
    est = employer_world["est"]
    membership = Membership.objects.get(user=employer_world["rep"], establishment=est)
    client = signed_in(employer_world["rep"])
    response = client.post(f"/en/establishments/{est.cr_number}/users/", {"membership": membership.pk,
                                                                           "permissions": ["apply"]}, follow=True)
    assert "Keep at least one user" in response.content.decode()
    membership.refresh_from_db()
    assert "manage_users" in membership.permissions


def test_a_user_without_the_right_sees_the_users_but_cannot_change_them(employer_world):  # noqa: F811
    est = employer_world["est"]
    viewer = f.user(Role.EMPLOYER, establishments=[est], permissions=["apply"])
    client = signed_in(viewer)
    page = client.get(f"/en/establishments/{est.cr_number}/users/").content.decode()
    assert 'type="checkbox"' not in page
    membership = Membership.objects.get(user=viewer, establishment=est)
    assert client.post(f"/en/establishments/{est.cr_number}/users/", {"membership": membership.pk,
                                                                       "permissions": ["manage_users"]}).status_code == 404


def test_the_users_page_counts_its_queries(employer_world):  # noqa: F811
    est = employer_world["est"]
    client = signed_in(employer_world["rep"])
    few, _ = _queries(client, f"/en/establishments/{est.cr_number}/users/")
    for _ in range(5):
        f.user(Role.EMPLOYER, establishments=[est], permissions=["view"])
    many, _ = _queries(client, f"/en/establishments/{est.cr_number}/users/")
    assert many == few


def test_invoice_list_queries_do_not_grow_with_the_invoices(employer_world):  # noqa: F811
    from tests.payments.conftest import make_invoice

    client = signed_in(employer_world["rep"])
    make_invoice(employer_world["est"])
    few, _ = _queries(client, "/en/payments/")
    for _ in range(6):
        make_invoice(employer_world["est"])
    many, html = _queries(client, "/en/payments/")
    assert many == few and html.count("OMR 301.000") >= 7


def test_permits_expiring_within_30_days_are_counted(employer_world):  # noqa: F811
    from manpower.permits.models import Permit
    from manpower.permits.services import application_paid, application_redecide
    from manpower.registry.models import Person
    from tests.permits.conftest import submit

    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    application_redecide(application=application)
    application_paid(application_number=application.number)
    permit = Permit.objects.get(issued_by_application=application)
    Permit.objects.filter(pk=permit.pk).update(valid_until=timezone.localdate() + timedelta(days=10))
    html = signed_in(employer_world["rep"]).get("/en/dashboard/").content.decode()
    assert permit.number in html and f"?type=renewal&amp;permit={permit.number}" in html
