"""Recording and verifying the audit trail."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from manpower.audit.models import AuditEvent, AuditHead

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


def record(actor: Any, action: str, obj: models.Model | None = None, *, object_type: str | None = None,
           object_id: str | None = None, subject_person_id: int | None = None, before: dict | None = None,
           after: dict | None = None, **data: Any) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(id=1).first()
        if head is None:  # the migration creates it; a database restored without it gets it back here
            head, _ = AuditHead.objects.get_or_create(id=1)
        actor_id = getattr(actor, "pk", None) if actor is not None else None
        actor_label = str(getattr(actor, "email", "") or actor or "system")[:200]
        fields = {
            "seq": head.seq + 1,
            "occurred_at": timezone.now(),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type or (obj._meta.label if obj is not None else "platform"),
            "object_id": str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
            "subject_person_id": subject_person_id,
            "before": _canonical(before or {}),
            "after": _canonical(after or {}),
            "data": _canonical(data),
            "prev_hash": head.hash,
        }
        digest = event_hash(**fields)
        event = AuditEvent.objects.create(hash=digest, **fields)
        head.seq, head.hash = event.seq, digest
        head.save(update_fields=["seq", "hash"])
        return event


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
