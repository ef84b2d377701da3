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


@handles("registry.person_fact_changed")
def redecide_when_a_fact_arrives(message: OutboxMessage) -> None:
    """An authority answered (a medical result, …): decide again what was waiting on it."""
    from manpower.permits.selectors import applications_waiting_on
    from manpower.permits.services import application_redecide

    for application in applications_waiting_on(message.payload["person_id"]):
        application_redecide(application=application)
