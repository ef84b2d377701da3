"""Reads of the support desk and of outages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from manpower.core.errors import NotFound
from manpower.identity.models import User
from manpower.support.models import Dispute, Outage
from manpower.support.services import AGENTS


def disputes_for(user: User) -> QuerySet[Dispute]:
    queryset = Dispute.objects.select_related("event", "person", "answered_by")
    if user.role in AGENTS:
        return queryset
    if user.person_id:
        return queryset.filter(person_id=user.person_id)
    return queryset.none()


def dispute_get(user: User, number: str) -> Dispute:
    dispute = disputes_for(user).filter(number=(number or "").strip().upper()).first()
    if dispute is None:
        raise NotFound(field="number")
    return dispute


def outages_public(now: datetime | None = None, *, days: int = 90) -> dict[str, list[Outage]]:
    """Current, planned and recent outages, for the public status page (one query)."""
    moment = now or timezone.now()
    rows = list(Outage.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gte=moment - timedelta(days=days)))
                .order_by("starts_at"))
    return {"current": [o for o in rows if o.is_current(moment)],
            "planned": [o for o in rows if o.starts_at > moment],
            "past": sorted((o for o in rows if o.ends_at is not None and o.ends_at <= moment),
                           key=lambda o: o.starts_at, reverse=True)}


def outage_periods(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Periods within [start, end) during which deadlines and fines are suspended by a recorded outage."""
    rows = Outage.objects.filter(suspends_deadlines=True, starts_at__lt=end).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=start)).values_list("starts_at", "ends_at")
    return [(max(s, start), min(e or end, end)) for s, e in rows]
