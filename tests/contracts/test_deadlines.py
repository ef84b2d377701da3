"""The offer's deadline: reminders before it, a notice to both when it passes; silence is never acceptance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from manpower.contracts import selectors, services
from manpower.core.errors import DomainError
from manpower.core.models import OutboxMessage
from tests.contracts.conftest import TODAY, draft, send

pytestmark = pytest.mark.django_db


def test_an_unanswered_offer_ends_at_its_deadline_and_is_not_accepted(world):
    contract = draft(world)
    offer = send(world, contract)
    deadline = offer.deadline
    assert deadline == TODAY + timedelta(days=14)

    assert services.offers_remind_and_lapse(on=deadline - timedelta(days=3)) == {"reminded": 1, "lapsed": 0}
    assert services.offers_remind_and_lapse(on=deadline - timedelta(days=3)) == {"reminded": 0, "lapsed": 0}
    assert services.offers_remind_and_lapse(on=deadline - timedelta(days=1)) == {"reminded": 1, "lapsed": 0}
    reminder = OutboxMessage.objects.filter(topic="contract.deadline_near").order_by("id").last()
    assert reminder.payload["person_id"] == world["person"].pk and reminder.payload["days_left"] == 1
    assert services.offers_remind_and_lapse(on=deadline) == {"reminded": 0, "lapsed": 0}, "the deadline day counts"

    assert services.offers_remind_and_lapse(on=deadline + timedelta(days=1)) == {"reminded": 0, "lapsed": 1}
    offer.refresh_from_db()
    contract.refresh_from_db()
    assert offer.state == "lapsed" and contract.status == "not_concluded"
    assert not offer.signatures.filter(role="worker").exists()
    assert not selectors.has_registered_contract(world["person"].pk, world["est"].pk, on=TODAY + timedelta(days=60))
    ended = OutboxMessage.objects.get(topic="contract.offer_ended")
    assert ended.payload["accepted"] is False
    assert ended.payload["worker"]["person_id"] == world["person"].pk
    assert ended.payload["employer"]["user_id"] == world["rep"].pk

    with pytest.raises(DomainError, match="nothing_to_sign"):
        services.signing_code_request(actor=world["worker"], contract=contract, on=deadline + timedelta(days=1))
    revised = services.contract_revise(actor=world["rep"], contract=contract, on=deadline + timedelta(days=1))
    assert revised.seq == 2 and revised.state == "draft", "the employer may offer again"


def test_the_worker_cannot_answer_after_the_deadline_even_before_the_daily_job_runs(world):
    contract = draft(world)
    offer = send(world, contract)
    late = offer.deadline + timedelta(days=1)
    with pytest.raises(DomainError, match="offer_ended"):
        services.signing_code_request(actor=world["worker"], contract=contract, on=late)
    with pytest.raises(DomainError, match="offer_ended"):
        services.contract_request_change(actor=world["worker"], contract=contract, comment="more pay", on=late)
