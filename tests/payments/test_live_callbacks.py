"""The sandbox gateway really calls back into our running server: success end to end (permit issued),
a callback delivered twice, callbacks tampered on the way."""

from __future__ import annotations

import pytest
from django.test import Client

from manpower.core import outbox
from manpower.core.models import OutboxMessage
from manpower.payments import services
from manpower.payments.models import GatewayNotification, Invoice
from manpower.permits import services as permits
from manpower.permits.models import Permit
from manpower.registry.models import Person
from tests.payments.conftest import RETURN_URL, make_invoice
from tests.permits.conftest import TODAY, submit


def _load_reference_data() -> None:
    from manpower.registry.reference import SOURCES, load_source

    for source in SOURCES:
        load_source(source)  # skipped where the table is already complete


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_module(django_db_blocker):  # type: ignore[no-untyped-def]
    """A transactional test empties the database, reference lists included: reload them for the tests that follow."""
    yield
    with django_db_blocker.unblock():
        _load_reference_data()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):  # type: ignore[no-untyped-def]
    _load_reference_data()


def test_paying_on_the_hosted_page_issues_the_permit_and_gives_a_receipt(employer_world, live_gateway):
    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    permits.application_redecide(application=application, on=TODAY)
    invoice = Invoice.objects.get(subject_id=application.number, status="due")
    payment = services.payment_start(actor=employer_world["rep"], invoice=invoice, return_url=RETURN_URL)
    live_gateway.pay(payment.next_url)
    [callback] = live_gateway.wait_callbacks(1)
    assert callback["delivered"] and callback["last_status"] == "200"
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.status, invoice.status) == ("success", "paid")
    assert OutboxMessage.objects.filter(topic="invoice.paid", payload__invoice=invoice.number).count() == 1
    outbox.deliver_due()  # the worker's part
    application.refresh_from_db()
    assert application.state == "issued" and Permit.objects.filter(issued_by_application=application).exists()
    client = Client()
    client.force_login(employer_world["rep"])
    receipt = client.get(f"/payments/{payment.reference}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.getvalue().startswith(b"%PDF")


def test_a_callback_the_gateway_sends_twice_is_recorded_once(payer_world, live_gateway):
    live_gateway.admin("faults", callbacks="duplicate")
    invoice = make_invoice(payer_world["est"])
    payment = services.payment_start(actor=payer_world["rep"], invoice=invoice, return_url=RETURN_URL)
    live_gateway.pay(payment.next_url)
    delivered = live_gateway.wait_callbacks(2)
    assert [c["last_status"] for c in delivered] == ["200", "200"]
    assert OutboxMessage.objects.filter(topic="invoice.paid", payload__invoice=invoice.number).count() == 1
    assert sorted(GatewayNotification.objects.values_list("outcome", flat=True)) == ["applied", "duplicate"]


@pytest.mark.parametrize("fault", ["tamper_amount", "tamper_signature"])
def test_a_callback_tampered_on_the_way_is_rejected_and_polling_still_settles(payer_world, live_gateway, fault):
    live_gateway.admin("faults", callbacks=fault)
    invoice = make_invoice(payer_world["est"])
    payment = services.payment_start(actor=payer_world["rep"], invoice=invoice, return_url=RETURN_URL)
    live_gateway.pay(payment.next_url)
    [callback] = live_gateway.wait_callbacks(1)
    assert callback["last_status"] == "400" and callback["gave_up"]
    payment.refresh_from_db()
    assert payment.status == "started"
    assert GatewayNotification.objects.get().reason == "signature_invalid"
    assert services.payment_refresh(payment=payment).status == "success"
