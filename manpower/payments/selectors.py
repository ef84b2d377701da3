"""Reads of invoices, payments and refunds, filtered by what the actor may see, and how they read to a person."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from manpower.core.errors import NotFound
from manpower.identity.authz import establishment_ids
from manpower.identity.models import Role, User
from manpower.payments.access import delegated_establishment_ids, is_finance_officer
from manpower.payments.models import Invoice, Payment, PaymentDelegation, Reconciliation, Refund

MINISTRY = {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}

# What a payer reads for an invoice: never "unpaid" while money may be on its way.
INVOICE_STATES = {
    "due": _("due — not paid yet"),
    "in_progress": _("payment in progress — awaiting confirmation"),
    "awaiting_confirmation": _("paid — awaiting confirmation"),
    "paid": _("paid"),
    "cancelled": _("cancelled"),
    "refunded": _("refunded"),
}


def invoices_for(user: User) -> QuerySet[Invoice]:
    queryset = Invoice.objects.select_related("establishment")
    if user.role in MINISTRY:
        return queryset
    if user.role == Role.EMPLOYER:
        own = establishment_ids(user) or []
        return queryset.filter(Q(establishment_id__in=own) | Q(establishment_id__in=delegated_establishment_ids(user)))
    return queryset.none()


def invoice_get(user: User, number: str) -> Invoice:
    invoice = invoices_for(user).filter(number=(number or "").strip().upper()).first()
    if invoice is None:
        raise NotFound(field="number")
    return invoice


def payments_for(user: User) -> QuerySet[Payment]:
    return Payment.objects.select_related("invoice", "invoice__establishment", "recorded_by", "delegation").filter(
        invoice__in=invoices_for(user))


def payment_get(user: User, reference: str) -> Payment:
    payment = payments_for(user).filter(reference=(reference or "").strip()).first()
    if payment is None:
        raise NotFound(field="reference")
    return payment


def invoice_state(invoice: Invoice, payments: list[Payment] | None = None) -> str:
    if invoice.status != Invoice.Status.DUE:
        return str(invoice.status)
    statuses = {p.status for p in (payments if payments is not None else invoice.payments.all())}
    if Payment.Status.SUBMITTED in statuses:
        return "awaiting_confirmation"
    if statuses & {Payment.Status.CREATED, Payment.Status.STARTED}:
        return "in_progress"
    return "due"


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def refund_view(refund: Refund) -> dict[str, Any]:
    return {"reference": refund.reference, "amount": str(refund.amount_omr), "status": refund.status,
            "status_label": str(refund.get_status_display()), "reason_code": refund.reason_code,
            "reason_label": str(refund.get_reason_code_display()), "reason": refund.reason,
            "is_automatic": refund.is_automatic, "created_at": refund.created_at, "succeeded_at": refund.succeeded_at}


def payment_view(payment: Payment) -> dict[str, Any]:
    delegate = payment.delegation.delegate if payment.delegation_id else None  # type: ignore[union-attr]
    return {
        "reference": payment.reference, "invoice": payment.invoice.number, "amount": str(payment.amount_omr),
        "currency": payment.currency, "method": payment.method, "method_label": str(payment.get_method_display()),
        "status": payment.status, "status_label": str(payment.get_status_display()),
        "failure_code": payment.failure_code or None, "is_surplus": payment.is_surplus,
        "payer": payment.recorded_by.full_name if payment.method == Payment.Method.CARD else None,
        "paid_by_delegate": delegate.full_name if delegate else None,
        "next_url": payment.next_url if payment.status in {Payment.Status.CREATED, Payment.Status.STARTED} else None,
        "created_at": payment.recorded_at, "succeeded_at": payment.succeeded_at,
        "has_receipt": payment.status == Payment.Status.SUCCESS,
        "refunds": [refund_view(refund) for refund in payment.refunds.all()],
    }


def invoice_view(invoice: Invoice, *, with_payments: bool = True) -> dict[str, Any]:
    lang = _lang()
    if with_payments:
        payments = list(invoice.payments.select_related("recorded_by", "delegation__delegate")
                        .prefetch_related("refunds").order_by("-id"))
    else:  # only the state is shown: the payments prefetched by a list page serve
        payments = list(invoice.payments.all())
    state = invoice_state(invoice, payments)
    view: dict[str, Any] = {
        "number": invoice.number, "cr_number": invoice.establishment.cr_number,
        "establishment": invoice.establishment.name_en if lang == "en" and invoice.establishment.name_en
        else invoice.establishment.name_ar,
        "subject_type": invoice.subject_type, "subject_id": invoice.subject_id, "currency": invoice.currency,
        "total": str(invoice.total_omr), "status": invoice.status, "state": state, "state_label": str(INVOICE_STATES[state]),
        "issued_at": invoice.issued_at, "due_on": invoice.due_on, "paid_at": invoice.paid_at,
        "lines": [{"code": line.code, "label": line.label_en if lang == "en" else line.label_ar,
                   "amount": str(line.amount_omr), "citation": line.citation} for line in invoice.lines.all()],
    }
    if with_payments:
        view["payments"] = [payment_view(payment) for payment in payments]
    return view


def delegations_for(user: User) -> QuerySet[PaymentDelegation]:
    """Delegations the user granted (for establishments they manage) or holds."""
    managed = establishment_ids(user, "manage_users") or []
    return PaymentDelegation.objects.select_related("establishment", "delegate", "granted_by").filter(
        Q(establishment_id__in=managed) | Q(delegate=user))


def reconciliations_for(user: User) -> QuerySet[Reconciliation]:
    if not is_finance_officer(user):
        return Reconciliation.objects.none()
    return Reconciliation.objects.all()
