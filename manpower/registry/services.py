"""Writes to the register: one use case per function, one transaction, one audit event."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from manpower.audit.services import record
from manpower.core.errors import DomainError, InputErrors, PermissionDenied
from manpower.identity.authz import authorize, authorize_person, memberships_changed
from manpower.identity.models import EstablishmentPermission, Membership, Role, User
from manpower.registry import validators as v
from manpower.registry.models import Activity, Establishment, Person, Wilayat


@transaction.atomic
def establishment_register(*, actor: User, cr_number: str, name_ar: str, name_en: str = "", kind: str,
                           activity_code: str, wilayat_code: int, cr_issued_on: Any, cr_expires_on: Any) -> Establishment:
    """Record an establishment as the commercial registry knows it (officers and administrators)."""
    if actor.role not in {Role.OFFICER, Role.ADMIN}:
        raise PermissionDenied()
    errors: list[DomainError] = []

    def collect(function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DomainError as error:
            errors.append(error)
            return None

    cr = collect(v.clean_cr_number, cr_number)
    issued = collect(v.clean_date, cr_issued_on, "cr_issued_on")
    expires = collect(v.clean_date, cr_expires_on, "cr_expires_on")
    if issued and expires and expires < issued:
        errors.append(DomainError("date_order", field="cr_expires_on",
                                  params={"field": "cr_expires_on", "other": "cr_issued_on"}))
    if not (name_ar or "").strip():
        errors.append(DomainError("required", field="name_ar"))
    activity = Activity.objects.filter(code=activity_code, level=Activity.Level.CLASS).first()
    if activity is None:
        errors.append(DomainError("unknown_activity", field="activity_code", params={"value": activity_code}))
    wilayat = Wilayat.objects.select_related("governorate").filter(code=wilayat_code).first()
    if wilayat is None:
        errors.append(DomainError("unknown_wilayat", field="wilayat_code", params={"value": wilayat_code}))
    if kind not in Establishment.Kind.values:
        errors.append(DomainError("unknown_code", field="kind", params={"value": kind, "list": "kind"}))
    if errors:
        raise InputErrors(errors)
    establishment = Establishment.objects.create(
        cr_number=cr, name_ar=name_ar.strip(), name_en=(name_en or "").strip(), kind=kind,
        activity=activity, governorate=wilayat.governorate, wilayat=wilayat,  # type: ignore[misc,union-attr]
        cr_issued_on=issued, cr_expires_on=expires,
    )
    record(actor, "establishment.registered", establishment, after={"cr_number": cr, "kind": kind})
    return establishment


@transaction.atomic
def membership_grant(*, actor: User, establishment: Establishment, user: User, permissions: list[str]) -> Membership:
    """Give an employer representative named permissions for one establishment."""
    authorize(actor, EstablishmentPermission.MANAGE_USERS, establishment)
    unknown = [p for p in permissions if p not in EstablishmentPermission.values]
    if unknown:
        raise DomainError("unknown_code", field="permissions", params={"value": ", ".join(unknown), "list": "permission"})
    if user.role != Role.EMPLOYER:
        raise DomainError("not_permitted", field="user")
    membership, _ = Membership.objects.select_for_update().get_or_create(user=user, establishment=establishment)
    before = {"permissions": list(membership.permissions)}
    membership.permissions = sorted(set(permissions))
    membership.save(update_fields=["permissions"])
    memberships_changed(user.pk)
    record(actor, "membership.granted", membership, before=before, after={"permissions": membership.permissions},
           establishment=establishment.cr_number, user=user.email)
    return membership


@transaction.atomic
def person_contact_update(*, actor: User, person: Person, phone: str | None = None, email: str | None = None) -> Person:
    """Change a person's contact details (the person, or the ministry on their behalf)."""
    authorize_person(actor, person)
    if actor.role == Role.EMPLOYER:
        raise PermissionDenied()
    before = {"phone": person.phone, "email": person.email}
    if phone is not None:
        person.phone = v.clean_phone(phone)
    if email is not None:
        person.email = email.strip().lower()
    person.save(update_fields=["phone", "email", "updated_at"])
    record(actor, "person.contact_changed", person, subject_person_id=person.pk, before=before,
           after={"phone": person.phone, "email": person.email})
    return person


@transaction.atomic
def establishment_set_status(*, actor: User, establishment: Establishment, status: str, reason: str,
                             on: date | None = None) -> Establishment:
    """Suspend, reactivate or close an establishment (officers), with the reason kept in the audit trail."""
    if actor.role not in {Role.OFFICER, Role.ADMIN}:
        raise PermissionDenied()
    if status not in Establishment.Status.values:
        raise DomainError("unknown_code", field="status", params={"value": status, "list": "status"})
    if not reason.strip():
        raise DomainError("required", field="reason")
    before = {"status": establishment.status}
    establishment.status = status
    establishment.save(update_fields=["status", "updated_at"])
    record(actor, "establishment.status_changed", establishment, before=before, after={"status": status},
           reason=reason.strip())
    return establishment


@transaction.atomic
def person_medical_result_record(*, person: Person, fitness: str, examined_on: date | None, reference: str,
                                 source: str) -> bool:
    """Record the medical-examination result an authority reported; tell whoever waits on it. False: no change."""
    if fitness not in {"fit", "unfit"}:
        raise DomainError("invalid", field="medical_fitness", params={"value": fitness})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.medical_fitness == fitness:
        return False
    before = {"medical_fitness": person.medical_fitness}
    person.medical_fitness = fitness
    person.save(update_fields=["medical_fitness", "updated_at"])
    record(source, "person.medical_result_recorded", person, subject_person_id=person.pk, before=before,
           after={"medical_fitness": fitness}, examined_on=examined_on.isoformat() if examined_on else None,
           reference=reference)
    from manpower.core import outbox

    outbox.emit("registry.person_fact_changed", key=f"registry.person_fact_changed:{person.pk}:medical:{reference}",
                person_id=person.pk, fact="medical_fitness", value=fitness)
    return True
