"""Background tasks of the platform's plumbing; each is idempotent."""

from __future__ import annotations

from django_tasks import task

from manpower.core import outbox


@task()
def deliver_outbox_message(key: str) -> str:
    return outbox.deliver(key)


@task()
def sweep_outbox() -> int:
    return outbox.deliver_due()
