"""Asking other authorities for facts: one row per question, asked until answered, the answer recorded once.

A question is recorded in the caller's transaction (so it is never lost); the scheduler's sweep asks the
authority outside any transaction, after claiming the row, and records what came back in a transaction of
its own. A crash between the two leaves the claim to expire, and the question is simply asked again: asking
an authority for a fact twice is harmless, recording its answer twice is not, so the answer is recorded
only while the row is still pending.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from manpower.audit.services import record
from manpower.integrations import authorities
from manpower.integrations.authorities import Answer
from manpower.integrations.models import AuthorityRequest
from manpower.registry.models import Person
from manpower.registry.services import person_medical_result_record

log = structlog.get_logger("manpower.integrations")
R = AuthorityRequest
# How long a claimed request is left to the worker that claimed it before another may ask again.
CLAIM_SECONDS = 60
# What a rule's "unknown" code waits for, and who supplies it.
AWAITED_FACTS: dict[str, tuple[str, str]] = {
    "medical_pending": (R.Authority.HEALTH, R.Kind.MEDICAL_RESULT),
}


def retry_delay(attempts: int) -> timedelta:
    """Ask again soon, then less and less often: 5 s, 10 s, 20 s … at most hourly."""
    return timedelta(seconds=min(3600, settings.AUTHORITY_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


@transaction.atomic
def fact_request(*, authority: str, kind: str, person: Person) -> AuthorityRequest:
    """Ask an authority for a fact about a person; asking again while a question is pending returns it."""
    pending = R.objects.filter(authority=authority, kind=kind, person=person, status=R.Status.PENDING).first()
    if pending is not None:
        return pending
    request = R.objects.create(authority=authority, kind=kind, person=person)
    record(None, "authority.asked", request, subject_person_id=person.pk, authority=authority, kind=kind)
    transaction.on_commit(lambda: _nudge())
    return request


def facts_awaited(*, person: Person, codes: list[str]) -> list[AuthorityRequest]:
    """Ask for every fact the rules reported as unknown with one of these codes."""
    return [fact_request(authority=AWAITED_FACTS[code][0], kind=AWAITED_FACTS[code][1], person=person)
            for code in dict.fromkeys(codes) if code in AWAITED_FACTS]


def _nudge() -> None:
    """Ask at once instead of at the next sweep, where a task queue is running."""
    from manpower.integrations.tasks import process_due_requests

    try:
        process_due_requests.enqueue()
    except Exception:  # the sweep asks anyway
        log.warning("integrations.enqueue_failed", exc_info=True)


def _claim(request_id: int, now: Any) -> AuthorityRequest | None:
    with transaction.atomic():
        claimed = R.objects.filter(pk=request_id, status=R.Status.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        if not claimed:
            return None
        return R.objects.select_related("person__passport_country").get(pk=request_id)


def _ask(request: AuthorityRequest) -> Answer:
    if (request.authority, request.kind) == (R.Authority.HEALTH, R.Kind.MEDICAL_RESULT):
        person = request.person
        return authorities.health_authority().medical_result(
            country=person.passport_country_id, passport=person.passport_number, correlation_id=str(request.correlation_id))
    return Answer("failed", detail=f"no adapter for {request.authority}/{request.kind}")


@transaction.atomic
def _record(request_id: int, answer: Answer, now: Any) -> str:
    request = R.objects.select_for_update().get(pk=request_id)
    if request.status != R.Status.PENDING:
        return "already_closed"
    request.attempts += 1
    request.last_outcome = answer.detail or answer.outcome
    if answer.is_final:
        request.status, request.answer, request.answered_at = R.Status.ANSWERED, answer.data, now
        request.save(update_fields=["attempts", "last_outcome", "status", "answer", "answered_at"])
        record(None, "authority.answered", request, subject_person_id=request.person_id, authority=request.authority,
               kind=request.kind, answer=answer.data)
        if request.kind == R.Kind.MEDICAL_RESULT:
            examined = answer.data.get("examined_on")
            person_medical_result_record(person=request.person, fitness=answer.data["fitness"],
                                         examined_on=date.fromisoformat(examined) if examined else None,
                                         reference=answer.data.get("reference") or str(request.correlation_id),
                                         source=request.get_authority_display())
        return "answered"
    if now - request.created_at > timedelta(days=settings.AUTHORITY_GIVE_UP_DAYS):
        request.status = R.Status.UNANSWERED
        request.save(update_fields=["attempts", "last_outcome", "status"])
        record(None, "authority.unanswered", request, subject_person_id=request.person_id, authority=request.authority,
               kind=request.kind, attempts=request.attempts)
        from manpower.core import outbox

        outbox.emit("authority.unanswered", key=f"authority.unanswered:{request.pk}", request=request.pk,
                    person_id=request.person_id, authority=request.authority, kind=request.kind)
        return "unanswered"
    request.next_attempt_at = now + retry_delay(request.attempts)
    request.save(update_fields=["attempts", "last_outcome", "next_attempt_at"])
    if answer.outcome == "failed":
        log.warning("authority.call_failed", authority=request.authority, kind=request.kind, request=request.pk,
                    detail=answer.detail, attempts=request.attempts)
    return answer.outcome


def request_process(request_id: int) -> str:
    """Ask one due question and record what came back; what it did, for the log and the tests."""
    now = timezone.now()
    request = _claim(request_id, now)
    if request is None:
        return "not_due"
    answer = _ask(request)
    return _record(request_id, answer, timezone.now())


def requests_process_due(limit: int = 200) -> dict[str, int]:
    """Ask every question that is due (the scheduler calls this every few seconds)."""
    due = list(R.objects.filter(status=R.Status.PENDING, next_attempt_at__lte=timezone.now())
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    outcomes: dict[str, int] = {}
    for request_id in due:
        try:
            outcome = request_process(request_id)
        except Exception:  # one bad row must not stop the others; it is retried after its claim expires
            log.exception("authority.request_failed", request=request_id)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
