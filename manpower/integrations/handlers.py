"""What the integrations app does after a transaction elsewhere commits, and on every scheduler round."""

from __future__ import annotations

from manpower.core.models import OutboxMessage
from manpower.core.outbox import handles
from manpower.core.scheduler import every_round


@handles("application.decided")
def ask_for_awaited_facts(message: OutboxMessage) -> None:
    """An application waits for facts another authority holds: ask for them."""
    if message.payload.get("outcome") != "await":
        return
    from manpower.integrations.services import facts_awaited
    from manpower.permits.selectors import awaited_codes

    found = awaited_codes(message.payload["application"])
    if found is not None:
        facts_awaited(person=found[0], codes=found[1])


@every_round("integrations.requests")
def process_due_requests() -> dict[str, int]:
    from manpower.integrations.services import requests_process_due

    return requests_process_due()
