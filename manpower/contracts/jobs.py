"""Daily jobs of the contracts app, run by the worker's scheduler once a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from manpower.core.scheduler import daily


@daily("contracts.offer_deadlines")
def offer_deadlines(today: date) -> dict[str, Any]:
    from manpower.contracts import services

    return services.offers_remind_and_lapse(on=today)
