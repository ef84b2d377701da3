"""What an applicant submits, checked field by field before anything is written.

The same parser serves the portal form, the API and the bulk file, so the three ways in give the
same errors for the same input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.core.errors import DomainError, InputErrors, register_messages
from manpower.permits.models import ApplicationType
from manpower.registry import codes
from manpower.registry import validators as v

register_messages({
    "unknown_application_type": _("%(value)s is not an application type: use new_permit, renewal, transfer or cancellation."),
    "permit_number_required": _("Give the number of the permit to renew, transfer or cancel."),
    "invalid_permit_number": _("%(value)s is not a permit number: it looks like WP-2026-0000123-4."),
    "job_title_not_in_occupation": _("The job title does not belong to occupation %(occupation)s."),
    "unknown_field": _("%(value)s is not a field of an application."),
    "idempotency_keys_differ": _("The Idempotency-Key header and the idempotency_key field differ: send one of them."),
    "row_of_other_establishment": _("This row is for establishment %(row)s, the batch for %(batch)s: send it in its own batch."),
})

FIELDS = {"type", "cr_number", "passport_number", "passport_country", "nationality", "name_latin", "name_ar",
          "date_of_birth", "sex", "passport_expires_on", "occupation", "job_title", "basic_wage", "permit_number",
          "email", "phone", "idempotency_key"}


NAME_LENGTH = 300  # Person.name_latin and name_ar
KEY_LENGTH = 120  # Application.idempotency_key


def clean_idempotency_key(value: object, field: str = "Idempotency-Key", maximum: int = KEY_LENGTH) -> str | None:
    """A client's key for one submission: kept whole (never cut, which could join two submissions), or refused."""
    text = v.clean_text(value, field, maximum)
    return text or None


@dataclass(frozen=True)
class WorkerInput:
    passport_number: str
    passport_country: str
    nationality: str
    name_latin: str
    name_ar: str
    date_of_birth: date
    sex: str
    passport_expires_on: date
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ApplicationInput:
    type: str
    worker: WorkerInput | None
    occupation: str
    job_title: str | None
    basic_wage: Decimal
    permit_number: str | None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "occupation": self.occupation, "job_title": self.job_title,
                                "basic_wage": str(self.basic_wage), "permit_number": self.permit_number}
        if self.worker:
            data["worker"] = {k: (str(val) if isinstance(val, date) else val) for k, val in self.worker.__dict__.items()}
        return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def parse_application(data: dict[str, Any]) -> ApplicationInput:
    """Check every field and report every problem at once (InputErrors), or return the clean input."""
    errors: list[DomainError] = []

    def attempt(function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DomainError as error:
            errors.append(error)
            return None

    for name in data:
        if name not in FIELDS:
            errors.append(DomainError("unknown_field", field=name, params={"value": name}))
    app_type = _text(data, "type") or ApplicationType.NEW_PERMIT
    if app_type not in ApplicationType.values:
        errors.append(DomainError("unknown_application_type", field="type", params={"value": app_type}))

    permit_number = v.normalise_digits(_text(data, "permit_number")).upper() or None
    if app_type != ApplicationType.NEW_PERMIT:
        from manpower.core.numbers import is_well_formed

        if not permit_number:
            errors.append(DomainError("permit_number_required", field="permit_number"))
        elif not is_well_formed(permit_number, "WP"):
            errors.append(DomainError("invalid_permit_number", field="permit_number", params={"value": permit_number}))

    worker = None
    if app_type in {ApplicationType.NEW_PERMIT, "", None}:
        passport = attempt(v.clean_passport_number, _text(data, "passport_number"))
        countries = codes.country_codes()
        country_codes = {}
        for name in ("passport_country", "nationality"):
            code = _text(data, name).upper()
            if not code:
                errors.append(DomainError("required", field=name))
            elif code not in countries:
                errors.append(DomainError("unknown_country", field=name, params={"value": code}))
            country_codes[name] = code
        name_latin = attempt(v.clean_text, data.get("name_latin"), "name_latin", NAME_LENGTH, required=True) or ""
        name_ar = attempt(v.clean_text, data.get("name_ar"), "name_ar", NAME_LENGTH) or ""
        born = attempt(v.clean_date, _text(data, "date_of_birth"), "date_of_birth")
        if born and born > timezone.localdate():
            errors.append(DomainError("date_in_future", field="date_of_birth"))
        expires = attempt(v.clean_date, _text(data, "passport_expires_on"), "passport_expires_on")
        sex = _text(data, "sex").upper()
        if sex not in {"F", "M"}:
            errors.append(DomainError("unknown_code", field="sex", params={"value": sex or "—", "list": "F/M"}))
        phone = _text(data, "phone")
        if phone:
            phone = attempt(v.clean_phone, phone) or ""
        worker = WorkerInput(passport_number=passport or "", passport_country=country_codes["passport_country"],
                             nationality=country_codes["nationality"], name_latin=name_latin,
                             name_ar=name_ar, date_of_birth=born or date.min, sex=sex,
                             passport_expires_on=expires or date.min, email=attempt(v.clean_email, data.get("email")) or "",
                             phone=phone)

    occupation = v.normalise_digits(_text(data, "occupation"))
    job_title = _text(data, "job_title") or None
    wage = None
    if app_type != ApplicationType.CANCELLATION:
        if occupation not in codes.occupation_units():
            errors.append(DomainError("unknown_occupation", field="occupation", params={"value": occupation or "—"}))
        elif job_title and codes.job_title_units().get(job_title) != occupation:
            errors.append(DomainError("job_title_not_in_occupation", field="job_title", params={"occupation": occupation}))
        wage = attempt(v.clean_omr, _text(data, "basic_wage"), "basic_wage")
        if wage is not None and wage <= 0:
            errors.append(DomainError("wage_invalid", field="basic_wage"))
    if errors:
        raise InputErrors(errors)
    return ApplicationInput(type=app_type, worker=worker, occupation=occupation, job_title=job_title,
                            basic_wage=wage if wage is not None else Decimal("0.000"), permit_number=permit_number)
