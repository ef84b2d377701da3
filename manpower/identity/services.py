"""Writes of the identity app: accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from manpower.audit.services import record
from manpower.core.errors import DomainError, register_messages
from manpower.identity.authz import authorize, memberships_changed
from manpower.identity.models import EstablishmentPermission, Membership, Role, User
from manpower.registry.models import Person

register_messages({
    "account_exists": _("There is already an account for this person: sign in, or reset the password."),
    "email_taken": _("This e-mail address is used by another account; give another one."),
    "password_weak": _("%(reasons)s"),
    "last_user_manager": _("Keep at least one user who can manage the establishment's users."),
    "unknown_permission": _("%(value)s is not a permission of an establishment's user."),
})


@transaction.atomic
def worker_account_open(*, person: Person, email: str, password: str, evidence: str,
                        language: str = "ar") -> User:
    """The worker's own account, opened once their identity has been proven (``evidence`` says how)."""
    if User.objects.filter(person=person).exists():
        raise DomainError("account_exists")
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("required", field="email")
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("email_taken", field="email")
    candidate = User(email=email, full_name=person.name_latin, role=Role.WORKER, person=person)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise DomainError("password_weak", field="password", params={"reasons": " ".join(error.messages)}) from None
    user = User.objects.create_user(email, password, full_name=person.name_latin, role=Role.WORKER, person=person,
                                    phone=person.phone, preferred_language=language if language in ("ar", "en") else "ar")
    record(user, "account.claimed", user, subject_person_id=person.pk, after={"role": Role.WORKER}, evidence=evidence)
    return user


@transaction.atomic
def membership_set_permissions(*, actor: User, membership: Membership, permissions: list[str]) -> Membership:
    """What a representative may do for the establishment; every establishment keeps someone who manages users."""
    authorize(actor, EstablishmentPermission.MANAGE_USERS, membership.establishment)
    allowed = set(EstablishmentPermission.values) - {EstablishmentPermission.VIEW}
    for value in permissions:
        if value not in allowed:
            raise DomainError("unknown_permission", field="permissions", params={"value": value})
    granted = sorted(set(permissions))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if EstablishmentPermission.MANAGE_USERS not in granted and EstablishmentPermission.MANAGE_USERS in membership.permissions:
        others = (Membership.objects.filter(establishment_id=membership.establishment_id)
                  .exclude(pk=membership.pk).values_list("permissions", flat=True))
        if not any(EstablishmentPermission.MANAGE_USERS in perms for perms in others):
            raise DomainError("last_user_manager", field="permissions")
    before = list(membership.permissions)
    membership.permissions = granted
    membership.save(update_fields=["permissions"])
    memberships_changed(membership.user_id)
    record(actor, "membership.permissions_changed", membership, before={"permissions": before},
           after={"permissions": granted})
    return membership


@transaction.atomic
def account_password_change(*, actor: User, current: str, new: str) -> User:
    """The account holder sets a new password; they are told on every channel (a security notice)."""
    from django.utils import timezone

    from manpower.core import outbox

    if not actor.check_password(current):
        raise DomainError("password_wrong", field="current")
    try:
        validate_password(new, actor)
    except ValidationError as error:
        raise DomainError("password_weak", field="new", params={"reasons": " ".join(error.messages)}) from None
    actor.set_password(new)
    actor.save(update_fields=["password"])
    now = timezone.now()
    record(actor, "account.password_changed", actor, subject_person_id=actor.person_id)
    outbox.emit("identity.password_changed", key=f"identity.password_changed:{actor.pk}:{now.isoformat()}",
                user_id=actor.pk, at=now.isoformat())
    return actor


register_messages({"password_wrong": _("The current password is not right.")})
