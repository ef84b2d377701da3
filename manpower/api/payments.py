"""/api/v1/ routes of the payments app: invoices and their payments, paying online, receipts, refunds, the
gateway's callback, delegation to a service office, and the daily reconciliation for finance officers."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from manpower.api import MAX_PAGE
from manpower.core.errors import DomainError
from manpower.payments import selectors, services
from manpower.payments.documents import receipt_pdf
from manpower.payments.gateway import GatewayUnavailable
from manpower.payments.models import Payment
from manpower.payments.reconciliation import reconcile
from manpower.registry.selectors import establishment_get

router = Router(tags=["payments"])


class InvoiceLineOut(Schema):
    code: str
    label: str
    amount: str
    citation: str


class RefundOut(Schema):
    reference: str
    amount: str
    status: str = Field(..., description="submitted | success | error")
    status_label: str
    reason_code: str
    reason_label: str
    reason: str
    is_automatic: bool
    created_at: datetime
    succeeded_at: datetime | None


class PaymentOut(Schema):
    reference: str
    invoice: str
    amount: str
    currency: str
    method: str
    method_label: str
    status: str = Field(..., description="created | started | submitted | success | failed | cancelled | error")
    status_label: str
    failure_code: str | None
    is_surplus: bool = Field(..., description="Taken when nothing was due; refunded automatically.")
    payer: str | None
    paid_by_delegate: str | None
    next_url: str | None = Field(None, description="The gateway's payment page, while the payment can be completed.")
    created_at: datetime
    succeeded_at: datetime | None
    has_receipt: bool
    refunds: list[RefundOut]


class InvoiceOut(Schema):
    number: str
    cr_number: str
    establishment: str
    subject_type: str
    subject_id: str
    currency: str
    total: str
    status: str = Field(..., description="due | paid | cancelled | refunded")
    state: str = Field(..., description="What the payer reads: due | in_progress | awaiting_confirmation | paid | "
                                        "cancelled | refunded")
    state_label: str
    issued_at: datetime
    due_on: date
    paid_at: datetime | None
    lines: list[InvoiceLineOut]
    payments: list[PaymentOut] = []


class InvoicePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[InvoiceOut]


class InvoiceFilters(Schema):
    status: str | None = None
    cr_number: str | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=200)


class CheckoutIn(Schema):
    return_url: str | None = Field(None, description="Where the gateway sends the payer back; {reference} is replaced "
                                                     "by the payment reference. By default, the portal's payment page.")


class CallbackOut(Schema):
    outcome: str


class RefundIn(Schema):
    reason: str
    amount: Decimal | None = Field(None, description="OMR; by default all that is not yet refunded.")


class DelegationIn(Schema):
    cr_number: str
    delegate_email: str
    valid_from: date
    valid_until: date


class DelegationOut(Schema):
    id: int
    cr_number: str
    delegate_email: str
    action: str
    valid_from: date
    valid_until: date
    revoked_at: datetime | None


class ItemOut(Schema):
    kind: str = Field(..., description="unmatched | mismatched | missing")
    record_type: str
    problem: str
    gateway_id: str
    reference: str
    expected: str
    found: str


class ReconciliationOut(Schema):
    day: date
    status: str = Field(..., description="clean | discrepancies")
    lines: int
    matched: int
    completed: int
    total_settled: str
    ran_at: datetime
    runs: int
    items: list[ItemOut]


# The callback comes first: it is the one POST under /payments/ that is not a payment reference.
@router.post("/payments/callback", auth=None, response={200: CallbackOut}, tags=["gateway"],
             summary="The payment gateway's signed callback (HMAC-SHA256 over the raw body)")
def gateway_callback(request: HttpRequest) -> dict[str, str]:
    outcome = services.callback_receive(body=request.body, headers=request.headers,
                                        remote_addr=request.META.get("REMOTE_ADDR", ""))
    return {"outcome": outcome}


@router.get("/invoices", response=InvoicePage, summary="Invoices you may see or pay, with where each payment stands")
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilters]) -> dict[str, Any]:
    queryset = selectors.invoices_for(request.auth)  # type: ignore[attr-defined]
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.cr_number:
        queryset = queryset.filter(establishment__cr_number=filters.cr_number)
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    rows = queryset.prefetch_related("lines").order_by("-id")[start:start + filters.page_size]
    return {"count": count, "page": filters.page, "page_size": filters.page_size,
            "results": [selectors.invoice_view(invoice) for invoice in rows]}


@router.get("/invoices/{number}", response=InvoiceOut)
def invoice_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    return selectors.invoice_view(selectors.invoice_get(request.auth, number))  # type: ignore[attr-defined]


@router.post("/invoices/{number}/checkout", response={201: PaymentOut},
             summary="Start paying an invoice online: returns the gateway page to send the payer to (next_url)")
def invoice_checkout(request: HttpRequest, number: str, body: CheckoutIn) -> Status[dict[str, Any]]:
    invoice = selectors.invoice_get(request.auth, number)  # type: ignore[attr-defined]
    return_url = body.return_url or request.build_absolute_uri("/payments/") + "{reference}/return/"
    payment = services.payment_start(actor=request.auth, invoice=invoice, return_url=return_url)  # type: ignore[attr-defined]
    return Status(201, selectors.payment_view(payment))


@router.get("/payments/{reference}", response=PaymentOut)
def payment_detail(request: HttpRequest, reference: str) -> dict[str, Any]:
    return selectors.payment_view(selectors.payment_get(request.auth, reference))  # type: ignore[attr-defined]


@router.post("/payments/{reference}/refresh", response=PaymentOut,
             summary="Ask the gateway now where a payment stands (after the payer's return, for instance)")
def payment_refresh(request: HttpRequest, reference: str) -> dict[str, Any]:
    payment = selectors.payment_get(request.auth, reference)  # type: ignore[attr-defined]
    with contextlib.suppress(GatewayUnavailable):
        payment = services.payment_returned(payment=payment)
    return selectors.payment_view(payment)


@router.get("/payments/{reference}/receipt", summary="The receipt of a successful payment (PDF, Arabic and English)",
            response={200: None})
def payment_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    payment = selectors.payment_get(request.auth, reference)  # type: ignore[attr-defined]
    if payment.status != Payment.Status.SUCCESS:
        raise DomainError("no_receipt", field="reference",
                          params={"reference": payment.reference, "status": payment.get_status_display()})
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{payment.reference}.pdf"'
    return response


@router.post("/payments/{reference}/refunds", response={201: RefundOut}, tags=["finance"],
             summary="Refund a payment, in full or in part, with a reason (finance officers)")
def payment_refund(request: HttpRequest, reference: str, body: RefundIn) -> Status[dict[str, Any]]:
    payment = selectors.payment_get(request.auth, reference)  # type: ignore[attr-defined]
    refund = services.payment_refund(actor=request.auth, payment=payment, reason=body.reason,  # type: ignore[attr-defined]
                                     amount=body.amount)
    return Status(201, selectors.refund_view(refund))


def _delegation_out(delegation: Any) -> dict[str, Any]:
    return {"id": delegation.pk, "cr_number": delegation.establishment.cr_number,
            "delegate_email": delegation.delegate.email, "action": delegation.action,
            "valid_from": delegation.valid_from, "valid_until": delegation.valid_until,
            "revoked_at": delegation.revoked_at}


@router.get("/payment-delegations", response=list[DelegationOut], tags=["delegation"],
            summary="Delegations you granted, or hold as a service office")
def delegation_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_delegation_out(d) for d in selectors.delegations_for(request.auth).order_by("-id")]  # type: ignore[attr-defined]


@router.post("/payment-delegations", response={201: DelegationOut}, tags=["delegation"],
             summary="Let a service office pay this establishment's invoices for a period")
def delegation_create(request: HttpRequest, body: DelegationIn) -> Status[dict[str, Any]]:
    establishment = establishment_get(request.auth, cr_number=body.cr_number, permission="manage_users")  # type: ignore[attr-defined]
    delegation = services.delegation_grant(actor=request.auth, establishment=establishment,  # type: ignore[attr-defined]
                                           delegate_email=body.delegate_email, valid_from=body.valid_from,
                                           valid_until=body.valid_until)
    return Status(201, _delegation_out(delegation))


@router.post("/payment-delegations/{delegation_id}/revoke", response=DelegationOut, tags=["delegation"])
def delegation_revoke(request: HttpRequest, delegation_id: int) -> dict[str, Any]:
    delegation = selectors.delegations_for(request.auth).filter(pk=delegation_id).first()  # type: ignore[attr-defined]
    if delegation is None:
        raise DomainError("not_found", field="delegation_id")
    return _delegation_out(services.delegation_revoke(actor=request.auth, delegation=delegation))  # type: ignore[attr-defined]


def _reconciliation_out(report: Any) -> dict[str, Any]:
    return {"day": report.day, "status": report.status, "lines": report.lines, "matched": report.matched,
            "completed": report.completed, "total_settled": str(report.total_settled_omr), "ran_at": report.ran_at,
            "runs": report.runs, "items": [
                {"kind": i.kind, "record_type": i.record_type, "problem": i.problem, "gateway_id": i.gateway_id,
                 "reference": i.reference, "expected": i.expected, "found": i.found} for i in report.items.all()]}


@router.get("/reconciliations/{day}", response=ReconciliationOut, tags=["finance"])
def reconciliation_detail(request: HttpRequest, day: date) -> dict[str, Any]:
    report = selectors.reconciliations_for(request.auth).filter(day=day).first()  # type: ignore[attr-defined]
    if report is None:
        raise DomainError("not_found", field="day")
    return _reconciliation_out(report)


@router.post("/reconciliations/{day}", response=ReconciliationOut, tags=["finance"],
             summary="Reconcile a day's settlement file now (finance officers)")
def reconciliation_run(request: HttpRequest, day: date) -> dict[str, Any]:
    try:
        report = reconcile(day=day, actor=request.auth)  # type: ignore[attr-defined]
    except GatewayUnavailable:
        raise DomainError("gateway_unavailable", field="day") from None
    return _reconciliation_out(report)
