"""Daily jobs of the payments app, run by the worker's scheduler once a day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from manpower.core.scheduler import daily


@daily("payments.reconcile")
def check_and_reconcile(today: date) -> dict[str, Any]:
    """Settle whatever is still in flight, then reconcile yesterday's settlement file."""
    from manpower.payments.reconciliation import reconcile
    from manpower.payments.services import payments_check_in_flight

    checked = payments_check_in_flight(older_than=timedelta(minutes=5))
    report = reconcile(day=today - timedelta(days=1))
    return {"day": report.day.isoformat(), "status": report.status, "lines": report.lines, "matched": report.matched,
            "items": report.items.count(), **checked}
