"""Outbox handlers of the permits app: what happens after a transaction elsewhere has committed."""

from __future__ import annotations

from manpower.core.models import OutboxMessage
from manpower.core.outbox import handles


@handles("invoice.paid")
def issue_when_paid(message: OutboxMessage) -> None:
    if message.payload.get("subject_type") != "permits.application":
        return
    from manpower.permits.services import application_paid

    application_paid(application_number=message.payload["subject_id"])
