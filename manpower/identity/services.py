"""Writes of the identity app: accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from manpower.audit.services import record
from manpower.core.errors import DomainError, register_messages
from manpower.identity.models import Role, User
from manpower.registry.models import Person

register_messages({
    "account_exists": _("There is already an account for this person: sign in, or reset the password."),
    "email_taken": _("This e-mail address is used by another account; give another one."),
    "password_weak": _("%(reasons)s"),
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
