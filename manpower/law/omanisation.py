"""Omanisation: an establishment's ratio of Omani employees against the percentage prescribed for it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from manpower.law.facts import Establishment

MET, NOT_MET, NOT_PRESCRIBED = "met", "not_met", "not_prescribed"
HUNDREDTH = Decimal("0.01")


def prescribed_target(e: Establishment, p: Any) -> Decimal | None:
    """The percentage the establishment must meet: its own on the Ministry's record, else its sector's.

    Households have none; under RD 53/2023 Art 22 the classification binds establishments of 25 or more.
    """
    if e.is_household:
        return None
    if e.omanisation_target is not None:
        return e.omanisation_target
    if e.workforce < p.omanisation.employee_threshold:
        return None
    targets = p.omanisation.sector_targets
    activity = e.activity
    for length in (4, 3, 2):
        target = targets.get(activity[:length])
        if target is not None:
            return target  # type: ignore[no-any-return]
    return None


def omanisation_status(e: Establishment, p: Any) -> str:
    target = prescribed_target(e, p)
    if target is None:
        return NOT_PRESCRIBED
    return MET if e.omani_employees * 100 >= target * e.workforce else NOT_MET


def omanisation_ratio(e: Establishment) -> Decimal:
    """Omani employees as a percentage of the workforce, to two places."""
    if e.workforce == 0:
        return Decimal("0.00")
    return (Decimal(e.omani_employees * 100) / e.workforce).quantize(HUNDREDTH, ROUND_HALF_UP)
