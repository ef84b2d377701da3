"""Outbox handlers: events become messages (in the recipient's language) and reminders follow due dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import structlog

from manpower.core.models import OutboxMessage
from manpower.core.outbox import handles
from manpower.notifications import events

log = structlog.get_logger("manpower.notifications")


def notify_handler(message: OutboxMessage) -> None:
    from manpower.notifications.services import notify

    notify(topic=message.topic, key=message.key, payload=message.payload)


for _topic in events.BUILDERS:
    handles(_topic)(notify_handler)


@handles("permit.issued")
@handles("permit.renewed")
def schedule_permit_reminders(message: OutboxMessage) -> None:
    from manpower.notifications.services import Due, permit_reminder_days, reminders_schedule
    from manpower.permits.models import Permit

    permit = Permit.objects.filter(number=message.payload["permit"], status=Permit.Status.ACTIVE).first()
    if permit is None:
        return
    reminders_schedule(Due("permit.expiring", "permit", permit.number, permit.valid_until,
                           permit_reminder_days(permit.valid_until), {"permit": permit.number}))


@handles("permit.cancelled")
@handles("permit.expired")
@handles("permit.transferred")
def cancel_permit_reminders(message: OutboxMessage) -> None:
    from manpower.notifications.services import reminders_cancel

    reminders_cancel(event="permit.expiring", subject_type="permit", subject_id=message.payload["permit"])


@handles("contract.sent")
@handles("contract.revised")
def schedule_contract_reminders(message: OutboxMessage) -> None:
    from django.conf import settings

    from manpower.notifications.models import Reminder
    from manpower.notifications.services import Due, reminders_schedule

    payload: dict[str, Any] = message.payload
    if not payload.get("deadline"):
        return
    subject = f"{payload['contract']}:{payload['version']}"
    Reminder.objects.filter(event="contract.deadline_near", subject_type="contract",
                            subject_id__startswith=f"{payload['contract']}:",
                            status=Reminder.Status.SCHEDULED).exclude(subject_id=subject).update(status="cancelled")
    reminders_schedule(Due("contract.deadline_near", "contract", subject, date.fromisoformat(payload["deadline"]),
                           tuple(settings.CONTRACT_REMINDER_DAYS),
                           {"contract": payload["contract"], "version": payload["version"],
                            "deadline": payload["deadline"], "person_id": payload.get("person_id"),
                            "user_id": payload.get("user_id")}))


@handles("contract.signed")
@handles("contract.rejected")
@handles("contract.withdrawn")
@handles("contract.offer_ended")
@handles("contract.change_requested")
def cancel_contract_reminders(message: OutboxMessage) -> None:
    from manpower.notifications.services import reminders_cancel

    reminders_cancel(event="contract.deadline_near", subject_type="contract",
                     subject_id=f"{message.payload['contract']}:{message.payload['version']}")


def record_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A new sign-in is told to the account holder (a security notice nobody can switch off)."""
    from manpower.notifications.services import sign_in_record

    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    try:
        sign_in_record(user=user, address=address, agent=agent)
    except Exception:  # a sign-in never fails because its notice could not be recorded
        log.exception("notifications.sign_in_not_recorded", user=getattr(user, "pk", None))
