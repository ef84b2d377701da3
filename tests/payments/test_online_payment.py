"""Paying online through the sandbox gateway (a real process): what the payer sees and what is recorded."""

from __future__ import annotations

import time

import httpx
import pytest

from manpower.core.errors import DomainError, PermissionDenied
from manpower.core.models import OutboxMessage
from manpower.payments import services
from manpower.payments.documents import receipt_pdf
from manpower.payments.gateway import SandboxGateway
from manpower.payments.models import Payment
from manpower.payments.selectors import invoice_state
from manpower.payments.tasks import check_payment
from tests import factories as f
from tests.payments.conftest import (
    API_KEY,
    DECLINED_CARD,
    RETURN_URL,
    SECRET,
    SILENT_CARD,
    THREE_DS_CARD,
    TIMEOUT_CARD,
    make_invoice,
)

pytestmark = pytest.mark.django_db


def start(world, invoice):  # type: ignore[no-untyped-def]
    return services.payment_start(actor=world["rep"], invoice=invoice, return_url=RETURN_URL)


def paid_messages(invoice) -> int:  # type: ignore[no-untyped-def]
    return OutboxMessage.objects.filter(topic="invoice.paid", payload__invoice=invoice.number).count()


def test_a_card_payment_pays_the_invoice_once_with_a_receipt(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = start(payer_world, invoice)
    assert payment.status == "started" and payment.next_url.startswith(gateway.url)
    assert invoice_state(invoice) == "in_progress", "a started payment is never shown as unpaid"
    back = gateway.pay(payment.next_url)
    assert back.status_code == 303 and back.headers["location"].startswith(f"http://testserver/payments/{payment.reference}/return/")
    payment = services.payment_returned(payment=payment)
    invoice.refresh_from_db()
    assert (payment.status, invoice.status, paid_messages(invoice)) == ("success", "paid", 1)
    assert payment.succeeded_at is not None and payment.amount_omr == invoice.total_omr
    assert receipt_pdf(payment).startswith(b"%PDF")


def test_a_declined_card_leaves_the_invoice_due_and_it_can_be_paid_again(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    first = start(payer_world, invoice)
    gateway.pay(first.next_url, DECLINED_CARD)
    first = services.payment_returned(payment=first)
    invoice.refresh_from_db()
    assert (first.status, first.failure_code, invoice.status, paid_messages(invoice)) == ("failed", "declined", "due", 0)
    assert invoice_state(invoice) == "due"
    second = start(payer_world, invoice)
    gateway.pay(second.next_url)
    assert services.payment_returned(payment=second).status == "success"
    assert paid_messages(invoice) == 1


def test_an_abandoned_checkout_expires_and_nothing_is_charged(payer_world, gateway, settings):
    settings.PAYMENT_CHECKOUT_EXPIRES_SECONDS = 1
    invoice = make_invoice(payer_world["est"])
    payment = start(payer_world, invoice)
    httpx.get(payment.next_url)  # the payer opens the card page, then walks away
    time.sleep(1.3)
    assert services.payments_check_in_flight()["settled"] == 1
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.status, payment.failure_code, invoice.status) == ("failed", "expired", "due")


def test_the_payer_cancelling_on_the_gateway_page_is_recorded(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = start(payer_world, invoice)
    gateway.pay(payment.next_url, action="cancel")
    assert services.payment_returned(payment=payment).status == "cancelled"


def test_three_d_secure_asks_for_a_code_before_the_payment_succeeds(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = start(payer_world, invoice)
    challenge = gateway.pay(payment.next_url, THREE_DS_CARD)
    assert challenge.status_code == 303 and challenge.headers["location"].endswith("/3ds")
    assert services.payment_refresh(payment=payment).status == "submitted"
    invoice.refresh_from_db()
    assert invoice_state(invoice) == "awaiting_confirmation"
    with pytest.raises(DomainError) as error:
        start(payer_world, invoice)
    assert error.value.code == "payment_awaiting_confirmation", "no second payment while one awaits confirmation"
    httpx.post(challenge.headers["location"], data={"code": "123456"})
    assert services.payment_refresh(payment=payment).status == "success"


def test_a_bank_that_does_not_answer_ends_in_error_without_charge(payer_world, gateway):
    gateway.admin("faults", timeout_seconds=0.4)
    invoice = make_invoice(payer_world["est"])
    payment = start(payer_world, invoice)
    gateway.pay(payment.next_url, TIMEOUT_CARD)
    assert services.payment_returned(payment=payment).status == "submitted"
    time.sleep(0.6)
    payment = services.payment_refresh(payment=payment)
    invoice.refresh_from_db()
    assert (payment.status, payment.failure_code, invoice.status) == ("error", "bank_timeout", "due")


def test_a_lost_callback_is_completed_by_polling(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = start(payer_world, invoice)
    gateway.pay(payment.next_url, SILENT_CARD)  # paid at the gateway; its callback never comes; the payer closes the tab
    payment.refresh_from_db()
    assert payment.status == "started" and invoice_state(invoice) == "in_progress"
    assert check_payment.call(payment.reference) == "success"  # the scheduled check, run now
    invoice.refresh_from_db()
    assert (invoice.status, paid_messages(invoice)) == ("paid", 1)
    assert check_payment.call(payment.reference) == "settled"
    services.payments_check_in_flight()
    assert paid_messages(invoice) == 1


def test_back_from_the_gateway_while_it_cannot_answer_shows_paid_awaiting_confirmation(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = start(payer_world, invoice)
    gateway.pay(payment.next_url, SILENT_CARD)
    unreachable = SandboxGateway("http://127.0.0.1:9/pay", API_KEY, SECRET, timeout=0.5)
    payment = services.payment_returned(payment=payment, gateway=unreachable)
    invoice.refresh_from_db()
    assert payment.status == "submitted" and invoice_state(invoice) == "awaiting_confirmation"
    assert services.payment_refresh(payment=payment).status == "success"


def test_only_those_allowed_to_pay_can_start_a_payment(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    viewer = f.user("employer", establishments=[payer_world["est"]], permissions=["view"])
    for outsider in (viewer, f.user("employer", establishments=[f.establishment()]), payer_world["officer"]):
        with pytest.raises(PermissionDenied):
            services.payment_start(actor=outsider, invoice=invoice, return_url=RETURN_URL)
    assert not Payment.objects.exists()


def test_a_paid_invoice_cannot_be_paid_again(payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    services.invoice_record_payment(actor=payer_world["officer"], invoice=invoice, amount=invoice.total_omr,
                                    method="counter", reference="C-1")
    with pytest.raises(DomainError) as error:
        start(payer_world, invoice)
    assert error.value.code == "invoice_not_due"
