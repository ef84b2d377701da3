"""The plain portal pages of the main job, as a signed-in user sees them."""

from __future__ import annotations

import pytest

from manpower.permits.models import Application
from tests import factories as f
from tests.permits.conftest import new_permit

pytestmark = pytest.mark.django_db


def form_data(world, **overrides):
    return {"cr_number": world["est"].cr_number, "form_token": "t-1", **new_permit(**overrides)}


def test_applying_in_the_portal_shows_the_decision_with_its_reasons(client, employer_world):
    client.force_login(employer_world["rep"])
    assert client.get("/en/applications/new/").status_code == 200
    response = client.post("/en/applications/new/", form_data(employer_world), follow=True)
    html = response.content.decode()
    application = Application.objects.get()
    assert application.number in html and "Legal basis" in html
    assert "medical" in html.lower(), "the waiting check is explained"


def test_pressing_submit_twice_records_one_application(client, employer_world):
    client.force_login(employer_world["rep"])
    client.post("/en/applications/new/", form_data(employer_world))
    client.post("/en/applications/new/", form_data(employer_world))
    assert Application.objects.count() == 1


def test_form_errors_are_shown_at_the_field_and_in_the_summary_in_arabic(client, employer_world):
    client.force_login(employer_world["rep"])
    html = client.post("/applications/new/", form_data(employer_world, passport_number="!", occupation="12")).content.decode()
    assert 'class="error-summary"' in html and 'dir="rtl"' in html
    assert 'href="#id_passport_number"' in html and 'href="#id_occupation"' in html
    assert "أدخل رقم جواز السفر" in html
    assert 'value="12"' in html, "what the user typed is kept"
    assert Application.objects.count() == 0


def test_officers_see_the_queue_and_others_do_not(client, employer_world):
    client.force_login(employer_world["officer"])
    assert client.get("/en/review/").status_code == 200
    client.force_login(employer_world["rep"])
    assert client.get("/en/review/").status_code == 404


def test_an_application_of_another_establishment_is_not_found(client, employer_world):
    client.force_login(employer_world["rep"])
    client.post("/en/applications/new/", form_data(employer_world))
    number = Application.objects.get().number
    client.force_login(f.user("employer", establishments=[f.establishment()]))
    assert client.get(f"/en/applications/{number}/").status_code == 404


def test_the_worker_sees_applications_about_them(client, employer_world):
    client.force_login(employer_world["rep"])
    client.post("/en/applications/new/", form_data(employer_world))
    application = Application.objects.get()
    worker = f.user("worker", person_record=application.person)
    client.force_login(worker)
    html = client.get("/en/dashboard/").content.decode()
    assert application.number in html
