"""Reads of the register, filtered by what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from manpower.core.errors import NotFound
from manpower.core.queries import unique_or_none
from manpower.identity.authz import establishment_ids
from manpower.identity.models import Role, User
from manpower.registry.models import Employment, Establishment, Person


def establishments_for(user: User, permission: str = "view", *, with_places: bool = True) -> QuerySet[Establishment]:
    """``with_places``: read the activity, governorate and wilayat with each (for pages that show them)."""
    ids = establishment_ids(user, permission)
    queryset = Establishment.objects.all()
    if with_places:
        queryset = queryset.select_related("activity", "governorate", "wilayat")
    return queryset if ids is None else queryset.filter(pk__in=ids)


def acts_for_any(user: User, permission: str = "view") -> bool:
    """Whether the user may act for at least one establishment with ``permission``: one query (the memberships)."""
    ids = establishment_ids(user, permission)
    return ids is None or bool(ids)


def establishment_get(user: User, *, cr_number: str | None = None, pk: int | None = None,
                      permission: str = "view", with_places: bool = True) -> Establishment:
    lookup: dict[str, object] = {"cr_number": cr_number} if cr_number is not None else {"pk": pk}
    establishment = unique_or_none(establishments_for(user, permission, with_places=with_places).filter(**lookup))
    if establishment is None:
        raise NotFound(field="cr_number" if cr_number is not None else None)
    return establishment


def people_for(user: User) -> QuerySet[Person]:
    if user.role in {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}:
        return Person.objects.all()
    if user.role == Role.WORKER:
        return Person.objects.filter(pk=user.person_id) if user.person_id else Person.objects.none()
    if user.role == Role.EMPLOYER:
        ids = establishment_ids(user) or []
        return Person.objects.filter(employments__establishment_id__in=ids).distinct()
    return Person.objects.none()


def employments_for(user: User) -> QuerySet[Employment]:
    queryset = Employment.objects.select_related("person", "establishment", "occupation")
    if user.role in {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}:
        return queryset
    if user.role == Role.WORKER:
        return queryset.filter(person_id=user.person_id) if user.person_id else queryset.none()
    if user.role == Role.EMPLOYER:
        return queryset.filter(establishment_id__in=establishment_ids(user) or [])
    return queryset.none()


@dataclass(frozen=True)
class Workforce:
    headcount: int
    omani: int
    non_omani: int

    @property
    def omanisation_ratio(self) -> Decimal:
        """Omani share of the current workforce, as a percentage with two decimals (0 when empty)."""
        if not self.headcount:
            return Decimal("0.00")
        return (Decimal(self.omani) * 100 / Decimal(self.headcount)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def establishment_workforce(establishment: Establishment, on: date | None = None) -> Workforce:
    """Counts from the employment records current on the day: one query."""
    totals = Employment.objects.current(on or timezone.localdate()).filter(establishment=establishment).aggregate(
        headcount=Count("id"), omani=Count("id", filter=Q(is_omani=True))
    )
    headcount, omani = totals["headcount"] or 0, totals["omani"] or 0
    return Workforce(headcount=headcount, omani=omani, non_omani=headcount - omani)
