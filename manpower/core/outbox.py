"""The transactional outbox.

``emit`` writes a message in the caller's transaction; once that transaction commits a task is queued
to deliver it, and the worker's sweep catches anything that task missed. Handlers are idempotent: a
message may be handed to its handler more than once (a worker killed after sending, before marking),
so a handler passes the message's key on to whatever it calls.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

import structlog
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from manpower.core.models import OutboxMessage

log = structlog.get_logger("manpower.outbox")

Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, list[Handler]] = {}
# Topics a dedicated sender sweeps in batches (the notifications sender): no task is queued per message for them.
_SWEPT: set[str] = set()
MAX_ATTEMPTS = 12


def handles(topic: str) -> Callable[[Handler], Handler]:
    """Register a handler for a topic (several handlers may share one)."""

    def register(function: Handler) -> Handler:
        _HANDLERS.setdefault(topic, []).append(function)
        return function

    return register


def handlers_for(topic: str) -> list[Handler]:
    """The handlers registered for a topic, in the order they were registered."""
    return list(_HANDLERS.get(topic, []))


def swept(*topics: str) -> None:
    """Declare topics that a dedicated sender delivers in batches within a second: emitting one queues no task
    (the scheduler's sweep still delivers it if that sender is not running)."""
    _SWEPT.update(topics)


# Messages emitted inside ``written_together()``, waiting to be written in one statement when it ends.
_pending: ContextVar[list[OutboxMessage] | None] = ContextVar("manpower_outbox_pending", default=None)


def emit(topic: str, *, key: str, **payload: Any) -> None:
    """Record a message to deliver after commit; the same key twice records it once (one INSERT … ON CONFLICT)."""
    message = OutboxMessage(topic=topic, key=key, payload=payload)
    pending = _pending.get()
    if pending is not None:
        pending.append(message)
    else:
        _write([message])


@contextmanager
def written_together() -> Iterator[None]:
    """Messages emitted in the block are written in one INSERT when it ends, inside the caller's transaction
    (a service emitting several messages saves a round trip per message). Nothing is written if it raises."""
    if _pending.get() is not None:
        yield
        return
    messages: list[OutboxMessage] = []
    token = _pending.set(messages)
    try:
        yield
    finally:
        _pending.reset(token)
    if messages:
        _write(messages)


def _write(messages: list[OutboxMessage]) -> None:
    first_of_each_key: dict[str, OutboxMessage] = {}
    for message in messages:
        first_of_each_key.setdefault(message.key, message)
    messages = list(first_of_each_key.values())
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    for message in messages:
        if message.topic not in _SWEPT:
            key = message.key
            transaction.on_commit(lambda key=key: _queue_delivery(key))  # type: ignore[misc]


def _queue_delivery(key: str) -> None:
    from manpower.core.tasks import deliver_outbox_message

    try:
        deliver_outbox_message.enqueue(key)
    except Exception:  # the sweep delivers it; queueing is only a shortcut
        log.warning("outbox.enqueue_failed", key=key, exc_info=True)


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with jitter: 2 s, 4 s, 8 s … capped at one hour."""
    seconds = min(3600, 2**attempts)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def deliver(message_id: int | str) -> str:
    """Claim one message (by id or key) and hand it to its handlers; returns the resulting status."""
    now = timezone.now()
    lookup = {"key": message_id} if isinstance(message_id, str) else {"pk": message_id}
    claimed = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now, **lookup
    ).update(status=OutboxMessage.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.get(**lookup)
    handlers = _HANDLERS.get(message.topic, [])
    try:
        for handler in handlers:
            handler(message)
    except Exception as error:
        failed = message.attempts >= MAX_ATTEMPTS
        message.status = OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        message.save(update_fields=["status", "next_attempt_at", "last_error"])
        log.warning("outbox.attempt_failed", topic=message.topic, message_id=message.pk,
                    attempts=message.attempts, final=failed, error=message.last_error)
        return message.status
    message.status = OutboxMessage.Status.DELIVERED
    message.delivered_at = timezone.now()
    message.last_error = "" if handlers else "no subscriber"
    message.save(update_fields=["status", "delivered_at", "last_error"])
    return message.status


def release_stuck(older_than: timedelta = timedelta(minutes=5)) -> int:
    """A worker killed mid-delivery leaves a message 'sending'; hand it back for another attempt."""
    cutoff = timezone.now() - older_than
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.SENDING, next_attempt_at__lt=cutoff).update(
        status=OutboxMessage.Status.PENDING
    )


def deliver_due(limit: int = 500) -> int:
    """Deliver every message that is due; used by the worker's sweep and by tests."""
    release_stuck()
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in due:
        deliver(message_id)
    return len(due)
