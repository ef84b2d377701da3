"""A worker invited to a contract claims their account by proving who they are: passport number, date of
birth and nationality as on record, then a one-time code sent to the phone or e-mail on file.

The first step answers the same whether or not the details match, so it cannot be used to find out
who is on the register.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from manpower.audit.services import record
from manpower.contracts import codes
from manpower.contracts.models import OneTimeCode
from manpower.core import outbox
from manpower.core.errors import DomainError, InputErrors
from manpower.identity.models import User
from manpower.identity.services import worker_account_open
from manpower.registry import validators as v
from manpower.registry.models import Country, Person


@dataclass(frozen=True)
class ClaimTicket:
    """Kept in the session between the two steps; ``person_id`` is None when nothing matched."""

    person_id: int | None


def _scope(person_id: int) -> str:
    return f"claim:person:{person_id}"


def claim_start(*, passport_number: str, nationality: str, date_of_birth: str) -> ClaimTicket:
    errors: list[DomainError] = []
    try:
        passport = v.clean_passport_number(passport_number)
    except DomainError as error:
        errors.append(error)
    nationality = (nationality or "").strip().upper()
    if not Country.objects.filter(code=nationality).exists():
        errors.append(DomainError("unknown_country", field="nationality", params={"value": nationality or "—"}))
    try:
        born = v.clean_date(date_of_birth, "date_of_birth")
    except DomainError as error:
        errors.append(error)
    if errors:
        raise InputErrors(errors)
    person = Person.objects.filter(passport_number=passport, nationality_id=nationality, date_of_birth=born).first()
    if person is None or User.objects.filter(person=person).exists():
        return ClaimTicket(None)
    channel, _ = codes.destination(phone=person.phone, email=person.email)
    if not channel:
        return ClaimTicket(None)
    try:
        with transaction.atomic():
            stored, code = codes.issue(purpose=OneTimeCode.Purpose.CLAIM, scope=_scope(person.pk), channel=channel,
                                       person=person)
            record(None, "account.claim_code_sent", person, subject_person_id=person.pk, channel=channel)
            outbox.emit("identity.otp", key=f"identity.otp:{stored.pk}", person_id=person.pk, user_id=None, code=code,
                        channel=channel, phone=person.phone if channel == "sms" else "",
                        email=person.email if channel == "email" else "", purpose="claim",
                        expires_at=stored.expires_at.isoformat())
    except DomainError:  # locked after too many wrong codes: the person has been told; say nothing more here
        return ClaimTicket(None)
    return ClaimTicket(person.pk)


def claim_complete(*, ticket: ClaimTicket, code: str, email: str, password: str, language: str = "ar") -> User:
    """Open the worker's account once the code matches; a wrong code counts towards the lock."""
    if ticket.person_id is None:
        raise DomainError("code_expired", field="code")
    person = Person.objects.get(pk=ticket.person_id)
    stored = codes.verify(scope=_scope(person.pk), code=code,
                          candidates=OneTimeCode.objects.filter(purpose=OneTimeCode.Purpose.CLAIM, person=person),
                          notify={"person_id": person.pk, "user_id": None, "phone": person.phone, "email": person.email})
    with transaction.atomic():
        if not codes.consume(stored):
            raise DomainError("code_expired", field="code")
        return worker_account_open(
            person=person, email=email or person.email, password=password, language=language,
            evidence=f"passport {person.passport_country_id}-{person.passport_number[-4:]}, date of birth and "
                     f"nationality matched the register; one-time code by {stored.channel}")
