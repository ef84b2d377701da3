"""Following invoices and payments in the portal and the API; paying through a service office."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from manpower.core import outbox
from manpower.core.errors import DomainError, PermissionDenied
from manpower.payments import services
from manpower.payments.models import Payment
from tests import factories as f
from tests.payments.conftest import SILENT_CARD, make_invoice

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def auth(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()}


def test_the_api_lists_invoices_starts_a_checkout_and_serves_the_receipt(client: Client, payer_world, gateway):
    rep = payer_world["rep"]
    invoice = make_invoice(payer_world["est"], total="201.000")
    listing = client.get("/api/v1/invoices?status=due", **auth(rep)).json()
    assert listing["count"] == 1 and listing["results"][0]["state"] == "due"
    assert listing["results"][0]["lines"][0]["amount"] == "201.000"
    started = client.post(f"/api/v1/invoices/{invoice.number}/checkout", {}, content_type="application/json", **auth(rep))
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["status"] == "started" and body["next_url"].startswith(gateway.url)
    gateway.pay(body["next_url"], SILENT_CARD)
    detail = client.get(f"/api/v1/invoices/{invoice.number}", **auth(rep)).json()
    assert detail["state"] == "in_progress"
    refreshed = client.post(f"/api/v1/payments/{body['reference']}/refresh", **auth(rep)).json()
    assert refreshed["status"] == "success" and refreshed["has_receipt"]
    receipt = client.get(f"/api/v1/payments/{body['reference']}/receipt", **auth(rep))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")
    outsider = f.user("employer", establishments=[f.establishment()])
    assert client.get(f"/api/v1/invoices/{invoice.number}", **auth(outsider)).status_code == 404
    assert client.get(f"/api/v1/payments/{body['reference']}/receipt", **auth(outsider)).status_code == 404


def test_a_finance_officer_refunds_through_the_api_and_the_payer_sees_the_status(client: Client, payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = services.invoice_record_payment(actor=payer_world["officer"], invoice=invoice, amount=invoice.total_omr,
                                              method="bank_transfer", reference="BT-9")
    refused = client.post(f"/api/v1/payments/{payment.reference}/refunds", {"reason": "x"},
                          content_type="application/json", **auth(payer_world["rep"]))
    assert refused.status_code == 403
    response = client.post(f"/api/v1/payments/{payment.reference}/refunds", {"reason": "fee waived", "amount": "10.000"},
                           content_type="application/json", **auth(payer_world["officer"]))
    assert response.status_code == 201 and response.json()["status"] == "submitted"
    seen = client.get(f"/api/v1/payments/{payment.reference}", **auth(payer_world["rep"])).json()
    assert seen["refunds"][0]["reason"] == "fee waived" and seen["refunds"][0]["amount"] == "10.000"


def test_the_portal_shows_paid_awaiting_confirmation_never_unpaid(client: Client, payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    payment = services.payment_start(actor=payer_world["rep"], invoice=invoice, return_url="http://testserver/{reference}")
    Payment.objects.filter(pk=payment.pk).update(status="submitted")
    client.force_login(payer_world["rep"])
    listing = client.get("/en/payments/").content.decode()
    assert invoice.number in listing and "paid — awaiting confirmation" in listing
    page = client.get(f"/en/payments/invoices/{invoice.number}/")
    assert "paid — awaiting confirmation" in page.content.decode() and page["Refresh"]
    assert client.get(f"/payments/invoices/{invoice.number}/").status_code == 200, "the Arabic page renders too"
    assert client.get(f"/en/payments/{payment.reference}/").status_code == 200


def test_paying_from_the_portal_sends_the_payer_to_the_gateway_and_back(client: Client, payer_world, gateway):
    invoice = make_invoice(payer_world["est"])
    client.force_login(payer_world["rep"])
    response = client.post(f"/en/payments/invoices/{invoice.number}/pay/")
    assert response.status_code == 302 and response["Location"].startswith(gateway.url + "/checkout/")
    back = gateway.pay(response["Location"])
    returned = client.get(back.headers["location"].removeprefix("http://testserver"), follow=True)
    html = returned.content.decode()
    assert "your payment is confirmed" in html and "receipt.pdf" in html
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_a_service_office_pays_under_a_delegation_and_the_employer_is_told(payer_world, gateway):
    est, rep = payer_world["est"], payer_world["rep"]
    office = f.user("employer")
    office.full_name = "Sanad Centre Al Khuwair"
    office.save(update_fields=["full_name"])
    invoice = make_invoice(est)
    with pytest.raises(PermissionDenied):
        services.payment_start(actor=office, invoice=invoice, return_url="http://testserver/{reference}")
    today = timezone.localdate()
    services.delegation_grant(actor=rep, establishment=est, delegate_email=office.email, valid_from=today,
                              valid_until=today + timedelta(days=30))
    payment = services.payment_start(actor=office, invoice=invoice, return_url="http://testserver/{reference}")
    gateway.pay(payment.next_url)
    payment = services.payment_refresh(payment=payment)
    assert payment.status == "success" and payment.delegation.delegate == office  # type: ignore[union-attr]
    outbox.deliver_due()
    [notice] = [m for m in mail.outbox if rep.email in m.to]
    assert invoice.number in notice.subject and "Sanad Centre Al Khuwair" in notice.body


def test_a_delegation_is_limited_to_its_period_and_can_be_revoked(payer_world, gateway):
    est, rep = payer_world["est"], payer_world["rep"]
    office = f.user("employer")
    today = timezone.localdate()
    with pytest.raises(DomainError) as error:
        services.delegation_grant(actor=rep, establishment=est, delegate_email="nobody@example.om", valid_from=today,
                                  valid_until=today)
    assert error.value.code == "delegate_not_found"
    with pytest.raises(PermissionDenied):
        services.delegation_grant(actor=office, establishment=est, delegate_email=rep.email, valid_from=today,
                                  valid_until=today)
    ended = services.delegation_grant(actor=rep, establishment=est, delegate_email=office.email,
                                      valid_from=today - timedelta(days=10), valid_until=today - timedelta(days=1))
    invoice = make_invoice(est)
    with pytest.raises(PermissionDenied):
        services.payment_start(actor=office, invoice=invoice, return_url="http://testserver/{reference}")
    current = services.delegation_grant(actor=rep, establishment=est, delegate_email=office.email, valid_from=today,
                                        valid_until=today)
    services.delegation_revoke(actor=rep, delegation=current)
    with pytest.raises(PermissionDenied):
        services.payment_start(actor=office, invoice=invoice, return_url="http://testserver/{reference}")
    assert ended.revoked_at is None
