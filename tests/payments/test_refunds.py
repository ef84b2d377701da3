"""Refunds: automatic when nothing was due or the service cannot be delivered, and by a finance officer."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from manpower.core import outbox
from manpower.core.errors import DomainError, PermissionDenied
from manpower.core.models import OutboxMessage
from manpower.payments import services
from manpower.payments.models import Refund
from manpower.payments.selectors import payment_view
from tests.payments.conftest import RETURN_URL, make_invoice

pytestmark = pytest.mark.django_db


def paid(world, invoice, gateway):  # type: ignore[no-untyped-def]
    payment = services.payment_start(actor=world["rep"], invoice=invoice, return_url=RETURN_URL)
    gateway.pay(payment.next_url)
    return services.payment_refresh(payment=payment)


def settle_refunds() -> None:
    """The worker's part: hand refunds to the gateway, then (a moment later) learn they went through."""
    outbox.deliver_due()
    time.sleep(0.4)
    services.payments_check_in_flight()


def test_paying_the_same_invoice_twice_refunds_the_second_payment_automatically(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    first = services.payment_start(actor=payer_world["rep"], invoice=invoice, return_url=RETURN_URL)
    second = services.payment_start(actor=payer_world["rep"], invoice=invoice, return_url=RETURN_URL)  # another tab
    gateway.pay(first.next_url)
    gateway.pay(second.next_url)
    first, second = services.payment_refresh(payment=first), services.payment_refresh(payment=second)
    invoice.refresh_from_db()
    assert (first.status, first.is_surplus, second.status, second.is_surplus) == ("success", False, "success", True)
    assert invoice.status == "paid"
    assert OutboxMessage.objects.filter(topic="invoice.paid", payload__invoice=invoice.number).count() == 1
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount_omr, refund.reason_code, refund.is_automatic) == (
        second, second.amount_omr, "duplicate_payment", True)
    settle_refunds()
    refund.refresh_from_db()
    assert refund.status == "success" and refund.provider_id.startswith("rfd_")
    seen_by_payer = payment_view(second)["refunds"][0]
    assert (seen_by_payer["status"], seen_by_payer["reason_code"]) == ("success", "duplicate_payment")


def test_a_payment_that_arrives_after_the_invoice_was_cancelled_is_refunded(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = services.payment_start(actor=payer_world["rep"], invoice=invoice, return_url=RETURN_URL)
    services.invoice_cancel(invoice=invoice, reason="application withdrawn")
    gateway.pay(payment.next_url)
    payment = services.payment_refresh(payment=payment)
    assert payment.is_surplus and payment.refunds.get().reason_code == "nothing_due"
    assert not OutboxMessage.objects.filter(topic="invoice.paid").exists()


def test_a_finance_officer_refunds_part_of_a_payment_with_a_reason(payer_world, gateway):
    invoice = make_invoice(payer_world["est"], total="301.000")
    payment = paid(payer_world, invoice, gateway)
    with pytest.raises(PermissionDenied):
        services.payment_refund(actor=payer_world["rep"], payment=payment, reason="please")
    with pytest.raises(DomainError) as error:
        services.payment_refund(actor=payer_world["officer"], payment=payment, reason="  ")
    assert error.value.code == "refund_reason_required"
    refund = services.payment_refund(actor=payer_world["officer"], payment=payment, amount=Decimal("100.500"),
                                     reason="fee charged at the old rate")
    with pytest.raises(DomainError) as error:
        services.payment_refund(actor=payer_world["officer"], payment=payment, amount=Decimal("201.000"),
                                reason="too much")
    assert error.value.code == "refund_exceeds_payment"
    settle_refunds()
    refund.refresh_from_db()
    assert (refund.status, refund.amount_omr, refund.requested_by) == ("success", Decimal("100.500"), payer_world["officer"])
    rest = services.payment_refund(actor=payer_world["officer"], payment=payment, reason="the rest")
    assert rest.amount_omr == Decimal("200.500")


def test_a_service_that_cannot_be_delivered_after_payment_is_refunded_automatically(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = paid(payer_world, invoice, gateway)
    refunds = services.invoice_refund_undeliverable(invoice=invoice, reason="application rejected: CR expired")
    invoice.refresh_from_db()
    assert invoice.status == "refunded" and [r.reason_code for r in refunds] == ["not_delivered"]
    assert services.invoice_refund_undeliverable(invoice=invoice, reason="again") == []
    settle_refunds()
    assert payment.refunds.get().status == "success"
    assert OutboxMessage.objects.filter(topic="invoice.refunded").count() == 1


def test_a_refund_the_gateway_refuses_is_marked_for_the_finance_office(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = paid(payer_world, invoice, gateway)
    refund = services.payment_refund(actor=payer_world["officer"], payment=payment, reason="goodwill")
    gateway.admin("reset")  # the gateway no longer knows the payment
    outbox.deliver_due()
    refund.refresh_from_db()
    assert refund.status == "error" and refund.failure_code


def test_a_counter_payment_is_refunded_by_the_finance_office_by_transfer(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = services.invoice_record_payment(actor=payer_world["officer"], invoice=invoice, amount=invoice.total_omr,
                                              method="counter", reference="RCPT-77")
    [refund] = services.invoice_refund_undeliverable(invoice=invoice, reason="application rejected")
    assert not OutboxMessage.objects.filter(topic="payments.refund").exists()
    services.refund_complete_manually(actor=payer_world["officer"], refund=refund, reference="TRF-123")
    refund.refresh_from_db()
    assert (refund.status, refund.provider_id, payment.status) == ("success", "TRF-123", "success")
