"""The reference code lists held in memory: they change only when `manpower setup` loads new files,
which clears these caches in the process that loads them (other processes pick them up on restart)."""

from __future__ import annotations

from functools import lru_cache

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


def clear() -> None:
    for cached in (country_codes, occupation_units, job_title_units):
        cached.cache_clear()
