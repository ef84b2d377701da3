"""The sender: a loop in the worker that turns notification events into messages and hands due messages to
their providers in batches. Every step is idempotent, so two workers, or a worker restarted, are safe."""

from __future__ import annotations

import threading

import structlog
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from manpower.core import outbox
from manpower.core.models import OutboxMessage
from manpower.notifications import events

log = structlog.get_logger("manpower.notifications")


def pump_events(limit: int = 200) -> int:
    """Deliver due outbox messages of the topics that notify (the task queue does too; claims are atomic)."""
    topics = [*events.BUILDERS, "reminder.permit.expiring", "reminder.contract.deadline_near"]
    due = list(OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now(),
                                            topic__in=topics).order_by("id").values_list("id", flat=True)[:limit])
    for message_id in due:
        outbox.deliver(message_id)
    return len(due)


def run_once() -> int:
    from manpower.notifications.services import dispatch_due, release_stalled

    release_stalled()
    done = pump_events()
    while True:
        sent = dispatch_due()
        done += sent
        if sent < settings.NOTIFY_BATCH_SIZE:
            return done


def run_sender(stop: threading.Event) -> None:
    while not stop.is_set():
        busy = 0
        try:
            close_old_connections()
            busy = run_once()
        except Exception:
            log.exception("notifications.round_failed")
        finally:
            close_old_connections()
        if not busy:
            stop.wait(settings.NOTIFY_POLL_SECONDS)
