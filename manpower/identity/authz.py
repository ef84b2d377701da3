"""Object-level authorization: who may act on which establishment and whose record.

Selectors filter by these rules; services call ``authorize`` before they write. Ministry roles see
the whole register; an employer representative sees its establishments; a worker sees their own.
"""

from __future__ import annotations

from typing import Any

from manpower.core.errors import PermissionDenied
from manpower.core.scope import forget, remembered
from manpower.identity.models import EstablishmentPermission, Membership, Role, User

MINISTRY_READ = {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}


def establishment_ids(user: User, permission: str = EstablishmentPermission.VIEW) -> list[int] | None:
    """Establishments the user may act on with ``permission``; None means every establishment."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.role in MINISTRY_READ and permission == EstablishmentPermission.VIEW:
        return None
    if user.role != Role.EMPLOYER:
        return []
    memberships = remembered(("memberships", user.pk), lambda: list(
        Membership.objects.filter(user=user).values_list("establishment_id", "permissions")))
    return [est_id for est_id, perms in memberships if permission == EstablishmentPermission.VIEW or permission in perms]


def memberships_changed(user_id: int) -> None:
    """Called by whatever grants, changes or revokes a membership: the rest of the request sees the change."""
    forget(("memberships", user_id))


def can_act_for(user: User, permission: str, establishment: Any) -> bool:
    ids = establishment_ids(user, permission)
    return ids is None or establishment.pk in ids


def authorize(user: User, permission: str, establishment: Any) -> None:
    if not can_act_for(user, permission, establishment):
        raise PermissionDenied(params={"permission": permission})


def authorize_person(user: User, person: Any) -> None:
    """A worker may act only on their own record; ministry roles on any; employers through employment."""
    if user.role in MINISTRY_READ:
        return
    if user.role == Role.WORKER and user.person_id == person.pk:
        return
    if user.role == Role.EMPLOYER:
        ids = establishment_ids(user)
        if ids and person.employments.filter(establishment_id__in=ids).exists():
            return
    raise PermissionDenied()


def request_user(request: Any) -> User:
    """The signed-in user of a request that a login-required view serves (never anonymous there)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied()
    return user
