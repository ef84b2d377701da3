"""A contract that breaks the law cannot be sent, each reason shown; wrong one-time codes lock signing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manpower.contracts import services
from manpower.contracts.models import CodeGuard, ContractVersion, OneTimeCode
from manpower.core.errors import DomainError, InputErrors
from manpower.core.models import OutboxMessage
from tests.contracts.conftest import TODAY, draft, last_code, send

pytestmark = pytest.mark.django_db


def test_an_unlawful_draft_is_kept_with_every_reason_but_cannot_be_sent(world):
    contract = draft(world, probation_days="120", daily_hours="9", weekly_hours="45", annual_leave_days="21",
                     non_renewal_notice_days="14")
    version = contract.open_version
    assert version.law_check["outcome"] == "reject"
    failed = {c["id"] for c in version.law_check["checks"] if c["status"] == "failed"}
    assert failed == {"probation-limit", "working-hours", "annual-leave", "notice-period"}
    with pytest.raises(InputErrors) as refused:
        services.signing_code_request(actor=world["rep"], contract=contract, on=TODAY)
    reasons = {error.field: error.message("en") for error in refused.value.errors}
    assert set(reasons) == failed
    assert "Art 37" in reasons["probation-limit"] and "3 months" in reasons["probation-limit"]
    assert not OutboxMessage.objects.filter(topic="signing.otp").exists()
    with pytest.raises(InputErrors):
        services.contract_send(actor=world["rep"], contract=contract, code="123456", on=TODAY)
    assert ContractVersion.objects.get(contract=contract).state == "draft"


def test_a_term_over_five_years_is_sent_as_indefinite_with_a_notice(world):
    contract = draft(world, end_date="2032-06-30")
    checks = {c["id"]: c for c in contract.open_version.law_check["checks"]}
    assert checks["contract-term"]["status"] == "passed"
    assert checks["contract-term"]["code"] == "contract_treated_as_indefinite"


def test_five_wrong_codes_lock_signing_for_that_contract_and_the_signer_is_told(world, settings):
    contract = draft(world)
    send(world, contract)
    services.signing_code_request(actor=world["worker"], contract=contract, on=TODAY)
    right = last_code(world["worker"])
    wrong = "000000" if right != "000000" else "111111"
    for attempt in range(1, 5):
        with pytest.raises(DomainError) as refused:
            services.contract_sign(actor=world["worker"], contract=contract, code=wrong, on=TODAY)
        assert refused.value.code == "code_wrong" and refused.value.params["remaining"] == 5 - attempt
    with pytest.raises(DomainError) as locked:
        services.contract_sign(actor=world["worker"], contract=contract, code=wrong, on=TODAY)
    assert locked.value.code == "signing_locked"
    notice = OutboxMessage.objects.get(topic="signing.locked")
    assert notice.payload["user_id"] == world["worker"].pk and notice.payload["contract"] == contract.number
    with pytest.raises(DomainError, match="signing_locked"):
        services.contract_sign(actor=world["worker"], contract=contract, code=right, on=TODAY)
    with pytest.raises(DomainError, match="signing_locked"):
        services.signing_code_request(actor=world["worker"], contract=contract, on=TODAY)
    # The employer's signing on other contracts is not affected; after the lock period the worker may sign.
    CodeGuard.objects.filter(scope__contains=f"user:{world['worker'].pk}").update(
        locked_until=timezone.now() - timedelta(seconds=1))
    services.signing_code_request(actor=world["worker"], contract=contract, on=TODAY)
    assert services.contract_sign(actor=world["worker"], contract=contract, code=last_code(world["worker"]),
                                  on=TODAY).state == "signed"


def test_codes_are_hashed_at_rest_expire_and_are_used_once(world, settings):
    contract = draft(world)
    services.signing_code_request(actor=world["rep"], contract=contract, on=TODAY)
    code = last_code(world["rep"])
    stored = OneTimeCode.objects.get(user=world["rep"])
    assert code not in stored.code_hash and len(code) == 6
    OneTimeCode.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError, match="code_expired"):
        services.contract_send(actor=world["rep"], contract=contract, code=code, on=TODAY)
    send(world, contract)
    assert OneTimeCode.objects.filter(user=world["rep"], used_at__isnull=False).count() == 1


def test_when_the_time_stamping_authority_is_down_nothing_is_signed_and_the_code_stays_valid(world, settings):
    contract = draft(world)
    services.signing_code_request(actor=world["rep"], contract=contract, on=TODAY)
    code = last_code(world["rep"])
    good_url = settings.TSA_URL
    settings.TSA_URL = "http://127.0.0.1:9/tsa"
    with pytest.raises(DomainError, match="timestamp_unavailable"):
        services.contract_send(actor=world["rep"], contract=contract, code=code, on=TODAY)
    assert ContractVersion.objects.get(contract=contract).state == "draft"
    settings.TSA_URL = good_url
    assert services.contract_send(actor=world["rep"], contract=contract, code=code, on=TODAY).state == "offered"
