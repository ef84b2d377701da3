"""The reference code lists held in memory: they change only when `manpower setup` loads new files,
which clears these caches in the process that loads them (other processes pick them up on restart)."""

from __future__ import annotations

from functools import lru_cache

from django.utils import translation

from manpower.registry.models import Country, JobTitle, Occupation


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(Country.objects.values_list("code", flat=True))


@lru_cache(maxsize=1)
def occupation_units() -> frozenset[str]:
    return frozenset(Occupation.objects.filter(level=Occupation.Level.UNIT).values_list("code", flat=True))


@lru_cache(maxsize=1)
def job_title_units() -> dict[str, str]:
    return dict(JobTitle.objects.values_list("esco_uri", "occupation_id"))


@lru_cache(maxsize=1)
def _occupation_names() -> dict[str, tuple[str, str]]:
    return {code: (ar, en) for code, ar, en in Occupation.objects.values_list("code", "name_ar", "name_en")}


def occupation_name(code: str) -> str:
    """An ISCO-08 group's title in the active language (as ``Occupation.name``), or the code if it is unknown."""
    name_ar, name_en = _occupation_names().get(code, ("", ""))
    if translation.get_language() == "ar" and name_ar:
        return name_ar
    return name_en or name_ar or code


def clear() -> None:
    for cached in (country_codes, occupation_units, job_title_units, _occupation_names):
        cached.cache_clear()
