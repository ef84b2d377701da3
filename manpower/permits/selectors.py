"""Reads of applications and permits, filtered by what the actor may see."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from manpower.core.errors import NotFound
from manpower.identity.authz import establishment_ids
from manpower.identity.models import Role, User
from manpower.permits.models import OPEN_STATES, Application, Permit, State
from manpower.registry.models import Person
from manpower.registry.validators import normalise_digits

MINISTRY = {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}


def applications_for(user: User) -> QuerySet[Application]:
    queryset = Application.objects.select_related("establishment", "person", "person__nationality", "occupation")
    if user.role in MINISTRY:
        return queryset
    if user.role == Role.EMPLOYER:
        return queryset.filter(establishment_id__in=establishment_ids(user) or [])
    if user.role == Role.WORKER and user.person_id:
        return queryset.filter(person_id=user.person_id)
    return queryset.none()


def application_get(user: User, number: str) -> Application:
    application = applications_for(user).filter(number=(number or "").strip().upper()).first()
    if application is None:
        raise NotFound(field="number")
    return application


def permits_for(user: User) -> QuerySet[Permit]:
    queryset = Permit.objects.select_related("establishment", "person", "person__nationality", "occupation")
    if user.role in MINISTRY:
        return queryset
    if user.role == Role.EMPLOYER:
        return queryset.filter(establishment_id__in=establishment_ids(user) or [])
    if user.role == Role.WORKER and user.person_id:
        return queryset.filter(person_id=user.person_id)
    return queryset.none()


def permit_get(user: User, number: str) -> Permit:
    permit = permits_for(user).filter(number=(number or "").strip().upper()).first()
    if permit is None:
        raise NotFound(field="number")
    return permit


def review_queue(user: User) -> QuerySet[Application]:
    """Referred applications, oldest first, for officers."""
    if user.role not in {Role.OFFICER, Role.ADMIN}:
        return Application.objects.none()
    return applications_for(user).filter(state=State.REFERRED).order_by("state_changed_at", "id")


def permit_public_status(number: str) -> Permit | None:
    """For the public check: the permit by its number, with only what the public page shows."""
    return (Permit.objects.select_related("establishment", "occupation", "person")
            .filter(number=normalise_digits(number or "").strip().upper()).first())


def establishment_summary(establishment_id: int, today: date) -> dict[str, int]:
    """Figures for an employer's dashboard, in three queries."""
    from manpower.payments.models import Invoice

    permits = Permit.objects.filter(establishment_id=establishment_id, status=Permit.Status.ACTIVE).aggregate(
        active=Count("id"),
        expiring_30=Count("id", filter=Q(valid_until__lte=today + timedelta(days=30))),
        expiring_60=Count("id", filter=Q(valid_until__lte=today + timedelta(days=60))),
    )
    in_progress = Application.objects.filter(establishment_id=establishment_id, state__in=OPEN_STATES).count()
    invoices_due = Invoice.objects.filter(establishment_id=establishment_id, status="due").count()
    return {**permits, "in_progress": in_progress, "invoices_due": invoices_due}


def awaited_codes(number: str) -> tuple[Person, list[str]] | None:
    """For the platform itself: the person an application is about and the codes of the facts it waits for."""
    application = Application.objects.select_related("person").filter(number=number).first()
    if application is None or application.state != State.AWAITING_VERIFICATION:
        return None
    decision = application.latest_decision
    codes = [c["code"] for c in (decision.checks if decision else []) if c.get("status") == "unknown" and c.get("code")]
    return application.person, codes


def applications_waiting_on(person_id: int) -> list[Application]:
    """For the platform itself: the applications about a person that wait for a fact."""
    return list(Application.objects.filter(person_id=person_id, state__in=[State.SUBMITTED, State.AWAITING_VERIFICATION]))
