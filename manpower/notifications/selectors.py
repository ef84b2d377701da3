"""Reads of the notifications app, limited to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from manpower.identity.models import User
from manpower.notifications import events
from manpower.notifications.models import Channel, ContactPoint, Message, Preference
from manpower.notifications.segments import sms_length


def inbox(user: User) -> QuerySet[Message]:
    """The reader's own in-portal notifications, newest first."""
    return Message.objects.filter(user=user, channel=Channel.INAPP).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(user=user, channel=Channel.INAPP, read_at__isnull=True).count()


def preferences(user: User) -> list[dict[str, Any]]:
    stored = {p.kind: p for p in Preference.objects.filter(user=user)}
    rows = []
    for kind in events.KINDS:
        preference = stored.get(kind)
        rows.append({"kind": kind, "mandatory": kind in events.MANDATORY_KINDS,
                     "email": preference.email if preference else True, "sms": preference.sms if preference else True})
    return rows


def contact_points(user: User) -> QuerySet[ContactPoint]:
    return ContactPoint.objects.filter(user=user).order_by("channel", "-verified_at", "-id")


def sms_preview(text: str) -> dict[str, Any]:
    length = sms_length(text)
    return {"encoding": length.encoding, "characters": length.characters, "segments": length.segments,
            "per_segment": length.per_segment}


def message_history(*, reference: str) -> Message | None:
    return Message.objects.filter(reference=reference).first()
