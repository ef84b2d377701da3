"""The sender: a loop in the worker that turns notification events into messages and hands due messages to
their providers in batches. Every step is idempotent, so two workers, or a worker restarted, are safe."""

from __future__ import annotations

import threading
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from manpower.core import outbox
from manpower.core.models import OutboxMessage
from manpower.notifications import events

log = structlog.get_logger("manpower.notifications")


def pump_events(limit: int = 500) -> int:
    """Deliver due outbox messages of the topics that notify (the task queue does too; claims are atomic). Those
    whose only handler makes notifications are handled together (``deliver_notices``), the others one by one by all
    their handlers, in the order they were written."""
    topics = [*events.BUILDERS, "reminder.permit.expiring", "reminder.contract.deadline_near"]
    due = list(OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now(),
                                            topic__in=topics).order_by("id").values_list("id", "topic")[:limit])
    together: list[int] = []
    for message_id, topic in due:  # in their order: runs of notification-only events together
        if notices_only(topic):
            together.append(message_id)
            continue
        if together:
            deliver_notices(together)
            together = []
        outbox.deliver(message_id)
    if together:
        deliver_notices(together)
    return len(due)


def notices_only(topic: str) -> bool:
    """Whether the topic's only outbox handler is the one that turns events into messages."""
    from manpower.notifications.handlers import notify_handler

    return outbox.handlers_for(topic) == [notify_handler]


def deliver_notices(ids: list[int]) -> int:
    """``outbox.deliver`` for a batch of events whose only handler is ``notify``: claimed with one statement, their
    messages built, then saved with the events marked delivered in one transaction. An event another worker
    claimed first is left to it; an event whose messages cannot be built is tried again later, as ``deliver``
    does. Returns how many events were claimed."""
    from manpower.notifications.services import messages_save

    now = timezone.now()
    pending = OutboxMessage.Status.PENDING
    with transaction.atomic():
        # SQLite: the transaction holds the write lock from its start; PostgreSQL: rows locked here are skipped
        # by other workers, and ``deliver`` waiting on one of them then finds it no longer pending.
        claimed = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                       .filter(pk__in=ids, status=pending, next_attempt_at__lte=now).order_by("id"))
        OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(
            status=OutboxMessage.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return 0
    for message in claimed:
        message.attempts += 1
    try:
        made, done, failed, secret = _build(claimed, now)
        with transaction.atomic():
            messages_save(made, secret_events=secret)
            OutboxMessage.objects.filter(pk__in=[m.pk for m in done]).update(
                status=OutboxMessage.Status.DELIVERED, delivered_at=timezone.now(), last_error="")
            for message in failed:
                message.save(update_fields=["status", "next_attempt_at", "last_error"])
    except Exception as error:  # nothing was saved: every event of the batch is tried again
        log.warning("notifications.batch_not_saved", events=len(claimed), error=f"{type(error).__name__}: {error}")
        for message in claimed:
            _failed(message, error)
        with transaction.atomic():
            for message in claimed:
                message.save(update_fields=["status", "next_attempt_at", "last_error"])
    return len(claimed)


def _build(claimed: list[OutboxMessage], now: Any) -> tuple[list[Any], list[OutboxMessage], list[OutboxMessage],
                                                             list[tuple[str, dict[str, Any]]]]:
    """The messages of each event (the accounts they name read once for the batch): the messages, the events that
    made theirs, the events that failed (marked for another attempt) and the events that carry a one-time code."""
    from manpower.notifications.services import messages_for

    made: list[Any] = []
    done: list[OutboxMessage] = []
    failed: list[OutboxMessage] = []
    secret: list[tuple[str, dict[str, Any]]] = []
    with events.accounts_read_once({m.payload["user_id"] for m in claimed
                                    if isinstance(m.payload.get("user_id"), int)}):
        for message in claimed:
            try:
                rows, carries_code = messages_for(topic=message.topic, key=message.key, payload=message.payload,
                                                  now=now)
            except Exception as error:
                _failed(message, error)
                failed.append(message)
                continue
            made += rows
            done.append(message)
            if carries_code:
                secret.append((message.key, message.payload))
    return made, done, failed, secret


def _failed(message: OutboxMessage, error: Exception) -> None:
    """As ``outbox.deliver`` records a failed attempt: again later with back-off, or failed for good."""
    final = message.attempts >= outbox.MAX_ATTEMPTS
    message.status = OutboxMessage.Status.FAILED if final else OutboxMessage.Status.PENDING
    message.next_attempt_at = timezone.now() + outbox.backoff(message.attempts)
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    log.warning("outbox.attempt_failed", topic=message.topic, message_id=message.pk, attempts=message.attempts,
                final=final, error=message.last_error)


def run_once() -> int:
    from manpower.notifications.services import dispatch_due, release_stalled

    release_stalled()
    done = pump_events()
    while True:
        sent = dispatch_due()
        # Events that came meanwhile are taken between two batches: a batch here costs far less than the same
        # events one by one by the task queue or the sweep, which find them taken.
        pumped = pump_events()
        done += sent + pumped
        if sent < settings.NOTIFY_BATCH_SIZE and not pumped:
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
