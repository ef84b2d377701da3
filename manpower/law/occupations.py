"""Occupations reserved for Omanis: the decisions' items, and the platform job titles each one covers."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from manpower.law import codes, parameters

RESERVED_FILE = Path(__file__).resolve().parent / "parameters" / "occupations" / "reserved.yaml"


@dataclass(frozen=True, slots=True)
class ReservedItem:
    item: int | None
    decision: str
    decision_en: str
    decision_ar: str
    since: dt.date
    title_en: str
    title_ar: str
    mapping: str
    esco_uris: tuple[str, ...]
    esco_titles: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"item {self.item}" if self.item is not None else "item not numbered in the sources"


@dataclass(frozen=True, slots=True)
class ReservedOn:
    """The reserved list as it stands on one day."""

    by_uri: dict[str, ReservedItem]
    by_unit: dict[str, tuple[ReservedItem, ...]]


@functools.cache
def reserved_items() -> tuple[ReservedItem, ...]:
    with RESERVED_FILE.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    book = parameters.book()
    by_title = codes.esco_by_title()
    items = []
    for spec in document["items"]:
        decision = document["decisions"][spec["decision"]]
        titles = tuple(spec["esco"])
        unknown = [t for t in titles if t not in by_title]
        if unknown:
            raise ValueError(f"reserved item {spec['title']['en']!r}: no ESCO title {unknown}")
        if (spec["mapping"] == "none") != (not titles):
            raise ValueError(f"reserved item {spec['title']['en']!r}: mapping {spec['mapping']} vs titles {titles}")
        items.append(ReservedItem(
            item=spec["item"], decision=spec["decision"], decision_en=decision["en"], decision_ar=decision["ar"],
            since=book.instrument_date(spec["since"]), title_en=spec["title"]["en"],
            title_ar=spec["title"]["ar"], mapping=spec["mapping"],
            esco_uris=tuple(by_title[t].uri for t in titles), esco_titles=titles))
    return tuple(items)


@functools.lru_cache(maxsize=4096)
def reserved_on(on: dt.date) -> ReservedOn:
    by_uri: dict[str, ReservedItem] = {}
    by_unit: dict[str, list[ReservedItem]] = {}
    esco = codes.esco_titles()
    for item in reserved_items():
        if item.since > on:
            continue
        for uri in item.esco_uris:
            by_uri.setdefault(uri, item)
            by_unit.setdefault(esco[uri].isco08, []).append(item)
    return ReservedOn(by_uri, {unit: tuple(items) for unit, items in by_unit.items()})


def unmapped_items() -> list[ReservedItem]:
    """Items no platform job title matches: they cannot be caught by job title."""
    return [item for item in reserved_items() if not item.esco_uris]
