"""Referred applications: the queue, a decision with a reason; approving against the rules takes four eyes."""

from __future__ import annotations

import pytest

from manpower.core.errors import DomainError, PermissionDenied
from manpower.payments.models import Invoice
from manpower.permits import selectors, services
from manpower.registry.models import Person
from tests import factories as f
from tests.permits.conftest import TODAY, submit

pytestmark = pytest.mark.django_db


def referred(world, **overrides):
    """Shop sales assistants (ISCO 5223) include job titles reserved for Omanis: without the exact title the
    rules cannot tell, and an officer must look."""
    application = submit(world, occupation="5223", **overrides)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    application.refresh_from_db()
    assert application.state == "referred", application.latest_decision.not_passed
    return application


def test_the_queue_lists_referred_applications_oldest_first_for_officers_only(employer_world):
    first = referred(employer_world, passport_number="Q1000001")
    second = referred(employer_world, passport_number="Q1000002")
    assert list(selectors.review_queue(employer_world["officer"])) == [first, second]
    assert list(selectors.review_queue(employer_world["rep"])) == []
    check = next(c for c in first.latest_decision.checks if c["status"] == "refer")
    assert check["id"] == "occupation-not-reserved" and check["fix"]["en"]


def test_an_officer_decides_with_a_reason_the_applicant_reads(employer_world):
    application = referred(employer_world)
    with pytest.raises(DomainError) as error:
        services.referral_decide(actor=employer_world["officer"], application=application, approve=False, reason=" ")
    assert error.value.code == "reason_required"
    services.referral_decide(actor=employer_world["officer"], application=application, approve=True,
                             reason="The job is stock-room assistant, which is not reserved.")
    application.refresh_from_db()
    decision = application.latest_decision
    assert (application.state, decision.source, decision.outcome) == ("approved", "officer", "approve")
    assert decision.officer == employer_world["officer"] and "stock-room" in decision.reason
    assert Invoice.objects.get(subject_id=application.number).total_omr > 0


def test_employers_cannot_decide_referrals(employer_world):
    application = referred(employer_world)
    with pytest.raises(PermissionDenied):
        services.referral_decide(actor=employer_world["rep"], application=application, approve=True, reason="x")


def test_approving_against_a_failed_check_needs_a_second_officer(employer_world):
    application = submit(employer_world, date_of_birth="2006-01-01")
    assert application.state == "rejected"
    first = employer_world["officer"]
    services.override_request(actor=first, application=application, reason="Court ruling 12/2026 orders the permit")
    application.refresh_from_db()
    assert application.state == "rejected", "nothing changes until a second officer confirms"
    with pytest.raises(DomainError) as error:
        services.override_confirm(actor=first, application=application, confirm=True)
    assert error.value.code == "override_needs_second_officer"
    second = f.user("officer")
    services.override_confirm(actor=second, application=application, confirm=True)
    application.refresh_from_db()
    decision = application.latest_decision
    assert application.state == "approved"
    assert (decision.officer, decision.second_officer) == (first, second)
    assert "worker-minimum-age" in decision.result["officer"]["overridden"]
    assert Invoice.objects.get(subject_id=application.number).total_omr > 0


def test_the_review_queue_is_shown_a_page_at_a_time_oldest_first(client, employer_world, monkeypatch):
    from manpower.permits import views

    monkeypatch.setattr(views, "REVIEW_PAGE_SIZE", 2)
    queue = [referred(employer_world, passport_number=f"Q200000{n}") for n in range(3)]
    client.force_login(employer_world["officer"])
    first_page = client.get("/en/review/").content.decode()
    assert queue[0].number in first_page and queue[1].number in first_page and queue[2].number not in first_page
    assert "Page 1 of 2" in first_page and "?page=2" in first_page
    second_page = client.get("/en/review/?page=2").content.decode()
    assert queue[2].number in second_page and queue[0].number not in second_page
    assert client.get("/en/review/?page=99").status_code == 200  # past the end: the last page
