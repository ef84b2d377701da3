"""The terms of a contract as the employer enters them, checked field by field before anything is written.

These are checks of form (a date is a date, a wage is money). Whether the terms are lawful is the rule
book's question (``manpower.contracts.lawcheck``): an unlawful draft is kept, shown with its reasons,
and cannot be sent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from manpower.contracts.models import ContractVersion
from manpower.core.errors import DomainError, InputErrors, register_messages
from manpower.registry import validators as v
from manpower.registry.models import Occupation

register_messages({
    "number_out_of_range": _("Enter a whole number from %(minimum)s to %(maximum)s."),
    "hours_invalid": _("Enter hours as a number from %(minimum)s to %(maximum)s, for example 8 or 7.5."),
    "end_date_required": _("A fixed-term contract needs its end date."),
    "end_date_not_for_indefinite": _("An indefinite contract has no end date; leave it empty."),
    "end_before_start": _("The end date must be after the start date."),
    "non_renewal_notice_required": _("A fixed-term contract states the notice of non-renewal, in days."),
    "wage_must_be_positive": _("The basic wage must be more than zero."),
    "unknown_term": _("Choose a fixed or an indefinite term."),
    "unknown_pay_basis": _("Choose how the wage is paid: monthly, or weekly, daily or by the piece."),
    "unknown_contract_field": _("%(value)s is not a term of a contract."),
})

TEXT_LIMITS = {"duties_ar": 4000, "duties_en": 4000, "workplace_ar": 300, "workplace_en": 300, "qualification": 200,
               "residence": 200, "bonuses_ar": 2000, "bonuses_en": 2000, "other_terms_ar": 4000, "other_terms_en": 4000}
REQUIRED_TEXT = ("duties_ar", "workplace_ar")


@dataclass(frozen=True)
class Terms:
    occupation: str
    duties_ar: str
    duties_en: str
    workplace_ar: str
    workplace_en: str
    qualification: str
    residence: str
    term: str
    start_date: date
    end_date: date | None
    probation_days: int
    had_probation_before: bool
    pay_basis: str
    basic_wage: Decimal
    housing_allowance: Decimal
    transport_allowance: Decimal
    other_allowances: Decimal
    bonuses_ar: str
    bonuses_en: str
    pay_day: int
    daily_hours: Decimal
    weekly_hours: Decimal
    rest_days_per_week: int
    annual_leave_days: int
    notice_days: int
    non_renewal_notice_days: int | None
    other_terms_ar: str
    other_terms_en: str

    def as_model_fields(self) -> dict[str, Any]:
        values = asdict(self)
        values["occupation_id"] = values.pop("occupation")
        return values

    def as_json(self) -> dict[str, Any]:
        return {k: (str(value) if isinstance(value, Decimal | date) else value) for k, value in asdict(self).items()}


FIELDS = {f.name for f in fields(Terms)}


def terms_of(version: ContractVersion) -> dict[str, Any]:
    """A version's terms as input data, to start a revision or an amendment from them."""
    data: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(version, "occupation_id" if name == "occupation" else name)
        data[name] = "" if value is None else (value if isinstance(value, bool) else str(value))
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def parse_terms(data: dict[str, Any]) -> Terms:
    """Check every term and report every problem at once (InputErrors), or return the clean terms."""
    errors: list[DomainError] = []

    def attempt(function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except DomainError as error:
            errors.append(error)
            return None

    for name in data:
        if name not in FIELDS:
            errors.append(DomainError("unknown_contract_field", field=name, params={"value": name}))
    occupation = _text(data, "occupation")
    if not Occupation.objects.filter(code=occupation, level=Occupation.Level.UNIT).exists():
        errors.append(DomainError("unknown_occupation", field="occupation", params={"value": occupation or "—"}))
    texts = {}
    for name, limit in TEXT_LIMITS.items():
        texts[name] = _text(data, name)[:limit]
        if name in REQUIRED_TEXT and not texts[name]:
            errors.append(DomainError("required", field=name))
    term = _text(data, "term")
    if term not in ContractVersion.Term.values:
        errors.append(DomainError("unknown_term", field="term"))
    pay_basis = _text(data, "pay_basis") or ContractVersion.PayBasis.MONTHLY
    if pay_basis not in ContractVersion.PayBasis.values:
        errors.append(DomainError("unknown_pay_basis", field="pay_basis"))
    start = attempt(v.clean_date, _text(data, "start_date"), "start_date")
    end = None
    if _text(data, "end_date"):
        end = attempt(v.clean_date, _text(data, "end_date"), "end_date")
    if term == "fixed" and not _text(data, "end_date"):
        errors.append(DomainError("end_date_required", field="end_date"))
    if term == "indefinite" and _text(data, "end_date"):
        errors.append(DomainError("end_date_not_for_indefinite", field="end_date"))
    if start and end and end <= start:
        errors.append(DomainError("end_before_start", field="end_date"))
    money = {}
    for name in ("basic_wage", "housing_allowance", "transport_allowance", "other_allowances"):
        raw = _text(data, name)
        if not raw and name != "basic_wage":
            money[name] = Decimal("0.000")
            continue
        money[name] = attempt(v.clean_omr, raw, name)
    if money.get("basic_wage") is not None and money["basic_wage"] <= 0:
        errors.append(DomainError("wage_must_be_positive", field="basic_wage"))

    def whole(name: str, minimum: int, maximum: int, default: int | None = None) -> int | None:
        raw = v.normalise_digits(_text(data, name))
        if not raw and default is not None:
            return default
        if not raw.isdigit() or not minimum <= int(raw) <= maximum:
            errors.append(DomainError("number_out_of_range", field=name, params={"minimum": minimum, "maximum": maximum}))
            return None
        return int(raw)

    def hours(name: str, maximum: int) -> Decimal | None:
        try:
            value = Decimal(v.normalise_digits(_text(data, name)))
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite() or not 0 < value <= maximum or value.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.append(DomainError("hours_invalid", field=name, params={"minimum": 0, "maximum": maximum}))
            return None
        return value

    probation = whole("probation_days", 0, 366, default=0)
    pay_day = whole("pay_day", 1, 28, default=7)
    rest = whole("rest_days_per_week", 0, 7)
    leave = whole("annual_leave_days", 0, 366)
    notice = whole("notice_days", 0, 366)
    non_renewal = None
    if term == "fixed":
        if not _text(data, "non_renewal_notice_days"):
            errors.append(DomainError("non_renewal_notice_required", field="non_renewal_notice_days"))
        else:
            non_renewal = whole("non_renewal_notice_days", 0, 366)
    daily, weekly = hours("daily_hours", 24), hours("weekly_hours", 168)
    had_probation = data.get("had_probation_before")
    if errors:
        raise InputErrors(errors)
    return Terms(
        occupation=occupation, term=term, start_date=start, end_date=end if term == "fixed" else None,
        probation_days=probation, had_probation_before=had_probation in (True, "true", "on", "1", 1),  # type: ignore[arg-type]
        pay_basis=pay_basis, basic_wage=money["basic_wage"], housing_allowance=money["housing_allowance"],
        transport_allowance=money["transport_allowance"], other_allowances=money["other_allowances"],
        pay_day=pay_day, daily_hours=daily, weekly_hours=weekly, rest_days_per_week=rest,  # type: ignore[arg-type]
        annual_leave_days=leave, notice_days=notice, non_renewal_notice_days=non_renewal,  # type: ignore[arg-type]
        **texts,
    )
