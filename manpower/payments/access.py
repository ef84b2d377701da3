"""Who may pay an invoice, and who handles the money: one place for both checks."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from manpower.core.errors import PermissionDenied
from manpower.identity.authz import can_act_for
from manpower.identity.models import EstablishmentPermission, Role, User
from manpower.payments.models import Invoice, PaymentDelegation

# Finance officers are ministry officers (and administrators): they refund and read the reconciliation reports.
FINANCE_ROLES = {Role.OFFICER, Role.ADMIN}


def is_finance_officer(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in FINANCE_ROLES)


def authorize_finance(user: User) -> None:
    if not is_finance_officer(user):
        raise PermissionDenied()


def delegations_in_force(user: User, on: date | None = None) -> list[PaymentDelegation]:
    if not user.is_authenticated or user.role != Role.EMPLOYER:
        return []
    on = on or timezone.localdate()
    return list(PaymentDelegation.objects.filter(delegate=user, action=PaymentDelegation.Action.PAY, revoked_at__isnull=True,
                                                 valid_from__lte=on, valid_until__gte=on))


def delegated_establishment_ids(user: User, on: date | None = None) -> list[int]:
    return [delegation.establishment_id for delegation in delegations_in_force(user, on)]


def authorize_payment(user: User, invoice: Invoice, on: date | None = None) -> PaymentDelegation | None:
    """A member with the "pay" permission pays for its establishment; a delegate under a delegation in force.
    Returns the delegation used, if any."""
    if user.role == Role.EMPLOYER and can_act_for(user, EstablishmentPermission.PAY, invoice.establishment):
        return None
    for delegation in delegations_in_force(user, on):
        if delegation.establishment_id == invoice.establishment_id:
            return delegation
    raise PermissionDenied()
