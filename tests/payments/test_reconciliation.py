"""Daily reconciliation against the gateway's settlement file, and the gateway going down for a while."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from manpower.core import outbox
from manpower.core.errors import DomainError
from manpower.core.models import OutboxMessage
from manpower.payments import services
from manpower.payments.jobs import check_and_reconcile
from manpower.payments.models import Payment
from manpower.payments.reconciliation import reconcile
from manpower.payments.tasks import check_payment
from tests.payments.conftest import RETURN_URL, SILENT_CARD, make_invoice

pytestmark = pytest.mark.django_db


def pay(world, gateway, card="4111111111111111", total="301.000"):  # type: ignore[no-untyped-def]
    invoice = make_invoice(world["est"], total=total)
    payment = services.payment_start(actor=world["rep"], invoice=invoice, return_url=RETURN_URL)
    gateway.pay(payment.next_url, card)
    return payment


def test_a_clean_day_matches_every_line(payer_world, gateway):
    today = timezone.localdate()
    one = services.payment_refresh(payment=pay(payer_world, gateway))
    two = services.payment_refresh(payment=pay(payer_world, gateway, total="51.250"))
    services.payment_refund(actor=payer_world["officer"], payment=two, amount=two.amount_omr, reason="duplicate fee")
    outbox.deliver_due()
    time.sleep(0.4)
    report = reconcile(day=today)
    assert (report.status, report.lines, report.matched, report.items.count()) == ("clean", 3, 3, 0)
    assert report.total_settled_omr == one.amount_omr
    assert reconcile(day=today - timedelta(days=1)).lines == 0


def test_an_unknown_settlement_line_is_reported_as_unmatched(payer_world, gateway):
    today = timezone.localdate()
    services.payment_refresh(payment=pay(payer_world, gateway))
    gateway.admin("settlement-lines", date=today.isoformat(), gateway_id="chk_stranger", merchant_reference="PAY-X",
                  amount="12.000")
    report = reconcile(day=today)
    [item] = report.items.all()
    assert report.status == "discrepancies" and report.matched == 1
    assert (item.kind, item.problem, item.gateway_id, item.found) == ("unmatched", "unknown_payment", "chk_stranger",
                                                                      "12.000")
    assert OutboxMessage.objects.filter(topic="payments.reconciliation_reported", payload__status="discrepancies").exists()


def test_a_different_amount_and_a_missing_payment_are_reported(payer_world, gateway):
    today = timezone.localdate()
    one = services.payment_refresh(payment=pay(payer_world, gateway))
    two = services.payment_refresh(payment=pay(payer_world, gateway))
    gateway.admin("settlement-lines", date=today.isoformat(), gateway_id=one.provider_id, merchant_reference=one.reference,
                  amount="300.000", replace=True)
    gateway.admin("settlement-lines", date=today.isoformat(), gateway_id="chk_other", merchant_reference="?",
                  amount="1.000", replace=two.provider_id)
    report = reconcile(day=today)
    found = {(item.kind, item.problem, item.reference) for item in report.items.all()}
    assert found == {("mismatched", "amount", one.reference), ("missing", "not_in_file", two.reference),
                     ("unmatched", "unknown_payment", "?")}


def test_a_lost_callback_is_completed_by_reconciliation(payer_world, gateway):
    payment = pay(payer_world, gateway, SILENT_CARD)
    report = reconcile(day=timezone.localdate())
    payment.refresh_from_db()
    assert (report.status, report.completed, payment.status, payment.invoice.status) == ("clean", 1, "success", "paid")


def test_manpower_reconcile_reports_a_clean_day_and_a_day_with_a_mismatch(payer_world, gateway, capsys):
    today = timezone.localdate()
    payment = services.payment_refresh(payment=pay(payer_world, gateway))
    call_command("reconcile", "--date", today.isoformat())
    assert "CLEAN" in capsys.readouterr().out
    gateway.admin("settlement-lines", date=today.isoformat(), gateway_id=payment.provider_id,
                  merchant_reference=payment.reference, amount="30.100", replace=True)
    with pytest.raises(SystemExit) as exit_status:
        call_command("reconcile", "--date", today.isoformat())
    out = capsys.readouterr().out
    assert exit_status.value.code == 2 and "DISCREPANCIES" in out and "mismatched" in out and "30.100" in out


def test_the_daily_job_settles_what_is_in_flight_then_reconciles_yesterday(payer_world, gateway):
    payment = pay(payer_world, gateway, SILENT_CARD)
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    result = check_and_reconcile(timezone.localdate() + timedelta(days=1))
    payment.refresh_from_db()
    assert payment.status == "success" and result["status"] == "clean" and result["settled"] == 1


def test_the_gateway_down_for_a_while_loses_nothing(payer_world, gateway):
    in_flight = pay(payer_world, gateway, SILENT_CARD)  # paid at the gateway just before it went down
    earlier = services.payment_refresh(payment=pay(payer_world, gateway))
    refund = services.payment_refund(actor=payer_world["officer"], payment=earlier, reason="overcharged")
    gateway.stop()
    try:
        with pytest.raises(DomainError) as error:
            services.payment_start(actor=payer_world["rep"], invoice=make_invoice(payer_world["est"]),
                                   return_url=RETURN_URL)
        assert error.value.code == "gateway_unavailable"
        assert Payment.objects.filter(status="error", failure_code="gateway_unavailable").count() == 1
        assert check_payment.call(in_flight.reference) == "started", "still in flight, checked again later"
        outbox.deliver_due()
        message = OutboxMessage.objects.get(topic="payments.refund")
        assert (message.status, message.attempts) == ("pending", 1)
        refund.refresh_from_db()
        assert refund.status == "submitted"
    finally:
        gateway.start()
    assert check_payment.call(in_flight.reference) == "success"
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox.deliver_due()
    time.sleep(0.4)
    services.payments_check_in_flight()
    refund.refresh_from_db()
    in_flight.invoice.refresh_from_db()
    assert (refund.status, in_flight.invoice.status) == ("success", "paid")
    assert reconcile(day=timezone.localdate()).status == "clean"
