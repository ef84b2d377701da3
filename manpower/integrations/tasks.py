"""Background tasks of the integrations app; each is idempotent."""

from __future__ import annotations

from django_tasks import task


@task()
def process_due_requests() -> dict[str, int]:
    from manpower.integrations.services import requests_process_due

    return requests_process_due()
