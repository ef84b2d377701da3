"""The worker's record and activity log with disputes; the officers' search and establishment file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from manpower.audit.models import AuditEvent
from manpower.audit.services import record
from manpower.identity.models import Role
from manpower.support.models import Dispute
from tests import factories as f
from tests.permits.conftest import employer_world, submit  # noqa: F401  (fixture)
from tests.permits.test_pipeline import issued_permit

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_world(employer_world):  # noqa: F811
    permit = issued_permit(employer_world)
    worker = f.user(Role.WORKER, person_record=permit.person)
    return {**employer_world, "permit": permit, "worker": worker}


def test_my_record_shows_my_permit_with_its_card_my_applications_and_contact_details(client: Client, worker_world):
    person = worker_world["permit"].person
    person.phone, person.email = "+96891234567", "worker@example.om"
    person.save()
    client.force_login(worker_world["worker"])
    for prefix in ("", "/en"):
        response = client.get(f"{prefix}/me/")
        assert response.status_code == 200
    html = response.content.decode()
    permit = worker_world["permit"]
    assert permit.number in html and f"/en/permits/{permit.number}/card.pdf" in html
    assert permit.issued_by_application.number in html
    assert "+968 9123 4567" in html and "worker@example.om" in html
    assert 'href="/en/contracts/"' in html


def test_my_record_is_for_workers(client: Client, worker_world):
    client.force_login(worker_world["rep"])
    assert client.get("/en/me/").status_code == 404
    assert client.get("/en/me/activity/").status_code == 404


def test_the_activity_log_tells_each_action_in_plain_words_with_who_and_when(client: Client, worker_world):
    client.force_login(worker_world["worker"])
    english = client.get("/en/me/activity/").content.decode()
    assert "A work permit was issued to you." in english and "An application about you was submitted." in english
    assert "for the employer" in english
    arabic = client.get("/me/activity/").content.decode()
    assert "صدر لك ترخيص عمل." in arabic


def test_a_worker_never_sees_another_workers_log(client: Client, worker_world):
    other = f.person()
    secret = record(None, "person.contact_changed", other, subject_person_id=other.pk)
    client.force_login(worker_world["worker"])
    html = client.get("/en/me/activity/").content.decode()
    assert f"#{secret.seq}" not in html
    assert client.get(f"/en/me/activity/{secret.seq}/dispute/").status_code == 404
    from manpower.core.errors import PermissionDenied
    from manpower.support.services import dispute_open

    with pytest.raises(PermissionDenied):
        dispute_open(actor=worker_world["worker"], event=secret, reason="not mine")


def test_the_activity_log_has_no_n_plus_one(client: Client, worker_world, django_assert_max_num_queries):
    person = worker_world["permit"].person
    for n in range(30):
        record(worker_world["rep"], "contract.draft_updated", person, subject_person_id=person.pk, n=n)
    client.force_login(worker_world["worker"])
    with django_assert_max_num_queries(10):
        assert client.get("/en/me/activity/").status_code == 200


def test_a_worker_disputes_an_entry_and_the_desk_answers(client: Client, worker_world):
    worker = worker_world["worker"]
    event = AuditEvent.objects.filter(subject_person_id=worker.person_id, action="permit.issued").get()
    client.force_login(worker)
    empty = client.post(f"/en/me/activity/{event.seq}/dispute/", {"reason": "  "}).content.decode()
    assert "error-summary" in empty and 'id="id_reason-error"' in empty
    response = client.post(f"/en/me/activity/{event.seq}/dispute/", {"reason": "I never worked for this employer."})
    assert response.status_code == 302
    dispute = Dispute.objects.get(event=event)
    assert dispute.state == "open" and AuditEvent.objects.filter(action="dispute.opened",
                                                                 subject_person_id=worker.person_id).exists()
    again = client.post(f"/en/me/activity/{event.seq}/dispute/", {"reason": "again"}).content.decode()
    assert "already disputed" in again
    log = client.get("/en/me/activity/").content.decode()
    assert dispute.number in log and "Waiting for the support desk." in log

    agent = f.user(Role.SUPPORT)
    client.force_login(agent)
    queue = client.get("/en/support/disputes/").content.decode()
    assert dispute.number in queue
    blank = client.post(f"/en/support/disputes/{dispute.number}/", {"finding": "upheld", "answer": ""}).content.decode()
    assert 'id="id_answer-error"' in blank
    client.post(f"/en/support/disputes/{dispute.number}/",
                {"finding": "not_upheld", "answer": "The permit was applied for by your employer on your consent."})
    dispute.refresh_from_db()
    assert dispute.state == "answered" and dispute.answered_by == agent
    assert AuditEvent.objects.filter(action="dispute.answered", object_id=str(dispute.pk)).exists()
    client.force_login(worker)
    assert "applied for by your employer" in client.get("/en/me/activity/").content.decode()


def test_the_dispute_desk_is_not_for_workers_or_employers(client: Client, worker_world):
    for account in (worker_world["worker"], worker_world["rep"]):
        client.force_login(account)
        assert client.get("/en/support/disputes/").status_code == 404


# ------------------------------------------------------------------------------------------------- officers
def test_an_employer_cannot_use_the_officers_search(client: Client, worker_world):
    client.force_login(worker_world["rep"])
    assert client.get("/en/officer/search/", {"q": worker_world["permit"].number}).status_code == 404
    cr = worker_world["est"].cr_number
    assert client.get(f"/en/officer/establishments/{cr}/").status_code == 404


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_search_by_permit_number_passport_civil_id_and_cr(client: Client, worker_world, prefix):
    client.force_login(worker_world["officer"])
    permit = worker_world["permit"]
    assert permit.number in client.get(f"{prefix}/officer/search/", {"q": permit.number.lower()}).content.decode()
    by_passport = client.get(f"{prefix}/officer/search/", {"q": permit.person.passport_number}).content.decode()
    assert permit.person.passport_number in by_passport and permit.person.name_latin in by_passport
    omani = f.person(nationality="OM", name_latin="Salim Al Harthy", name_ar="سالم الحارثي")
    assert "سالم الحارثي" in client.get(f"{prefix}/officer/search/", {"q": omani.civil_id}).content.decode()
    cr = worker_world["est"].cr_number
    html = client.get(f"{prefix}/officer/search/", {"q": cr}).content.decode()
    assert f"/officer/establishments/{cr}/" in html


def test_search_by_name_in_either_script_folds_arabic_letter_forms(client: Client, worker_world):
    f.person(name_latin="Fatimah Ahmed", name_ar="فاطمة أحمد")
    client.force_login(worker_world["officer"])
    for query in ("فاطمه احمد", "فاطمة أحمد", "fatimah", "FATIMAH AHMED", "احمد"):
        html = client.get("/en/officer/search/", {"q": query}).content.decode()
        assert "Fatimah Ahmed" in html, query
    assert "Fatimah" not in client.get("/en/officer/search/", {"q": "Mariam"}).content.decode()


def test_name_search_has_no_n_plus_one(client: Client, worker_world, django_assert_max_num_queries):
    for n in range(20):
        f.person(name_latin=f"Ravi Kumar {n}", name_ar=f"راڤي كومار {n}")
    client.force_login(worker_world["officer"])
    with django_assert_max_num_queries(8):
        html = client.get("/en/officer/search/", {"q": "ravi"}).content.decode()
    assert html.count("Ravi Kumar") == 20


def test_the_establishment_file_shows_history_and_each_sanction_with_its_rule(client: Client, worker_world):
    est = worker_world["est"]
    est.unpaid_dues_omr, est.wps_breach = Decimal("150.500"), True
    est.save()
    client.force_login(worker_world["officer"])
    english = client.get(f"/en/officer/establishments/{est.cr_number}/").content.decode()
    assert worker_world["permit"].number in english and worker_world["permit"].issued_by_application.number in english
    assert "OMR 150.500" in english and "no-unpaid-dues" in english and "no-wps-breach" in english
    assert "the block lifts when they are paid" in english
    assert "application.submitted" in english
    arabic = client.get(f"/officer/establishments/{est.cr_number}/").content.decode()
    assert "يُرفع المنع فور سدادها" in arabic and "150.500 ر.ع." in arabic


def test_an_establishment_in_good_standing_has_no_sanction(client: Client, worker_world):
    client.force_login(worker_world["officer"])
    html = client.get(f"/en/officer/establishments/{worker_world['est'].cr_number}/").content.decode()
    assert "No sanction or block is in force" in html
    assert client.get("/en/officer/establishments/0000000/").status_code == 404


def test_the_establishment_file_has_no_n_plus_one(client: Client, worker_world, django_assert_max_num_queries):
    for n in range(5):
        submit(worker_world, passport_number=f"Q{n:07d}")
    client.force_login(worker_world["officer"])
    with django_assert_max_num_queries(16):
        assert client.get(f"/en/officer/establishments/{worker_world['est'].cr_number}/").status_code == 200


def test_the_review_queue_is_oldest_first_with_the_age(client: Client, worker_world):
    client.force_login(worker_world["officer"])
    html = client.get("/en/review/").content.decode()
    assert "Applications referred to an officer" in html


def test_the_application_detail_shows_the_full_decision_trace(client: Client, worker_world):
    client.force_login(worker_world["officer"])
    application = worker_world["permit"].issued_by_application
    html = client.get(f"/en/applications/{application.number}/").content.decode()
    decision = application.decisions.order_by("seq").last().result
    for check in decision["checks"]:
        assert check["citation"]["en"] in html
    for item in decision["trace"]:
        assert item["parameter"] in html
