"""Writes of the support desk: a worker disputes an entry of their record; an agent answers; outages."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.audit.models import AuditEvent
from manpower.audit.services import record
from manpower.core import outbox
from manpower.core.errors import DomainError, PermissionDenied, register_messages
from manpower.core.numbers import next_number
from manpower.identity.models import Role, User
from manpower.support.models import Dispute, Outage

AGENTS = {Role.SUPPORT, Role.OFFICER, Role.ADMIN}

register_messages({
    "dispute_reason_required": _("Say what is wrong with this entry, in a few words."),
    "dispute_reason_too_long": _("Keep it to 2000 characters or fewer."),
    "dispute_already_open": _("You have already disputed this entry; the support desk will answer."),
    "dispute_answer_required": _("Write the answer the worker will read."),
    "dispute_finding_required": _("Say whether the dispute is upheld."),
    "dispute_already_answered": _("This dispute has already been answered."),
    "outage_dates_order": _("The end must be after the start."),
})


@transaction.atomic
def dispute_open(*, actor: User, event: AuditEvent, reason: str) -> Dispute:
    """A worker disputes one entry of their own activity log; the desk gets a ticket."""
    if actor.role != Role.WORKER or not actor.person_id or event.subject_person_id != actor.person_id:
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("dispute_reason_required", field="reason")
    if len(reason) > 2000:
        raise DomainError("dispute_reason_too_long", field="reason")
    if Dispute.objects.select_for_update().filter(event=event, state=Dispute.State.OPEN).exists():
        raise DomainError("dispute_already_open", field="reason")
    dispute = Dispute.objects.create(number=next_number("DSP", timezone.localdate().year), person_id=actor.person_id,
                                     event=event, opened_by=actor, reason=reason)
    record(actor, "dispute.opened", dispute, subject_person_id=actor.person_id, event_seq=event.seq,
           event_action=event.action)
    return dispute


@transaction.atomic
def dispute_answer(*, actor: User, dispute: Dispute, finding: str, answer: str) -> Dispute:
    """A support agent answers a dispute; the worker sees the answer beside the entry."""
    if actor.role not in AGENTS:
        raise PermissionDenied()
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.state != Dispute.State.OPEN:
        raise DomainError("dispute_already_answered")
    if finding not in Dispute.Finding.values:
        raise DomainError("dispute_finding_required", field="finding")
    answer = (answer or "").strip()
    if not answer:
        raise DomainError("dispute_answer_required", field="answer")
    dispute.state, dispute.finding, dispute.answer = Dispute.State.ANSWERED, finding, answer
    dispute.answered_by, dispute.answered_at = actor, timezone.now()
    dispute.save(update_fields=["state", "finding", "answer", "answered_by", "answered_at"])
    record(actor, "dispute.answered", dispute, subject_person_id=dispute.person_id, before={"state": "open"},
           after={"state": "answered", "finding": finding}, event_seq=dispute.event.seq)
    outbox.emit("support.dispute_answered", key=f"support.dispute_answered:{dispute.number}", dispute=dispute.number)
    return dispute


@transaction.atomic
def outage_record(*, actor: User, outage: Outage) -> Outage:
    """Record or correct an outage (from the administration site); the period is audited."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied()
    if outage.ends_at is not None and outage.ends_at <= outage.starts_at:
        raise DomainError("outage_dates_order", field="ends_at")
    created = outage.pk is None
    if created:
        outage.recorded_by = actor
    outage.save()
    record(actor, "outage.recorded" if created else "outage.updated", outage,
           after={"service": outage.service, "kind": outage.kind, "starts_at": _iso(outage.starts_at),
                  "ends_at": _iso(outage.ends_at), "suspends_deadlines": outage.suspends_deadlines})
    return outage


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
