"""The reference code lists the facts are checked against, read from the platform's reference data files.

The files live in ``manpower/registry/data``; they are read here directly, as data, so that the rule book
needs nothing else of the platform.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "registry" / "data"


@dataclass(frozen=True, slots=True)
class EscoTitle:
    uri: str
    isco08: str
    title_en: str


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def isco_units() -> dict[str, str]:
    """ISCO-08 unit groups (4 digits) and their English titles."""
    return {r["code"]: r["title_en"] for r in _rows("isco08.csv") if r["level"] == "unit"}


@functools.cache
def esco_titles() -> dict[str, EscoTitle]:
    """ESCO job titles by URI, each linked to its ISCO-08 unit group."""
    return {r["esco_uri"]: EscoTitle(r["esco_uri"], r["isco08_unit"], r["title_en"])
            for r in _rows("esco_occupations.csv")}


@functools.cache
def esco_by_title() -> dict[str, EscoTitle]:
    titles: dict[str, EscoTitle] = {}
    for title in esco_titles().values():
        if title.title_en in titles:
            raise ValueError(f"ESCO title {title.title_en!r} is not unique")
        titles[title.title_en] = title
    return titles


@functools.cache
def isic_classes() -> dict[str, tuple[str, str]]:
    """ISIC Rev.4 classes (4 digits) with English and Arabic titles."""
    return {r["code"]: (r["title_en"], r["title_ar"]) for r in _rows("isic4.csv") if r["level"] == "class"}


@functools.cache
def countries() -> dict[str, tuple[str, str]]:
    """ISO 3166-1 alpha-2 codes with English and Arabic names."""
    return {r["alpha2"]: (r["name_en"], r["name_ar"]) for r in _rows("countries.csv")}
