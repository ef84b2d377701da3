"""The typed, immutable facts the rules read, and their strict reading from JSON-like data.

Every fact must be given: a missing or ill-typed fact is an error that names it and the type expected,
never a silent default. ``null`` is accepted only where the field says so, mostly for a fact another
authority must still supply (the rule then answers "unknown" and the application waits).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from manpower.law import codes
from manpower.law.errors import FactError, UnknownApplicationType


class Code:
    """Marks a string that must be a code of a reference list."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


MONEY = "money"
Money = Annotated[Decimal, MONEY]
IscoUnit = Annotated[str, Code("isco08")]
IsicClass = Annotated[str, Code("isic4")]
Country = Annotated[str, Code("country")]
EscoUri = Annotated[str, Code("esco")]

CrStatus = Literal["active", "suspended", "closed"]
EstablishmentKind = Literal["company", "non_profit", "government", "individual", "farm", "club",
                            "place_of_worship"]
LegalPerson = Literal["natural", "juridical"]
Fitness = Literal["fit", "unfit"]
TransferKind = Literal["permanent", "temporary"]
TransferBasis = Literal["employer_consent", "contract_ended", "permit_expired_no_contract", "dismissed",
                        "court_order", "employer_closed", "renewed_without_contract"]
PayBasis = Literal["monthly", "other"]
Term = Literal["fixed", "indefinite"]
EndReason = Literal["resignation", "end_of_contract", "termination", "dismissal_article_40", "death",
                    "mutual_agreement"]

HOUSEHOLD_KINDS = ("individual", "farm")
COMMUNITY_KINDS = ("club", "non_profit", "place_of_worship")


@dataclass(frozen=True, slots=True)
class Establishment:
    """The employer as the commerce ministry and the Ministry of Labour know it."""

    cr_number: str
    cr_status: CrStatus | None  # null: not yet confirmed by the commerce ministry
    cr_issue_date: dt.date | None  # null for a household, or not yet confirmed
    cr_expiry_date: dt.date | None  # null: not yet confirmed by the commerce ministry
    kind: EstablishmentKind
    legal_person: LegalPerson
    activity: IsicClass
    omani_employees: int
    non_omani_employees: int
    omanisation_target: Decimal | None  # percent prescribed for this establishment; null: the sector's
    has_unpaid_dues: bool
    has_wps_breach: bool | None  # null: the wage-protection record is not yet known
    services_suspended: bool
    is_foreign_investment: bool = False
    has_riyada_card: bool = False
    has_domestic_fee_exemption: bool = False

    @property
    def workforce(self) -> int:
        return self.omani_employees + self.non_omani_employees

    @property
    def is_household(self) -> bool:
        """A household or farmer employing domestic or farm workers (MD 574/2025)."""
        return self.kind in HOUSEHOLD_KINDS

    def check_facts(self, path: str) -> None:
        for name in ("omani_employees", "non_omani_employees"):
            _at_least(getattr(self, name), 0, f"{path}{name}")
        if self.omanisation_target is not None and not 0 <= self.omanisation_target <= 100:
            raise _wrong(f"{path}omanisation_target", "a percentage from 0 to 100", "نسبة مئوية من 0 إلى 100",
                         self.omanisation_target)


@dataclass(frozen=True, slots=True)
class Worker:
    nationality: Country
    date_of_birth: dt.date
    passport_expiry_date: dt.date | None  # null: not yet confirmed by the Royal Oman Police
    medical_fitness: Fitness | None  # null: the Ministry of Health has not reported yet
    has_active_permit_elsewhere: bool
    has_abandonment_report: bool


@dataclass(frozen=True, slots=True)
class Occupation:
    """The job applied for: its ISCO-08 unit group and, where chosen, the ESCO job title."""

    isco08: IscoUnit
    esco_uri: EscoUri | None = None
    is_investor: bool = False

    @property
    def title_en(self) -> str:
        if self.esco_uri:
            return codes.esco_titles()[self.esco_uri].title_en
        return codes.isco_units()[self.isco08]

    def check_facts(self, path: str) -> None:
        if self.esco_uri and codes.esco_titles()[self.esco_uri].isco08 != self.isco08:
            unit = codes.esco_titles()[self.esco_uri].isco08
            raise FactError("fact_inconsistent", fact=f"{path}esco_uri",
                            expected=f"a job title of unit group {self.isco08}",
                            expected_ar=f"مسمى وظيفي ضمن المجموعة {self.isco08}",
                            en="Fact {fact}: the job title belongs to unit group {unit}, not {isco08}.",
                            ar="الواقعة {fact}: المسمى الوظيفي يتبع المجموعة {unit} لا {isco08}.",
                            unit=unit, isco08=self.isco08)


@dataclass(frozen=True, slots=True)
class Permit:
    """The worker's current permit: the one being renewed, transferred from or cancelled."""

    number: str
    expiry_date: dt.date
    employment_start: dt.date
    occupation_isco08: IscoUnit
    basic_wage: Money
    is_cancelled: bool
    has_registered_contract: bool = True
    renewed_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    kind: TransferKind
    worker_consents: bool | None  # null: the worker has not answered yet; false: the worker refused
    basis: TransferBasis | None = None  # permanent transfers
    start_date: dt.date | None = None  # temporary transfers
    end_date: dt.date | None = None
    prior_months_this_year: int = 0
    sender_transferred_out: int = 0  # sender's workers already on temporary transfer, not this one
    receiver_received: int = 0  # workers the receiver already holds on temporary transfer

    def check_facts(self, path: str) -> None:
        if self.kind == "permanent" and self.basis is None:
            raise _missing(f"{path}basis", "one of " + ", ".join(typing.get_args(TransferBasis)),
                           "إحدى القيم: " + "، ".join(typing.get_args(TransferBasis)))
        if self.kind == "temporary":
            for name in ("start_date", "end_date"):
                if getattr(self, name) is None:
                    raise _missing(f"{path}{name}", "a date (YYYY-MM-DD)", "تاريخ (YYYY-MM-DD)")
            assert self.start_date and self.end_date
            if self.end_date <= self.start_date:
                raise _wrong(f"{path}end_date", "a date after start_date", "تاريخ لاحق لتاريخ البداية",
                             self.end_date)
        for name in ("prior_months_this_year", "sender_transferred_out", "receiver_received"):
            _at_least(getattr(self, name), 0, f"{path}{name}")


@dataclass(frozen=True, slots=True)
class EndOfService:
    """How the worker's service ends, for the end-of-service gratuity."""

    service_start: dt.date
    last_working_day: dt.date
    last_basic_wage: Money
    reason: EndReason

    def check_facts(self, path: str) -> None:
        if self.last_working_day < self.service_start:
            raise _wrong(f"{path}last_working_day", "a date on or after service_start",
                         "تاريخ في يوم بداية الخدمة أو بعده", self.last_working_day)


@dataclass(frozen=True, slots=True)
class ContractWorker:
    nationality: Country
    date_of_birth: dt.date


@dataclass(frozen=True, slots=True)
class ContractTerms:
    is_written: bool
    has_arabic_text: bool
    term: Term
    start_date: dt.date
    end_date: dt.date | None  # fixed term only
    pay_basis: PayBasis
    basic_wage: Money
    probation_days: int
    had_probation_before: bool  # with the same employer
    daily_hours: Decimal
    weekly_hours: Decimal
    rest_days_per_week: int
    annual_leave_days: int
    notice_days: int
    non_renewal_notice_days: int | None = None  # fixed term: notice of non-renewal by the employer
    previous_fixed_term_months: int = 0  # earlier fixed terms with the same employer

    def check_facts(self, path: str) -> None:
        if self.term == "fixed":
            if self.end_date is None:
                raise _missing(f"{path}end_date", "a date (YYYY-MM-DD) for a fixed term", "تاريخ للعقد محدد المدة")
            if self.end_date <= self.start_date:
                raise _wrong(f"{path}end_date", "a date after start_date", "تاريخ لاحق لتاريخ البداية",
                             self.end_date)
        elif self.end_date is not None:
            raise _wrong(f"{path}end_date", "null for an indefinite contract", "قيمة فارغة للعقد غير محدد المدة",
                         self.end_date)
        if self.basic_wage <= 0:
            raise _wrong(f"{path}basic_wage", "an amount above zero", "مبلغ أكبر من صفر", self.basic_wage)
        for name in ("probation_days", "rest_days_per_week", "annual_leave_days", "notice_days",
                     "previous_fixed_term_months"):
            _at_least(getattr(self, name), 0, f"{path}{name}")


# ------------------------------------------------------------------------------- facts per application
@dataclass(frozen=True, slots=True)
class NewPermitFacts:
    establishment: Establishment
    worker: Worker
    occupation: Occupation
    basic_wage: Money


@dataclass(frozen=True, slots=True)
class RenewalFacts:
    establishment: Establishment
    worker: Worker
    occupation: Occupation
    basic_wage: Money
    permit: Permit


@dataclass(frozen=True, slots=True)
class TransferFacts:
    establishment: Establishment  # the receiving (new) employer
    worker: Worker
    occupation: Occupation  # the job with the receiving employer
    basic_wage: Money  # the wage the receiving employer pays
    permit: Permit  # the permit with the current employer
    current_employer: Establishment
    transfer: Transfer


@dataclass(frozen=True, slots=True)
class CancellationFacts:
    establishment: Establishment
    worker: Worker
    permit: Permit
    has_open_labour_complaint: bool
    end_of_service: EndOfService | None = None


@dataclass(frozen=True, slots=True)
class ContractFacts:
    employer_kind: EstablishmentKind
    worker: ContractWorker
    contract: ContractTerms

    @property
    def is_domestic(self) -> bool:
        return self.employer_kind in HOUSEHOLD_KINDS


FACTS_BY_TYPE: dict[str, type] = {
    "new_permit": NewPermitFacts,
    "renewal": RenewalFacts,
    "transfer": TransferFacts,
    "cancellation": CancellationFacts,
    "contract": ContractFacts,
}


# ------------------------------------------------------------------------------------------- reading
def facts_from_dict(application_type: str, data: Mapping[str, Any]) -> Any:
    """Read the facts of an application from JSON-like data, strictly."""
    cls = FACTS_BY_TYPE.get(application_type)
    if cls is None:
        raise UnknownApplicationType(application_type, tuple(FACTS_BY_TYPE))
    return _read(cls, data, "")


def facts_to_dict(facts: Any) -> dict[str, Any]:
    """The facts as JSON-safe data that ``facts_from_dict`` reads back to equal facts."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(facts):
        value = getattr(facts, f.name)
        if dataclasses.is_dataclass(value):
            out[f.name] = facts_to_dict(value)
        elif isinstance(value, Decimal):
            out[f.name] = str(value)
        elif isinstance(value, dt.date):
            out[f.name] = value.isoformat()
        else:
            out[f.name] = value
    return out


def fact_paths(cls: type, prefix: str = "") -> list[str]:
    """Every fact path of a facts class, e.g. ``establishment.cr_status``, for the documentation."""
    paths = []
    for name, hint in typing.get_type_hints(cls, include_extras=True).items():
        inner = _dataclass_in(hint)
        if inner is not None:
            paths += fact_paths(inner, f"{prefix}{name}.")
        else:
            paths.append(prefix + name)
    return paths


def _dataclass_in(hint: Any) -> type | None:
    for candidate in (hint, *typing.get_args(hint)):
        if isinstance(candidate, type) and dataclasses.is_dataclass(candidate):
            return candidate
    return None


def _read(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, Mapping):
        raise _wrong(path.rstrip(".") or "facts", "an object with named facts", "كائن يضم وقائع مسماة", data)
    fields = _fields(cls)
    for key in data:
        if key not in fields:
            raise FactError("fact_unknown", fact=f"{path}{key}", expected="one of " + ", ".join(fields),
                            expected_ar="إحدى الوقائع: " + "، ".join(fields),
                            en="Unknown fact {fact}; expected {expected}.",
                            ar="الواقعة {fact} غير معروفة؛ المتوقع {expected_ar}.")
    values = {}
    for name, (read, required) in fields.items():
        if name in data:
            values[name] = read(data[name], f"{path}{name}")
        elif required:
            raise _missing(f"{path}{name}", *_expected(typing.get_type_hints(cls, include_extras=True)[name]))
    obj = cls(**values)
    check = getattr(obj, "check_facts", None)
    if check is not None:
        check(path)
    return obj


@functools.cache
def _fields(cls: type) -> dict[str, tuple[Callable[[Any, str], Any], bool]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    out = {}
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out[f.name] = (_reader(hints[f.name]), required)
    return out


def _reader(hint: Any) -> Callable[[Any, str], Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        inner = _reader(next(a for a in args if a is not type(None)))
        return lambda raw, path: None if raw is None else inner(raw, path)
    expected = _expected(hint)
    if origin is Literal:
        allowed = args
        return lambda raw, path: raw if isinstance(raw, str) and raw in allowed else _fail(path, expected, raw)
    if origin is Annotated:
        base, marker = args[0], args[1]
        if marker == MONEY:
            return lambda raw, path: _money(raw, path, expected)
        if isinstance(marker, Code):
            return _code_reader(marker.kind, expected)
        return _reader(base)
    if hint is bool:
        return lambda raw, path: raw if isinstance(raw, bool) else _fail(path, expected, raw)
    if hint is int:
        return lambda raw, path: raw if isinstance(raw, int) and not isinstance(raw, bool) else _fail(
            path, expected, raw)
    if hint is str:
        return lambda raw, path: raw if isinstance(raw, str) and raw.strip() else _fail(path, expected, raw)
    if hint is Decimal:
        return lambda raw, path: _decimal(raw, path, expected)
    if hint is dt.date:
        return lambda raw, path: _date(raw, path, expected)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        cls = hint
        return lambda raw, path: _read(cls, raw, f"{path}.")
    raise TypeError(f"no reader for {hint!r}")


_CODE_LISTS: dict[str, tuple[Callable[[], Mapping[str, Any]], str, str]] = {
    "isco08": (codes.isco_units, "an ISCO-08 unit group code (4 digits)", "رمز مجموعة وحدات ISCO-08 (4 أرقام)"),
    "isic4": (codes.isic_classes, "an ISIC Rev.4 class code (4 digits)", "رمز فئة ISIC المراجعة 4 (4 أرقام)"),
    "country": (codes.countries, "an ISO 3166-1 alpha-2 country code", "رمز دولة ISO 3166-1 من حرفين"),
    "esco": (codes.esco_titles, "an ESCO occupation URI from the platform's job titles",
             "معرّف مهنة ESCO من المسميات الوظيفية في المنصة"),
}


def _code_reader(kind: str, expected: tuple[str, str]) -> Callable[[Any, str], Any]:
    known, _, _ = _CODE_LISTS[kind]

    def read(raw: Any, path: str) -> str:
        if not isinstance(raw, str):
            _fail(path, expected, raw)
        if raw not in known():
            raise FactError("code_unknown", fact=path, expected=expected[0], expected_ar=expected[1],
                            en="Fact {fact}: {value} is not in the reference list; expected {expected}.",
                            ar="الواقعة {fact}: القيمة {value} ليست في القائمة المرجعية؛ المتوقع {expected_ar}.",
                            value=raw)
        return raw

    return read


def _expected(hint: Any) -> tuple[str, str]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        en, ar = _expected(next(a for a in args if a is not type(None)))
        return f"{en}, or null", f"{ar}، أو قيمة فارغة"
    if origin is Literal:
        return "one of " + ", ".join(args), "إحدى القيم: " + "، ".join(args)
    if origin is Annotated:
        if args[1] == MONEY:
            return ("an amount in rials with at most 3 decimals, e.g. \"325.000\"",
                    "مبلغ بالريال العُماني بثلاث خانات عشرية على الأكثر، مثل \"325.000\"")
        if isinstance(args[1], Code):
            _, en, ar = _CODE_LISTS[args[1].kind]
            return en, ar
    if hint is bool:
        return "true or false", "true أو false"
    if hint is int:
        return "a whole number", "عدد صحيح"
    if hint is str:
        return "a non-empty text", "نص غير فارغ"
    if hint is Decimal:
        return "a number", "رقم"
    if hint is dt.date:
        return "a date (YYYY-MM-DD)", "تاريخ (YYYY-MM-DD)"
    return "an object with named facts", "كائن يضم وقائع مسماة"


def _money(raw: Any, path: str, expected: tuple[str, str]) -> Decimal:
    amount = _decimal(raw, path, expected)
    if amount < 0 or amount != amount.quantize(Decimal("0.001")):
        _fail(path, expected, raw)
    return amount.quantize(Decimal("0.001"))


def _decimal(raw: Any, path: str, expected: tuple[str, str]) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        _fail(path, expected, raw)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        _fail(path, expected, raw)
    if not value.is_finite():
        _fail(path, expected, raw)
    return value


def _date(raw: Any, path: str, expected: tuple[str, str]) -> dt.date:
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    _fail(path, expected, raw)


def _fail(path: str, expected: tuple[str, str], raw: Any) -> typing.NoReturn:
    raise _wrong(path, expected[0], expected[1], raw)


def _wrong(fact: str, expected: str, expected_ar: str, raw: Any) -> FactError:
    return FactError("fact_wrong_type", fact=fact, expected=expected, expected_ar=expected_ar, value=repr(raw),
                     en="Fact {fact} is {value}; expected {expected}.",
                     ar="الواقعة {fact} قيمتها {value}؛ والمتوقع {expected_ar}.")


def _missing(fact: str, expected: str, expected_ar: str) -> FactError:
    return FactError("fact_missing", fact=fact, expected=expected, expected_ar=expected_ar,
                     en="Fact {fact} is missing; expected {expected}.",
                     ar="الواقعة {fact} غير موجودة؛ والمتوقع {expected_ar}.")


def _at_least(value: int, minimum: int, fact: str) -> None:
    if value < minimum:
        raise _wrong(fact, f"a whole number of at least {minimum}", f"عدد صحيح لا يقل عن {minimum}", value)
