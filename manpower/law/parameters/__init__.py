"""Effective-dated parameters of the law, read from the YAML files in this folder.

Each file holds a group of parameters (``fees.yaml`` → ``fees.transfer``, ``fees.rounding`` …). A parameter
has a description in Arabic and English, a unit, and values keyed by the day they took effect, each value
with its own legal reference. A key may be a date or the name of an instrument in ``instruments.yaml``, so
that a disputed commencement date is changed in one line. ``ends`` closes a parameter.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from manpower.law.errors import LawError, ParameterError

HERE = Path(__file__).resolve().parent
INSTRUMENTS_FILE = "instruments.yaml"
THOUSANDTH = Decimal("0.001")

UNITS = {
    "OMR": "rials (Decimal, 3 places)",
    "percent": "per cent (Decimal)",
    "ratio": "a factor (Decimal)",
    "years": "whole years", "months": "whole months", "days": "whole days", "hours": "whole hours",
    "workers": "a number of workers", "count": "a whole number",
    "date": "a date", "flag": "true or false", "choice": "one of the documented words",
}
CONFIDENCE = ("high", "medium", "low", "choice")


@dataclass(frozen=True, slots=True)
class Instrument:
    """A legal instrument and the day it took effect (or an event the rules count from)."""

    id: str
    title_en: str
    title_ar: str
    in_force: dt.date
    confidence: str
    note: str
    source: str


@dataclass(frozen=True, slots=True)
class Value:
    start: dt.date
    value: Any
    reference: str
    confidence: str
    note: str
    instrument: str | None


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description_en: str
    description_ar: str
    unit: str
    values: tuple[Value, ...]
    ends: dt.date | None
    note: str
    open_question: str

    def at(self, on: dt.date) -> Value:
        """The value in force on a day; before the first value or from the end it is an error."""
        if self.ends is not None and on >= self.ends:
            raise ParameterError(
                "parameter_ended", parameter=self.name, on=on, ends=self.ends,
                en="Parameter {parameter} ended on {ends}; it has no value on {on}.",
                ar="انتهى العمل بالمعيار {parameter} في {ends}؛ ولا قيمة له في {on}.")
        i = bisect.bisect_right(self._starts, on) - 1
        if i < 0:
            raise ParameterError(
                "parameter_not_in_force", parameter=self.name, on=on, first=self.values[0].start,
                en="Parameter {parameter} has no value before {first}; asked for {on}.",
                ar="لا قيمة للمعيار {parameter} قبل {first}؛ والتاريخ المطلوب {on}.")
        return self.values[i]

    def in_force(self, on: dt.date) -> bool:
        return self.values[0].start <= on and (self.ends is None or on < self.ends)

    @property
    def _starts(self) -> list[dt.date]:
        return [v.start for v in self.values]

    def change_dates(self) -> list[dt.date]:
        return [v.start for v in self.values] + ([self.ends] if self.ends else [])


class Group:
    """The parameters of one file as they stand on one day; reading one not in force is an error."""

    def __init__(self, name: str, law: Law, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.__dict__["_name"] = name
        self.__dict__["_law"] = law

    def __getattr__(self, attr: str) -> Any:
        full = f"{self._name}.{attr}"
        book = self._law.book
        if full in book.parameters:
            book.parameters[full].at(self._law.date)  # raises the precise error
        raise AttributeError(f"no parameter named {full}")

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("parameters are read-only")


class Law:
    """The parameters in force on one day, read by the rules as ``p.<group>.<name>``; ``p.date`` is the day."""

    def __init__(self, book: ParameterBook, on: dt.date) -> None:
        self.book = book
        self.date = on
        grouped: dict[str, dict[str, Any]] = {}
        for name, parameter in book.parameters.items():
            group, _, short = name.partition(".")
            grouped.setdefault(group, {})
            if parameter.in_force(on):
                grouped[group][short] = parameter.at(on).value
        for group, values in grouped.items():
            setattr(self, group, Group(group, self, values))

    def value(self, name: str) -> Any:
        return self.book.parameters[name].at(self.date).value

    def trace(self, names: Iterable[str]) -> list[dict[str, Any]]:
        """Each named parameter's value on this day with the reference it rests on (JSON-safe)."""
        rows = []
        for name in sorted(names):
            parameter = self.book.parameters[name]
            if not parameter.in_force(self.date):
                continue
            v = parameter.at(self.date)
            rows.append({"parameter": name, "value": to_json(v.value), "from": v.start.isoformat(),
                         "instrument": v.instrument, "reference": v.reference})
        return rows


class ParameterBook:
    """All parameters and instruments, loaded from a folder of YAML files."""

    def __init__(self, folder: Path = HERE) -> None:
        self.folder = folder
        self.instruments = _load_instruments(folder / INSTRUMENTS_FILE)
        self.parameters: dict[str, Parameter] = {}
        self.documents: dict[str, Any] = {}
        for path in sorted(folder.glob("*.yaml")):
            if path.name == INSTRUMENTS_FILE:
                continue
            document = _read_yaml(path)
            self.documents[path.name] = document
            group = path.stem
            for short, spec in document.items():
                name = f"{group}.{short}"
                self.parameters[name] = _parameter(name, spec, self.instruments)
        self.documents[INSTRUMENTS_FILE] = _read_yaml(folder / INSTRUMENTS_FILE)
        self.on = functools.lru_cache(maxsize=4096)(self._on)

    def _on(self, on: dt.date) -> Law:
        return Law(self, on)

    def instrument_date(self, key: str | dt.date) -> dt.date:
        if isinstance(key, dt.date):
            return key
        try:
            return self.instruments[key].in_force
        except KeyError:
            raise LawError("instrument_unknown", en="Unknown instrument {key}.",
                           ar="الأداة القانونية {key} غير معروفة.", key=key) from None

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters.values())


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _load_instruments(path: Path) -> dict[str, Instrument]:
    instruments = {}
    for key, spec in _read_yaml(path).items():
        _require(spec, ("title", "in_force", "confidence", "source"), f"instrument {key}")
        instruments[key] = Instrument(
            id=key, title_en=spec["title"]["en"], title_ar=spec["title"]["ar"],
            in_force=_as_date(spec["in_force"], key), confidence=spec["confidence"],
            note=spec.get("note", ""), source=spec["source"])
    return instruments


def _parameter(name: str, spec: Mapping[str, Any], instruments: Mapping[str, Instrument]) -> Parameter:
    _require(spec, ("description", "unit", "values"), name)
    unit = spec["unit"]
    if unit not in UNITS:
        raise ValueError(f"{name}: unknown unit {unit!r}; use one of {sorted(UNITS)}")
    description = spec["description"]
    if not (description.get("en") and description.get("ar")):
        raise ValueError(f"{name}: the description needs both en and ar")
    values = []
    for key, entry in spec["values"].items():
        instrument = key if isinstance(key, str) else None
        if instrument is not None:
            if instrument not in instruments:
                raise ValueError(f"{name}: value keyed by unknown instrument {instrument!r}")
            start = instruments[instrument].in_force
        else:
            start = _as_date(key, name)
        if not isinstance(entry, Mapping) or "value" not in entry or not entry.get("reference"):
            raise ValueError(f"{name} @ {key}: each value needs `value` and `reference`")
        confidence = entry.get("confidence", "high")
        if confidence not in CONFIDENCE:
            raise ValueError(f"{name} @ {key}: confidence must be one of {CONFIDENCE}")
        values.append(Value(start=start, value=_convert(entry["value"], unit, f"{name} @ {key}"),
                            reference=entry["reference"], confidence=confidence,
                            note=entry.get("note", ""), instrument=instrument))
    values.sort(key=lambda v: v.start)
    starts = [v.start for v in values]
    if len(set(starts)) != len(starts):
        raise ValueError(f"{name}: two values take effect on the same day")
    ends = spec.get("ends")
    if ends is not None:
        ends = instruments[ends].in_force if isinstance(ends, str) else _as_date(ends, name)
    if spec.get("open_question") and not spec.get("note"):
        raise ValueError(f"{name}: a choice on an open question needs a note saying why")
    return Parameter(name=name, description_en=description["en"], description_ar=description["ar"],
                     unit=unit, values=tuple(values), ends=ends, note=spec.get("note", ""),
                     open_question=spec.get("open_question", ""))


def _convert(raw: Any, unit: str, where: str) -> Any:
    """Leaves take the parameter's unit; mappings and lists are frozen so rules cannot change them."""
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        return MappingProxyType({str(k): _convert(v, unit, f"{where}.{k}") for k, v in raw.items()})
    if isinstance(raw, list):
        return tuple(_convert(v, unit, where) for v in raw)
    if unit == "OMR":
        if not isinstance(raw, str):
            raise ValueError(f"{where}: write money as a quoted string with 3 decimals, e.g. \"301.000\"")
        amount = Decimal(raw)
        if amount.as_tuple().exponent != -3:
            raise ValueError(f"{where}: {raw!r} must have exactly 3 decimals (baisa)")
        return amount
    if unit in ("percent", "ratio"):
        return Decimal(str(raw))
    if unit in ("years", "months", "days", "hours", "workers", "count"):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"{where}: {raw!r} must be a whole number")
        return raw
    if unit == "date":
        return _as_date(raw, where)
    if unit == "flag":
        if not isinstance(raw, bool):
            raise ValueError(f"{where}: {raw!r} must be true or false")
        return raw
    return str(raw)


def _as_date(raw: Any, where: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)") from None


def _require(spec: Mapping[str, Any], keys: Iterable[str], where: str) -> None:
    missing = [k for k in keys if k not in spec]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")


def to_json(value: Any) -> Any:
    """Decimals become strings, dates ISO strings; mappings and tuples become dicts and lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


@functools.cache
def book() -> ParameterBook:
    """The parameter book of this package, loaded once."""
    return ParameterBook(HERE)
