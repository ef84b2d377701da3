"""An application waiting for the medical result is decided again when the health ministry answers."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from manpower.audit.models import AuditEvent
from manpower.core import outbox
from manpower.integrations import services
from manpower.integrations.models import AuthorityRequest
from manpower.payments.models import Invoice
from tests.permits.conftest import submit


def awaiting(world, passport: str):  # type: ignore[no-untyped-def]
    application = submit(world, on=timezone.localdate(), passport_number=passport)
    assert application.state == "awaiting_verification"
    assert [c["code"] for c in application.latest_decision.checks if c["status"] == "unknown"] == ["medical_pending"]
    outbox.deliver_due()  # the decision's message: the platform asks the health ministry
    return application


def ask_now() -> dict[str, int]:
    AuthorityRequest.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    outcomes = services.requests_process_due()
    outbox.deliver_due()  # the answer's message: the applications waiting on it are decided again
    return outcomes


def test_a_fit_worker_is_approved_and_invoiced_once_the_ministry_reports(health, employer_world):
    application = awaiting(employer_world, "Z7312345")
    request = AuthorityRequest.objects.get(person=application.person)
    assert (request.authority, request.kind, request.status) == ("health", "medical_result", "pending")
    assert ask_now() == {"answered": 1}
    application.refresh_from_db()
    assert application.state == "approved", application.latest_decision.not_passed
    assert Invoice.objects.filter(subject_id=application.number, status="due").count() == 1
    application.person.refresh_from_db()
    assert application.person.medical_fitness == "fit"
    asked = health.requests()
    assert [(r["country"], r["passport"]) for r in asked] == [("IN", "Z7312345")]
    assert asked[0]["correlation_id"] == str(request.correlation_id)
    actions = set(AuditEvent.objects.filter(subject_person_id=application.person_id).values_list("action", flat=True))
    assert {"authority.asked", "authority.answered", "person.medical_result_recorded"} <= actions


def test_an_unfit_result_rejects_with_the_reason(health, employer_world):
    application = awaiting(employer_world, "Z7312340")  # the sandbox's test data: ending in 0 is unfit
    ask_now()
    application.refresh_from_db()
    assert application.state == "rejected"
    assert [c["id"] for c in application.latest_decision.checks if c["status"] == "failed"] == ["medical-fitness"]


def test_no_result_yet_is_asked_again_later_and_decided_when_it_comes(health, employer_world):
    application = awaiting(employer_world, "Z7312349")  # ending in 9: not examined yet
    assert ask_now() == {"not_yet": 1}
    request = AuthorityRequest.objects.get(person=application.person)
    assert request.status == "pending" and request.attempts == 1 and request.next_attempt_at > timezone.now()
    assert services.requests_process_due() == {}, "nothing is asked before it is due"
    health.admin("results", country="IN", passport="Z7312349", status="fit")
    assert ask_now() == {"answered": 1}
    application.refresh_from_db()
    assert application.state == "approved"


def test_an_outage_is_waited_out_and_the_answer_recorded_once(health, employer_world):
    application = awaiting(employer_world, "Z7312341")
    health.admin("faults", outage_seconds=60)
    assert ask_now() == {"failed": 1}
    request = AuthorityRequest.objects.get(person=application.person)
    assert request.last_outcome == "http_503" and request.status == "pending"
    health.admin("faults", outage_seconds=0)
    assert ask_now() == {"answered": 1}
    assert ask_now() == {}, "an answered question is not asked again"
    application.refresh_from_db()
    assert application.state == "approved"
    assert AuditEvent.objects.filter(subject_person_id=application.person_id,
                                     action="person.medical_result_recorded").count() == 1


def test_a_question_is_pending_once_and_a_late_duplicate_answer_changes_nothing(health, employer_world):
    application = awaiting(employer_world, "Z7312342")
    again = services.fact_request(authority="health", kind="medical_result", person=application.person)
    assert AuthorityRequest.objects.filter(person=application.person).count() == 1
    assert again.status == "pending"
    assert ask_now() == {"answered": 1}
    from manpower.integrations.authorities import Answer

    late = services._record(again.pk, Answer("answered", {"fitness": "unfit", "examined_on": None, "reference": "X"}),
                            timezone.now())
    assert late == "already_closed"
    application.person.refresh_from_db()
    assert application.person.medical_fitness == "fit"


def test_a_refused_key_is_a_failure_retried_not_an_answer(health, employer_world, settings):
    application = awaiting(employer_world, "Z7312343")
    settings.HEALTH_AUTHORITY_API_KEY = "wrong"
    assert ask_now() == {"failed": 1}
    request = AuthorityRequest.objects.get(person=application.person)
    assert request.last_outcome == "http_401" and request.status == "pending"
    application.refresh_from_db()
    assert application.state == "awaiting_verification"


def test_a_question_unanswered_for_too_long_is_closed_and_reported(health, employer_world, settings):
    application = awaiting(employer_world, "Z7312359")
    AuthorityRequest.objects.filter(person=application.person).update(
        created_at=timezone.now() - timedelta(days=settings.AUTHORITY_GIVE_UP_DAYS + 1))
    assert ask_now() == {"unanswered": 1}
    assert AuthorityRequest.objects.get(person=application.person).status == "unanswered"
    application.refresh_from_db()
    assert application.state == "awaiting_verification", "the application waits, visibly; it is not refused"
