"""The gateway's callback, posted as the gateway (or an impostor) would post it."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from manpower.audit.models import AuditEvent
from manpower.core.models import OutboxMessage
from manpower.payments import services
from manpower.payments.models import GatewayNotification
from tests.payments.conftest import RETURN_URL, SILENT_CARD, make_invoice, payment_event, signed

pytestmark = pytest.mark.django_db
CALLBACK = "/api/v1/payments/callback"


def post(client: Client, raw: bytes, signature: str | None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_GATEWAY_SIGNATURE": signature} if signature is not None else {}
    return client.post(CALLBACK, raw, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **headers)


@pytest.fixture
def paid_at_gateway(payer_world, gateway):  # type: ignore[no-untyped-def]
    """A payment confirmed at the gateway whose own callback never reached us."""
    invoice = make_invoice(payer_world["est"])
    payment = services.payment_start(actor=payer_world["rep"], invoice=invoice, return_url=RETURN_URL)
    gateway.pay(payment.next_url, SILENT_CARD)
    return payment


def test_the_same_confirmation_twice_records_one_payment(client, paid_at_gateway):
    payment = paid_at_gateway
    raw, signature = signed(payment_event(payment, event_id="evt_same"))
    first, again = post(client, raw, signature), post(client, raw, signature)
    assert (first.status_code, first.json()) == (200, {"outcome": "applied"})
    assert (again.status_code, again.json()) == (200, {"outcome": "duplicate"})
    other_event = signed(payment_event(payment, event_id="evt_other"))
    assert post(client, *other_event).json() == {"outcome": "duplicate"}
    payment.refresh_from_db()
    payment.invoice.refresh_from_db()
    assert (payment.status, payment.invoice.status) == ("success", "paid")
    assert OutboxMessage.objects.filter(topic="invoice.paid", payload__invoice=payment.invoice.number).count() == 1
    assert list(GatewayNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        "applied", "duplicate", "duplicate"]


def test_an_amount_changed_after_signing_is_rejected_and_logged(client, paid_at_gateway):
    payment = paid_at_gateway
    raw, signature = signed(payment_event(payment))
    tampered = raw.replace(f'"{payment.amount_omr:.3f}"'.encode(), b'"1.000"')
    assert tampered != raw
    response = post(client, tampered, signature)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "callback_rejected"
    payment.refresh_from_db()
    assert payment.status == "started"
    rejected = GatewayNotification.objects.get()
    assert (rejected.outcome, rejected.reason) == ("rejected", "signature_invalid")
    assert AuditEvent.objects.filter(action="payment.callback_rejected").count() == 1


def test_a_properly_signed_callback_with_the_wrong_amount_is_rejected(client, paid_at_gateway):
    payment = paid_at_gateway
    response = post(client, *signed(payment_event(payment, amount="1.000")))
    assert response.status_code == 400
    assert GatewayNotification.objects.get().reason == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == "started" and payment.invoice.status == "due"


@pytest.mark.parametrize("signature", [None, "t=1,v1=deadbeef", "garbage"])
def test_missing_or_forged_signatures_are_rejected(client, paid_at_gateway, signature):
    raw, _ = signed(payment_event(paid_at_gateway))
    assert post(client, raw, signature).status_code == 400
    assert GatewayNotification.objects.get().outcome == "rejected"


def test_a_signature_from_another_secret_or_an_old_replay_is_rejected(client, paid_at_gateway):
    event = payment_event(paid_at_gateway)
    assert post(client, *signed(event, secret="not-the-secret")).status_code == 400
    assert post(client, *signed(event, at=time.time() - 3600)).status_code == 400
    assert set(GatewayNotification.objects.values_list("reason", flat=True)) == {"signature_invalid", "signature_stale"}


def test_a_callback_for_a_payment_we_do_not_know_is_rejected(client, paid_at_gateway):
    event = payment_event(paid_at_gateway, provider_id="chk_unknown")
    event["data"]["reference"] = "PAY-2026-9999999-0"
    response = post(client, *signed(event))
    assert response.status_code == 400 and GatewayNotification.objects.get().reason == "unknown_payment"


def test_an_unreadable_body_is_rejected(client, paid_at_gateway):
    raw, signature = signed({"nothing": "useful"})
    assert post(client, raw, signature).status_code == 400
    assert json.loads(GatewayNotification.objects.get().body) == {"nothing": "useful"}
