"""Daily jobs of the notifications app."""

from __future__ import annotations

from datetime import date
from typing import Any

from manpower.core.scheduler import daily


@daily("notifications.reminders")
def send_reminders(today: date) -> dict[str, Any]:
    from manpower.notifications.services import reminders_refresh, reminders_send

    refreshed = reminders_refresh(today=today)
    return {**refreshed, "sent": reminders_send(today=today)}


@daily("notifications.receipts")
def apply_waiting_receipts(today: date) -> dict[str, Any]:
    from manpower.notifications.services import receipts_apply_pending

    return {"applied": receipts_apply_pending()}
