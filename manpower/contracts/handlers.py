"""Outbox handlers of the contracts app: what happens after a transaction elsewhere has committed."""

from __future__ import annotations

from manpower.core.models import OutboxMessage
from manpower.core.outbox import handles


@handles("permit.issued")
@handles("permit.renewed")
def link_registered_contracts(message: OutboxMessage) -> None:
    from manpower.contracts.services import contract_link_permit

    contract_link_permit(permit_number=message.payload["permit"])
