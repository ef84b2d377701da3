"""Loading the reference code lists from the CSV files kept in ``data/`` (sources in data/SOURCES.md).

Each file is parsed and checked in full before anything is written; a malformed file names the file,
the line and the reason and loads nothing. Rows are upserted by code in one transaction per file, so
running the loader twice leaves the database as it was.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models, transaction

from manpower.registry import codes
from manpower.registry.models import (
    Activity,
    Country,
    Governorate,
    JobTitle,
    Occupation,
    ReferenceLoad,
    Wilayat,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


class MalformedFile(Exception):
    def __init__(self, file: str, line: int, reason: str):
        self.file, self.line, self.reason = file, line, reason
        super().__init__(f"{file}, line {line}: {reason}")


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "").strip()


def read_csv(path: Path, required: Iterable[str]) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise MalformedFile(path.name, 1, f"not UTF-8 ({error.reason})") from None
    reader = csv.DictReader(text.splitlines())
    missing = [column for column in required if column not in (reader.fieldnames or [])]
    if missing:
        raise MalformedFile(path.name, 1, f"missing column(s): {', '.join(missing)}")
    rows = []
    for row in reader:
        if None in row:
            raise MalformedFile(path.name, reader.line_num, "more fields than the header has")
        if any(value is None for value in row.values()):
            raise MalformedFile(path.name, reader.line_num, "fewer fields than the header has")
        rows.append(Row(reader.line_num, row))
    return rows


def _need(row: Row, file: str, column: str, pattern: str | None = None) -> str:
    value = row[column]
    if not value:
        raise MalformedFile(file, row.line, f"'{column}' is empty")
    if pattern and not re.fullmatch(pattern, value):
        raise MalformedFile(file, row.line, f"'{column}' is {value!r}, expected {pattern}")
    return value


def _unique(records: list[dict[str, Any]], key: str, file: str, lines: list[int]) -> None:
    seen: dict[Any, int] = {}
    for record, line in zip(records, lines, strict=True):
        if record[key] in seen:
            raise MalformedFile(file, line, f"{key} {record[key]!r} repeats line {seen[record[key]]}")
        seen[record[key]] = line


# --- One parser per file: rows → dicts of model fields ----------------------------------------------


def parse_countries() -> list[dict[str, Any]]:
    file = "countries.csv"
    rows = read_csv(DATA_DIR / file, ["alpha2", "alpha3", "numeric", "name_en", "name_ar", "nationality_en",
                                       "nationality_ar"])
    extra = {}
    extra_file = DATA_DIR / "nationality_ar_unofficial.csv"
    if extra_file.exists():
        for row in read_csv(extra_file, ["alpha2", "nationality_en", "nationality_ar"]):
            extra[_need(row, extra_file.name, "alpha2", r"[A-Z]{2}")] = row
    records = []
    for row in rows:
        code = _need(row, file, "alpha2", r"[A-Z]{2}")
        record = {
            "code": code,
            "alpha3": _need(row, file, "alpha3", r"[A-Z]{3}"),
            "numeric": _need(row, file, "numeric", r"\d{3}"),
            "name_en": _need(row, file, "name_en"),
            "name_ar": _need(row, file, "name_ar"),
            "nationality_en": row["nationality_en"],
            "nationality_ar": row["nationality_ar"],
            "nationality_ar_unofficial": False,
        }
        if code in extra:
            record["nationality_ar"] = extra[code]["nationality_ar"]
            record["nationality_en"] = record["nationality_en"] or extra[code]["nationality_en"]
            record["nationality_ar_unofficial"] = True
        records.append(record)
    _unique(records, "code", file, [row.line for row in rows])
    return records


def parse_governorates() -> list[dict[str, Any]]:
    file = "oman_governorates.csv"
    rows = read_csv(DATA_DIR / file, ["moi_code", "iso_3166_2", "name_en", "name_ar"])
    records = [
        {"code": int(_need(row, file, "moi_code", r"\d{1,2}")), "iso_code": _need(row, file, "iso_3166_2", r"OM-[A-Z]{2}"),
         "name_en": _need(row, file, "name_en"), "name_ar": _need(row, file, "name_ar")}
        for row in rows
    ]
    _unique(records, "code", file, [row.line for row in rows])
    return records


def parse_wilayats() -> list[dict[str, Any]]:
    file = "oman_wilayats.csv"
    rows = read_csv(DATA_DIR / file, ["moi_code", "governorate_moi_code", "name_en", "name_ar", "alt_names_en"])
    governorates = {g["code"] for g in parse_governorates()}
    records = []
    for row in rows:
        governorate = int(_need(row, file, "governorate_moi_code", r"\d{1,2}"))
        if governorate not in governorates:
            raise MalformedFile(file, row.line, f"governorate {governorate} is not in oman_governorates.csv")
        records.append({"code": int(_need(row, file, "moi_code", r"\d{1,3}")), "governorate_id": governorate,
                        "name_en": _need(row, file, "name_en"), "name_ar": _need(row, file, "name_ar"),
                        "alt_names_en": row["alt_names_en"]})
    _unique(records, "code", file, [row.line for row in rows])
    return records


LEVEL_DIGITS = {"major": 1, "sub_major": 2, "minor": 3, "unit": 4}


def parse_isco() -> list[dict[str, Any]]:
    file = "isco08.csv"
    rows = read_csv(DATA_DIR / file, ["code", "level", "parent", "title_en", "title_ar", "esco_uri"])
    unofficial: dict[str, str] = {}
    extra_file = DATA_DIR / "isco08_ar_unofficial.csv"
    if extra_file.exists():
        for row in read_csv(extra_file, ["code", "title_ar"]):
            unofficial[_need(row, extra_file.name, "code", r"\d{1,4}")] = _need(row, extra_file.name, "title_ar")
    records = []
    codes: set[str] = set()
    for row in rows:
        code = _need(row, file, "code", r"\d{1,4}")
        level = _need(row, file, "level")
        if LEVEL_DIGITS.get(level) != len(code):
            raise MalformedFile(file, row.line, f"level {level!r} does not fit a code of {len(code)} digit(s)")
        parent = row["parent"] or None
        if parent is not None and (parent not in codes or code[:-1] != parent):
            raise MalformedFile(file, row.line, f"parent {parent!r} is not the group above {code}")
        title_ar, is_unofficial = row["title_ar"], False
        if not title_ar and code in unofficial:
            title_ar, is_unofficial = unofficial[code], True
        records.append({"code": code, "level": level, "parent_id": parent, "name_en": _need(row, file, "title_en"),
                        "name_ar": title_ar, "name_ar_unofficial": is_unofficial, "esco_uri": row["esco_uri"]})
        codes.add(code)
    _unique(records, "code", file, [row.line for row in rows])
    return records


def parse_job_titles() -> list[dict[str, Any]]:
    file = "esco_occupations.csv"
    rows = read_csv(DATA_DIR / file, ["esco_uri", "isco08_unit", "title_en", "alt_labels_en"])
    units = {r["code"] for r in parse_isco() if r["level"] == "unit"}
    records = []
    for row in rows:
        unit = _need(row, file, "isco08_unit", r"\d{4}")
        if unit not in units:
            raise MalformedFile(file, row.line, f"ISCO unit {unit} is not in isco08.csv")
        records.append({"esco_uri": _need(row, file, "esco_uri", r"https?://\S+"), "occupation_id": unit,
                        "title_en": _need(row, file, "title_en"), "alt_labels_en": row["alt_labels_en"]})
    _unique(records, "esco_uri", file, [row.line for row in rows])
    return records


ISIC_PATTERNS = {"section": r"[A-U]", "division": r"\d{2}", "group": r"\d{3}", "class": r"\d{4}"}


def parse_isic() -> list[dict[str, Any]]:
    file = "isic4.csv"
    rows = read_csv(DATA_DIR / file, ["code", "level", "parent", "section", "title_en", "title_ar"])
    records = []
    codes: set[str] = set()
    for row in rows:
        level = _need(row, file, "level")
        if level not in ISIC_PATTERNS:
            raise MalformedFile(file, row.line, f"unknown level {level!r}")
        code = _need(row, file, "code", ISIC_PATTERNS[level])
        parent = row["parent"] or None
        if parent is not None and parent not in codes:
            raise MalformedFile(file, row.line, f"parent {parent!r} has not been defined above")
        records.append({"code": code, "level": level, "parent_id": parent, "section": _need(row, file, "section"),
                        "name_en": _need(row, file, "title_en"), "name_ar": _need(row, file, "title_ar")})
        codes.add(code)
    _unique(records, "code", file, [row.line for row in rows])
    return records


@dataclass(frozen=True)
class Source:
    file: str
    model: type[models.Model]
    parse: Callable[[], list[dict[str, Any]]]
    extra_files: tuple[str, ...] = ()


SOURCES = [
    Source("countries.csv", Country, parse_countries, ("nationality_ar_unofficial.csv",)),
    Source("oman_governorates.csv", Governorate, parse_governorates),
    Source("oman_wilayats.csv", Wilayat, parse_wilayats),
    Source("isco08.csv", Occupation, parse_isco, ("isco08_ar_unofficial.csv",)),
    Source("esco_occupations.csv", JobTitle, parse_job_titles),
    Source("isic4.csv", Activity, parse_isic),
]


def _digest(source: Source) -> str:
    sha = hashlib.sha256()
    for name in (source.file, *source.extra_files):
        path = DATA_DIR / name
        if path.exists():
            sha.update(name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


@dataclass
class LoadResult:
    file: str
    rows: int
    created: int
    updated: int
    skipped: bool


def load_source(source: Source, progress: Callable[[Iterator[Any], int, str], Iterator[Any]] | None = None) -> LoadResult:
    records = source.parse()  # raises MalformedFile before anything is written
    digest = _digest(source)
    model = source.model
    pk = model._meta.pk.name  # type: ignore[union-attr]
    if ReferenceLoad.objects.filter(file=source.file, sha256=digest, rows=len(records)).exists() and \
            model.objects.count() == len(records):  # type: ignore[attr-defined]
        return LoadResult(source.file, len(records), 0, 0, skipped=True)
    created = updated = 0
    with transaction.atomic():
        existing = {getattr(obj, pk): obj for obj in model.objects.all()}  # type: ignore[attr-defined]
        to_create, to_update = [], []
        fields = [name for name in records[0] if name != pk] if records else []
        iterator: Iterator[Any] = iter(records)
        if progress:
            iterator = progress(iterator, len(records), source.file)
        for record in iterator:
            obj = existing.get(record[pk])
            if obj is None:
                to_create.append(model(**record))
            elif any(getattr(obj, name) != record[name] for name in fields):
                for name in fields:
                    setattr(obj, name, record[name])
                to_update.append(obj)
        # Self-referencing tables (ISCO, ISIC) list parents first, so creating in file order is safe.
        model.objects.bulk_create(to_create, batch_size=500)  # type: ignore[attr-defined]
        if to_update:
            model.objects.bulk_update(to_update, fields, batch_size=500)  # type: ignore[attr-defined]
        created, updated = len(to_create), len(to_update)
        ReferenceLoad.objects.update_or_create(file=source.file, defaults={"sha256": digest, "rows": len(records)})
        transaction.on_commit(codes.clear)
    return LoadResult(source.file, len(records), created, updated, skipped=False)
