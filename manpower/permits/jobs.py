"""Daily jobs of the permits app, run by the worker's scheduler once a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from manpower.core.scheduler import daily


@daily("permits.expire_and_remind")
def expire_and_remind(today: date) -> dict[str, Any]:
    from manpower.permits import services

    return {
        "expired": services.permits_expire(on=today),
        "reminders": services.permits_remind_expiry(on=today),
        "lapsed": services.applications_lapse(on=today),
    }
