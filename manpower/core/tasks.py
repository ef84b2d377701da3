"""Background tasks of the platform's plumbing; each is idempotent."""

from __future__ import annotations

from django_tasks import task

from manpower.core import outbox


@task()
def deliver_outbox_message(message_id: int) -> str:
    return outbox.deliver(message_id)


@task()
def sweep_outbox() -> int:
    return outbox.deliver_due()
