"""Recording and verifying the audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from manpower.audit.models import AuditEvent, AuditHead
from manpower.core.queries import unique_or_none

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return f"{value._meta.label}:{value.pk}"
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def _canonical(value: Any) -> Any:
    """What JSON storage gives back, so the hash is the same before and after a round trip."""
    return json.loads(json.dumps(value, default=_default, sort_keys=True))


def event_hash(*, seq: int, occurred_at: datetime, actor_id: int | None, actor_label: str, action: str,
               object_type: str, object_id: str, subject_person_id: int | None, before: Any, after: Any,
               data: Any, prev_hash: str) -> str:
    body = json.dumps(
        [seq, occurred_at.astimezone(UTC).isoformat(timespec="microseconds"), actor_id, actor_label, action,
         object_type, object_id, subject_person_id, before, after, data, prev_hash],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


# Events recorded inside ``appended_at_end()``, waiting to be chained together when it exits.
_pending: ContextVar[list[AuditEvent] | None] = ContextVar("manpower_audit_pending", default=None)


def record(actor: Any, action: str, obj: models.Model | None = None, *, object_type: str | None = None,
           object_id: str | None = None, subject_person_id: int | None = None, before: dict | None = None,
           after: dict | None = None, **data: Any) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (whose failure undoes it with the rest).

    Inside ``appended_at_end()`` the event is chained when that block ends; it is returned unsaved until then.
    """
    actor_label = str(getattr(actor, "email", "") or actor or "system")[:200]
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=getattr(actor, "pk", None) if actor is not None else None,
        actor_label=actor_label,
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else "platform"),
        object_id=str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
        subject_person_id=subject_person_id,
        before=_canonical(before or {}),
        after=_canonical(after or {}),
        data=_canonical(data),
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
    else:
        _append([event])
    return event


@contextmanager
def appended_at_end() -> Iterator[None]:
    """Events recorded in the block are chained together when it ends (inside the caller's transaction).

    The chain's head is a single row, locked from the first append until the transaction commits, so every
    writer waits for it: a service that does much work after its first event (a submission decides, stores
    the decision, writes its messages) records inside this block, and holds the head only for the last moment.
    Events of a block that raises are dropped with the transaction that raised.
    """
    if _pending.get() is not None:  # already inside one: the outer block appends
        yield
        return
    events: list[AuditEvent] = []
    token = _pending.set(events)
    try:
        yield
    finally:
        _pending.reset(token)
    if events:
        _append(events)


def append_pending() -> None:
    """Chain now what the enclosing ``appended_at_end()`` block has recorded so far (before taking a lock that
    must come after the head's: a gap-free document counter)."""
    events = _pending.get()
    if events:
        _append(list(events))
        events.clear()


def _append(events: list[AuditEvent]) -> None:
    with transaction.atomic(savepoint=False):
        head = unique_or_none(AuditHead.objects.select_for_update().filter(id=1))
        if head is None:  # the migration creates it; a database restored without it gets it back here
            head, _ = AuditHead.objects.get_or_create(id=1)
        seq, previous = head.seq, head.hash
        for event in events:
            seq += 1
            event.seq, event.prev_hash = seq, previous
            event.hash = previous = event_hash(
                seq=seq, occurred_at=event.occurred_at, actor_id=event.actor_id, actor_label=event.actor_label,
                action=event.action, object_type=event.object_type, object_id=event.object_id,
                subject_person_id=event.subject_person_id, before=event.before, after=event.after, data=event.data,
                prev_hash=event.prev_hash,
            )
        AuditEvent.objects.bulk_create(events)
        head.seq, head.hash = seq, previous
        head.save(update_fields=["seq", "hash"])


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain(batch: int = 2000) -> VerifyResult:
    """Walk the chain in order; report the first event that was edited, inserted or deleted."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch):
        if event.seq != expected_seq:
            kind = "deleted" if event.seq > expected_seq else "inserted"
            return VerifyResult(False, checked, expected_seq, f"event #{expected_seq} {kind} (found #{event.seq})")
        if event.prev_hash != expected_prev:
            return VerifyResult(False, checked, event.seq, f"event #{event.seq} does not follow #{event.seq - 1}: "
                                "an event was inserted or deleted before it")
        recomputed = event_hash(
            seq=event.seq, occurred_at=event.occurred_at, actor_id=event.actor_id, actor_label=event.actor_label,
            action=event.action, object_type=event.object_type, object_id=event.object_id,
            subject_person_id=event.subject_person_id, before=event.before, after=event.after, data=event.data,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            return VerifyResult(False, checked, event.seq, f"event #{event.seq} was edited after it was recorded")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        return VerifyResult(False, checked, expected_seq, f"the last events after #{expected_seq - 1} were deleted "
                            f"(the chain's head is #{head.seq})")
    return VerifyResult(True, checked)
