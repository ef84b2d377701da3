"""Invoices, payments and refunds. Every change is one transaction with its audit event and its outbox message.

Online payments go through a gateway (``manpower.payments.gateway``): its HTTP calls are made between our
transactions, never inside one, and what it answers is applied by ``_apply_payment_state`` — the one place a
gateway payment changes status, whether the news came by callback, by polling, on the payer's return or in
reconciliation. Applying the same news twice changes nothing, so every route ends in at most one
"invoice.paid" message per invoice (its outbox key is the invoice number).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.audit.services import record
from manpower.core import outbox
from manpower.core.errors import DomainError, PermissionDenied, register_messages
from manpower.core.numbers import next_number
from manpower.identity.authz import authorize
from manpower.identity.models import EstablishmentPermission, Role, User
from manpower.payments.access import authorize_finance, authorize_payment
from manpower.payments.gateway import (
    Gateway,
    GatewayRefused,
    GatewayUnavailable,
    InvalidCallback,
    PaymentState,
    RefundState,
    get_gateway,
)
from manpower.payments.models import (
    GatewayNotification,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentDelegation,
    Refund,
)
from manpower.registry.models import Establishment
from manpower.registry.validators import clean_omr, clean_text

log = structlog.get_logger("manpower.payments")

register_messages({
    "invoice_not_due": _("Invoice %(number)s is not due: it is %(status)s."),
    "amount_mismatch": _("The amount paid (%(paid)s) is not the amount due (%(due)s)."),
    "payment_reference_used": _("Payment reference %(reference)s has already been recorded."),
    "gateway_unavailable": _("The payment service is not answering. Nothing was charged: try again in a few minutes."),
    "payment_not_started": _("The payment service refused to start this payment (%(reason)s). Nothing was charged."),
    "payment_awaiting_confirmation": _(
        "A payment for invoice %(number)s is awaiting confirmation from the bank: wait a few minutes before paying "
        "again, or you may pay twice."),
    "payment_not_refundable": _("Payment %(reference)s cannot be refunded: it is %(status)s."),
    "refund_exceeds_payment": _("A refund of %(amount)s is more than what is left to refund on this payment (%(left)s)."),
    "refund_reason_required": _("Give the reason for the refund; the payer will see it."),
    "refund_not_manual": _("Refund %(reference)s goes through the payment gateway; it completes by itself."),
    "no_receipt": _("Payment %(reference)s has no receipt: it is %(status)s."),
    "callback_rejected": _("The callback was rejected: %(reason)s."),
    "gateway_mismatch": _("The gateway's %(field)s (%(found)s) does not match ours (%(expected)s)."),
    "delegate_not_found": _("There is no active employer or service-office account with the e-mail %(email)s."),
    "delegation_to_self": _("You cannot delegate to yourself."),
    "delegation_dates": _("The delegation must end on or after the day it starts."),
})

THOUSANDTH = Decimal("0.001")
MAX_TOTAL_OMR = Decimal("999999999.999")  # the amount columns: 12 digits, 3 of them decimals
STATUS_ORDER = {Payment.Status.CREATED: 0, Payment.Status.STARTED: 1, Payment.Status.SUBMITTED: 2}


class CallbackRejected(DomainError):
    status = 400


@dataclass(frozen=True)
class Line:
    code: str
    label_ar: str
    label_en: str
    amount: Decimal
    citation: str = ""


# --- Invoices --------------------------------------------------------------------------------------------


def invoice_create(*, establishment: Establishment, subject_type: str, subject_id: str, lines: Iterable[Line],
                   due_on: date, actor: User | None = None) -> Invoice:
    """Raise an invoice for a service; must be called inside the caller's transaction."""
    lines = list(lines)
    total = sum((line.amount for line in lines), Decimal("0.000")).quantize(THOUSANDTH)
    invoice = Invoice.objects.create(
        number=next_number("INV", timezone.localdate().year), establishment=establishment, subject_type=subject_type,
        subject_id=subject_id, total_omr=total, due_on=due_on,
    )
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, code=line.code, label_ar=line.label_ar, label_en=line.label_en,
                    amount_omr=line.amount.quantize(THOUSANDTH), citation=line.citation)
        for line in lines
    ])
    record(actor, "invoice.issued", invoice, after={"total_omr": total, "due_on": due_on},
           subject=f"{subject_type}:{subject_id}")
    outbox.emit("invoice.issued", key=f"invoice.issued:{invoice.number}", invoice=invoice.number,
                establishment=establishment.pk, total=str(total))
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, reason: str, actor: User | None = None) -> Invoice:
    """Cancel a due invoice. A payment still in flight that succeeds afterwards is refunded automatically."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DUE:
        return invoice
    invoice.status = Invoice.Status.CANCELLED
    invoice.save(update_fields=["status"])
    record(actor, "invoice.cancelled", invoice, before={"status": "due"}, after={"status": "cancelled"}, reason=reason)
    return invoice


def _mark_paid(invoice: Invoice, payment: Payment, actor: User | None, **data: Any) -> None:
    """The invoice is settled by this payment: record it and tell the service (one message per invoice)."""
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["status", "paid_at"])
    record(actor, "invoice.paid", invoice, before={"status": "due"}, after={"status": "paid"},
           method=payment.method, reference=payment.reference, amount=payment.amount_omr, **data)
    outbox.emit("invoice.paid", key=f"invoice.paid:{invoice.number}", invoice=invoice.number,
                subject_type=invoice.subject_type, subject_id=invoice.subject_id)


@transaction.atomic
def invoice_record_payment(*, actor: User, invoice: Invoice, amount: Decimal, method: str, reference: str) -> Payment:
    """Record a payment received for an invoice (at a counter or by bank transfer, by ministry staff).

    The invoice is locked while the payment is recorded, so paying twice records one payment.
    """
    if actor.role not in {Role.OFFICER, Role.ADMIN}:
        raise PermissionDenied()
    reference = clean_text(reference, "reference", Payment._meta.get_field("reference").max_length or 80, required=True)
    if method not in Payment.Method.values:
        raise DomainError("unknown_code", field="method", params={"value": method, "list": "payment method"})
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DUE:
        raise DomainError("invoice_not_due", field="invoice",
                          params={"number": invoice.number, "status": invoice.get_status_display()})
    amount = clean_omr(amount, "amount", maximum=MAX_TOTAL_OMR)
    if amount != invoice.total_omr:
        raise DomainError("amount_mismatch", field="amount", params={"paid": amount, "due": invoice.total_omr})
    try:
        with transaction.atomic():
            payment = Payment.objects.create(invoice=invoice, amount_omr=amount, method=method, reference=reference,
                                             recorded_by=actor, currency=invoice.currency, succeeded_at=timezone.now())
    except IntegrityError:
        raise DomainError("payment_reference_used", field="reference", params={"reference": reference}) from None
    _mark_paid(invoice, payment, actor)
    return payment


# --- Online payment: start, return, poll ---------------------------------------------------------------


def callback_url() -> str:
    return settings.PAYMENT_CALLBACK_URL or f"{settings.SITE_URL.rstrip('/')}/api/v1/payments/callback"


def _set_status(payment: Payment, status: str, actor: User | None, *, source: str, failure_code: str = "",
                **data: Any) -> None:
    before = payment.status
    payment.status = status
    payment.failure_code = failure_code
    payment.updated_at = timezone.now()
    payment.save(update_fields=["status", "failure_code", "updated_at"])
    record(actor, f"payment.{status}", payment, before={"status": before}, after={"status": status},
           invoice=payment.invoice.number, source=source, failure_code=failure_code, **data)


def payment_start(*, actor: User, invoice: Invoice, return_url: str, gateway: Gateway | None = None) -> Payment:
    """Open a checkout at the gateway for the amount due; the payer is then sent to ``payment.next_url``.

    Three steps: record the attempt (committed, so it is never lost), ask the gateway for a session (outside any
    transaction), record the session. ``return_url`` may contain ``{reference}``.
    """
    gateway = gateway or get_gateway()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        delegation = authorize_payment(actor, invoice)
        if invoice.status != Invoice.Status.DUE:
            raise DomainError("invoice_not_due", field="invoice",
                              params={"number": invoice.number, "status": invoice.get_status_display()})
        if invoice.payments.filter(status=Payment.Status.SUBMITTED).exists():
            raise DomainError("payment_awaiting_confirmation", field="invoice", params={"number": invoice.number})
        payment = Payment.objects.create(
            invoice=invoice, amount_omr=invoice.total_omr, currency=invoice.currency, method=Payment.Method.CARD,
            reference=next_number("PAY", timezone.localdate().year), status=Payment.Status.CREATED, recorded_by=actor,
            delegation=delegation, provider=gateway.name,
        )
        record(actor, "payment.created", payment, after={"status": "created", "amount": payment.amount_omr},
               invoice=invoice.number, delegation=delegation.pk if delegation else None)
    try:
        checkout = gateway.create_checkout(
            amount=payment.amount_omr, currency=payment.currency, reference=payment.reference,
            description=f"{invoice.number} — {invoice.establishment.name_en or invoice.establishment.name_ar}",
            return_url=return_url.replace("{reference}", payment.reference), callback_url=callback_url(),
            expires_in=settings.PAYMENT_CHECKOUT_EXPIRES_SECONDS,
        )
    except GatewayUnavailable as error:
        with transaction.atomic():
            _set_status(payment, Payment.Status.ERROR, actor, source="start", failure_code="gateway_unavailable",
                        detail=str(error)[:200])
        raise DomainError("gateway_unavailable", field="invoice") from None
    except GatewayRefused as error:
        with transaction.atomic():
            _set_status(payment, Payment.Status.ERROR, actor, source="start", failure_code=error.code[:40])
        raise DomainError("payment_not_started", field="invoice", params={"reason": error.code}) from None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("invoice").get(pk=payment.pk)
        if payment.status == Payment.Status.CREATED:
            payment.provider_id, payment.next_url, payment.expires_at = (checkout.provider_id, checkout.next_url,
                                                                         checkout.expires_at)
            payment.save(update_fields=["provider_id", "next_url", "expires_at"])
            _set_status(payment, Payment.Status.STARTED, actor, source="start", provider_id=checkout.provider_id)
            reference = payment.reference
            transaction.on_commit(lambda: _schedule_check(reference))
    return payment


def _schedule_check(reference: str, attempt: int = 1) -> None:
    from manpower.payments.tasks import schedule_payment_check

    schedule_payment_check(reference, attempt)


def _verify_state(payment: Payment, state: PaymentState) -> None:
    for field, expected, found in (("payment id", payment.provider_id, state.provider_id),
                                   ("reference", payment.reference, state.reference or payment.reference),
                                   ("amount", payment.amount_omr, state.amount.quantize(THOUSANDTH)),
                                   ("currency", payment.currency, state.currency)):
        if expected != found:
            raise DomainError("gateway_mismatch", field=field.replace(" ", "_"),
                              params={"field": field, "expected": expected, "found": found})


def _apply_payment_state(payment_id: int, state: PaymentState, *, source: str, actor: User | None = None) -> bool:
    """Bring our payment to what the gateway says; inside the caller's transaction. Returns whether it changed.

    Success is final. A success for an invoice that is no longer due (paid another way, cancelled, refunded) is
    recorded as a surplus and refunded in full, automatically.
    """
    invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=payment_id)
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)  # invoice first, as every path does
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    payment.invoice = invoice
    _verify_state(payment, state)
    status = state.status
    if status == payment.status or payment.status == Payment.Status.SUCCESS or status not in Payment.Status.values:
        return False
    if status in STATUS_ORDER:
        if payment.status not in STATUS_ORDER or STATUS_ORDER[status] <= STATUS_ORDER[payment.status]:  # type: ignore[index]
            return False
        _set_status(payment, status, actor, source=source)
        return True
    if status != Payment.Status.SUCCESS:
        if payment.status in Payment.FINAL:
            return False
        _set_status(payment, status, actor, source=source, failure_code=state.failure_code[:40])
        return True
    # Money was taken; it counts even if we had given up on the payment (the gateway's word wins).
    payment.succeeded_at = state.succeeded_at or timezone.now()
    payment.is_surplus = invoice.status != Invoice.Status.DUE
    payment.save(update_fields=["succeeded_at", "is_surplus"])
    _set_status(payment, Payment.Status.SUCCESS, actor, source=source, surplus=payment.is_surplus)
    if not payment.is_surplus:
        _mark_paid(invoice, payment, actor, source=source)
        if payment.delegation_id:
            outbox.emit("payment.by_delegate", key=f"payment.by_delegate:{payment.reference}", payment=payment.reference)
    else:
        reason = Refund.Reason.DUPLICATE_PAYMENT if invoice.status == Invoice.Status.PAID else Refund.Reason.NOTHING_DUE
        _refund_create(payment, amount=payment.amount_omr, reason_code=reason, automatic=True, actor=None,
                       reason=f"invoice {invoice.number} was {invoice.status} when this payment arrived")
    return True


def _record_mismatch(payment: Payment, error: DomainError, source: str) -> None:
    with transaction.atomic():
        record(None, "payment.gateway_mismatch", payment, source=source, **error.params)
    log.warning("payments.gateway_mismatch", payment=payment.reference, source=source, **error.params)


def payment_refresh(*, payment: Payment, gateway: Gateway | None = None) -> Payment:
    """Ask the gateway where an online payment stands and record it (polling; also on the payer's return).

    Raises GatewayUnavailable when the gateway does not answer; the caller tries again later.
    """
    if payment.method != Payment.Method.CARD:
        return payment
    if not payment.provider_id:
        # The gateway never gave us a session (we failed between recording the attempt and asking): nothing to pay.
        if payment.status == Payment.Status.CREATED and payment.recorded_at < timezone.now() - timedelta(minutes=10):
            with transaction.atomic():
                locked = Payment.objects.select_for_update().select_related("invoice").get(pk=payment.pk)
                if locked.status == Payment.Status.CREATED:
                    _set_status(locked, Payment.Status.ERROR, None, source="poll", failure_code="not_started")
        return Payment.objects.select_related("invoice").get(pk=payment.pk)
    gateway = gateway or get_gateway(payment.provider)
    state = gateway.get_status(payment.provider_id)
    Payment.objects.filter(pk=payment.pk).update(checks=payment.checks + 1)
    try:
        with transaction.atomic():
            _apply_payment_state(payment.pk, state, source="poll")
    except DomainError as error:
        _record_mismatch(payment, error, "poll")
    return Payment.objects.select_related("invoice").get(pk=payment.pk)


def payment_returned(*, payment: Payment, gateway: Gateway | None = None) -> Payment:
    """The payer is back from the gateway's page: ask where the payment stands; if the gateway cannot say yet,
    show it as awaiting confirmation (never as unpaid) until the callback or polling settles it."""
    try:
        return payment_refresh(payment=payment, gateway=gateway)
    except GatewayUnavailable:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().select_related("invoice").get(pk=payment.pk)
            if locked.status == Payment.Status.STARTED:
                _set_status(locked, Payment.Status.SUBMITTED, None, source="return")
        return Payment.objects.select_related("invoice").get(pk=payment.pk)


def payments_check_in_flight(*, older_than: timedelta = timedelta(seconds=0), gateway: Gateway | None = None,
                             limit: int = 1000) -> dict[str, int]:
    """Poll every online payment and refund still in flight (the catch-all behind callbacks and per-payment checks)."""
    cutoff = timezone.now() - older_than
    counts = {"checked": 0, "settled": 0, "unavailable": 0}
    payments = Payment.objects.filter(method=Payment.Method.CARD, status__in=Payment.IN_FLIGHT,
                                      updated_at__lte=cutoff).order_by("id")[:limit]
    for payment in payments:
        counts["checked"] += 1
        try:
            if payment_refresh(payment=payment, gateway=gateway).status in Payment.FINAL:
                counts["settled"] += 1
        except GatewayUnavailable:
            counts["unavailable"] += 1
    for refund in Refund.objects.filter(status=Refund.Status.SUBMITTED, payment__method=Payment.Method.CARD,
                                        updated_at__lte=cutoff).select_related("payment")[:limit]:
        counts["checked"] += 1
        try:
            if refund_refresh(refund=refund, gateway=gateway).status != Refund.Status.SUBMITTED:
                counts["settled"] += 1
        except GatewayUnavailable:
            counts["unavailable"] += 1
    return counts


# --- Callbacks -------------------------------------------------------------------------------------------


def _reject_callback(*, provider: str, event_id: str, reason: str, body: bytes, remote_addr: str,
                     payment: Payment | None = None, refund: Refund | None = None) -> CallbackRejected:
    with transaction.atomic():
        notification = GatewayNotification.objects.create(
            provider=provider, event_id=event_id[:80], outcome=GatewayNotification.Outcome.REJECTED, reason=reason[:60],
            payment=payment, refund=refund, body=body[:20000].decode("utf-8", "replace"), remote_addr=remote_addr[:64])
        record(None, "payment.callback_rejected", notification, reason=reason, remote_addr=remote_addr,
               payment=payment.reference if payment else None)
    log.warning("payments.callback_rejected", provider=provider, reason=reason, remote_addr=remote_addr,
                event_id=event_id, payment=payment.reference if payment else None)
    return CallbackRejected("callback_rejected", params={"reason": reason})


def callback_receive(*, body: bytes, headers: Mapping[str, str], remote_addr: str = "",
                     gateway: Gateway | None = None) -> str:
    """Verify and apply a callback from the gateway; returns "applied" or "duplicate", raises CallbackRejected.

    The signature is checked over the raw body; then the payment it names must be ours with the same amount,
    currency and reference. The same news twice is recorded once.
    """
    gateway = gateway or get_gateway()
    try:
        notification = gateway.verify_callback(body, headers)
    except InvalidCallback as error:
        raise _reject_callback(provider=gateway.name, event_id="", reason=error.code, body=body,
                               remote_addr=remote_addr) from None
    payment = refund = None
    if notification.payment is not None:
        state = notification.payment
        payment = (Payment.objects.filter(provider=gateway.name, provider_id=state.provider_id).first()
                   or Payment.objects.filter(method=Payment.Method.CARD, reference=state.reference).first())
    elif notification.refund is not None:
        refund = (Refund.objects.filter(provider_id=notification.refund.provider_id).first()
                  or Refund.objects.filter(reference=notification.refund.reference).first())
    if payment is None and refund is None:
        raise _reject_callback(provider=gateway.name, event_id=notification.event_id, reason="unknown_payment",
                               body=body, remote_addr=remote_addr)
    try:
        with transaction.atomic():
            seen = GatewayNotification.objects.filter(provider=gateway.name, event_id=notification.event_id,
                                                      outcome=GatewayNotification.Outcome.APPLIED).exists()
            changed = False
            if not seen and payment is not None:
                changed = _apply_payment_state(payment.pk, notification.payment, source="callback")  # type: ignore[arg-type]
            elif not seen and refund is not None:
                changed = _apply_refund_state(refund.pk, notification.refund, source="callback")  # type: ignore[arg-type]
            outcome = GatewayNotification.Outcome.APPLIED if changed else GatewayNotification.Outcome.DUPLICATE
            GatewayNotification.objects.create(
                provider=gateway.name, event_id=notification.event_id, outcome=outcome,
                reason="" if changed else ("same_event" if seen else "already_known"), payment=payment, refund=refund,
                body=body[:20000].decode("utf-8", "replace"), remote_addr=remote_addr[:64])
    except IntegrityError:  # the same event, applied by a concurrent delivery a moment ago
        return GatewayNotification.Outcome.DUPLICATE
    except DomainError as error:
        raise _reject_callback(provider=gateway.name, event_id=notification.event_id,
                               reason=f"{error.field}_mismatch", body=body, remote_addr=remote_addr, payment=payment,
                               refund=refund) from None
    return outcome


# --- Refunds ---------------------------------------------------------------------------------------------


def _refunded_so_far(payment: Payment) -> Decimal:
    total = payment.refunds.exclude(status=Refund.Status.ERROR).aggregate(total=Sum("amount_omr"))["total"]
    return Decimal(total or 0).quantize(THOUSANDTH)


def _refund_create(payment: Payment, *, amount: Decimal, reason_code: str, automatic: bool, actor: User | None,
                   reason: str = "") -> Refund:
    """Record a refund and queue it for the gateway (inside the caller's transaction, payment locked)."""
    refund = Refund.objects.create(
        reference=next_number("RFD", timezone.localdate().year), payment=payment, amount_omr=amount.quantize(THOUSANDTH),
        reason_code=reason_code, reason=reason, is_automatic=automatic, requested_by=actor,
    )
    record(actor, "refund.submitted", refund, after={"status": "submitted", "amount": refund.amount_omr},
           payment=payment.reference, invoice=payment.invoice.number, reason_code=reason_code, reason=reason)
    if payment.method == Payment.Method.CARD and payment.provider_id:
        outbox.emit("payments.refund", key=f"payments.refund:{refund.reference}", refund=refund.reference)
    return refund


@transaction.atomic
def payment_refund(*, actor: User, payment: Payment, reason: str, amount: Decimal | None = None) -> Refund:
    """A finance officer refunds a successful payment, in full or in part, with a reason the payer sees."""
    authorize_finance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("refund_reason_required", field="reason")
    Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().select_related("invoice").get(pk=payment.pk)
    if payment.status != Payment.Status.SUCCESS:
        raise DomainError("payment_not_refundable", field="payment",
                          params={"reference": payment.reference, "status": payment.get_status_display()})
    left = payment.amount_omr - _refunded_so_far(payment)
    amount = Decimal(amount if amount is not None else left).quantize(THOUSANDTH)
    if amount <= 0 or amount > left:
        raise DomainError("refund_exceeds_payment", field="amount", params={"amount": amount, "left": left})
    return _refund_create(payment, amount=amount, reason_code=Refund.Reason.OFFICER, automatic=False, actor=actor,
                          reason=reason)


@transaction.atomic
def invoice_refund_undeliverable(*, invoice: Invoice, reason: str, actor: User | None = None) -> list[Refund]:
    """The service paid for cannot be delivered (e.g. the application is rejected after payment because a fact
    changed): refund what was paid, automatically, and mark the invoice refunded. Calling it again does nothing."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.PAID:
        return []
    refunds = []
    for payment in Payment.objects.select_for_update().filter(invoice=invoice, status=Payment.Status.SUCCESS,
                                                               is_surplus=False):
        payment.invoice = invoice
        left = payment.amount_omr - _refunded_so_far(payment)
        if left > 0 and not payment.refunds.filter(is_automatic=True).exists():
            refunds.append(_refund_create(payment, amount=left, reason_code=Refund.Reason.NOT_DELIVERED, automatic=True,
                                          actor=actor, reason=reason))
    invoice.status = Invoice.Status.REFUNDED
    invoice.save(update_fields=["status"])
    record(actor, "invoice.refunded", invoice, before={"status": "paid"}, after={"status": "refunded"}, reason=reason,
           refunds=[refund.reference for refund in refunds])
    outbox.emit("invoice.refunded", key=f"invoice.refunded:{invoice.number}", invoice=invoice.number,
                subject_type=invoice.subject_type, subject_id=invoice.subject_id)
    return refunds


def _set_refund_status(refund: Refund, status: str, actor: User | None, *, source: str, failure_code: str = "") -> None:
    before = refund.status
    refund.status = status
    refund.failure_code = failure_code
    refund.updated_at = timezone.now()
    refund.save(update_fields=["status", "failure_code", "updated_at", "succeeded_at", "provider_id"])
    record(actor, f"refund.{status}", refund, before={"status": before}, after={"status": status}, source=source,
           payment=refund.payment.reference, failure_code=failure_code)
    if status in {Refund.Status.SUCCESS, Refund.Status.ERROR}:
        outbox.emit(f"refund.{status}", key=f"refund.{status}:{refund.reference}", refund=refund.reference,
                    payment=refund.payment.reference, invoice=refund.payment.invoice.number)


def _apply_refund_state(refund_id: int, state: RefundState, *, source: str) -> bool:
    refund = Refund.objects.select_for_update().select_related("payment__invoice").get(pk=refund_id)
    if state.amount.quantize(THOUSANDTH) != refund.amount_omr or (state.reference and state.reference != refund.reference):
        raise DomainError("gateway_mismatch", field="amount",
                          params={"field": "refund", "expected": refund.amount_omr, "found": state.amount})
    if not refund.provider_id:
        refund.provider_id = state.provider_id
        refund.save(update_fields=["provider_id"])
    if refund.status != Refund.Status.SUBMITTED or state.status == Refund.Status.SUBMITTED:
        return False
    if state.status == Refund.Status.SUCCESS:
        refund.succeeded_at = state.succeeded_at or timezone.now()
        _set_refund_status(refund, Refund.Status.SUCCESS, None, source=source)
    else:
        _set_refund_status(refund, Refund.Status.ERROR, None, source=source, failure_code=state.failure_code or state.status)
    return True


def refund_send(*, reference: str, gateway: Gateway | None = None) -> Refund:
    """Hand a submitted refund to the gateway (outbox handler; the refund reference makes a resend harmless).

    GatewayUnavailable propagates so that the outbox tries again with back-off.
    """
    refund = Refund.objects.select_related("payment__invoice").get(reference=reference)
    if refund.status != Refund.Status.SUBMITTED:
        return refund
    gateway = gateway or get_gateway(refund.payment.provider)
    try:
        state = gateway.refund(provider_id=refund.payment.provider_id, amount=refund.amount_omr, reference=refund.reference)
    except GatewayRefused as error:
        with transaction.atomic():
            locked = Refund.objects.select_for_update().select_related("payment__invoice").get(pk=refund.pk)
            if locked.status == Refund.Status.SUBMITTED:
                _set_refund_status(locked, Refund.Status.ERROR, None, source="request", failure_code=error.code[:60])
        return Refund.objects.get(pk=refund.pk)
    with transaction.atomic():
        _apply_refund_state(refund.pk, state, source="request")
    refund = Refund.objects.select_related("payment__invoice").get(pk=refund.pk)
    if refund.status == Refund.Status.SUBMITTED:
        transaction.on_commit(lambda: _schedule_refund_check(reference))
    return refund


def _schedule_refund_check(reference: str) -> None:
    from manpower.payments.tasks import schedule_refund_check

    schedule_refund_check(reference)


def refund_refresh(*, refund: Refund, gateway: Gateway | None = None) -> Refund:
    """Ask the gateway where a refund stands (polling); a refund never handed over is handed over now."""
    if not refund.provider_id:
        return refund_send(reference=refund.reference, gateway=gateway)
    gateway = gateway or get_gateway(refund.payment.provider)
    state = gateway.refund_status(refund.provider_id)
    with transaction.atomic():
        _apply_refund_state(refund.pk, state, source="poll")
    return Refund.objects.select_related("payment__invoice").get(pk=refund.pk)


@transaction.atomic
def refund_complete_manually(*, actor: User, refund: Refund, reference: str) -> Refund:
    """The finance office paid back a counter or bank payment by transfer; record its reference."""
    authorize_finance(actor)
    refund = Refund.objects.select_for_update().select_related("payment__invoice").get(pk=refund.pk)
    if refund.payment.method == Payment.Method.CARD and refund.payment.provider_id:
        raise DomainError("refund_not_manual", params={"reference": refund.reference})
    if not (reference or "").strip():
        raise DomainError("required", field="reference")
    if refund.status != Refund.Status.SUBMITTED:
        return refund
    refund.provider_id = reference.strip()[:80]
    refund.succeeded_at = timezone.now()
    _set_refund_status(refund, Refund.Status.SUCCESS, actor, source="manual")
    return refund


# --- Delegation to a service office ----------------------------------------------------------------------


@transaction.atomic
def delegation_grant(*, actor: User, establishment: Establishment, delegate_email: str, valid_from: date,
                     valid_until: date) -> PaymentDelegation:
    """Let a service-office account pay this establishment's invoices for a named period."""
    authorize(actor, EstablishmentPermission.MANAGE_USERS, establishment)
    email = (delegate_email or "").strip().lower()
    delegate = User.objects.filter(email=email, is_active=True, role=Role.EMPLOYER).first()
    if delegate is None:
        raise DomainError("delegate_not_found", field="delegate_email", params={"email": email})
    if delegate.pk == actor.pk:
        raise DomainError("delegation_to_self", field="delegate_email")
    if valid_until < valid_from:
        raise DomainError("delegation_dates", field="valid_until")
    delegation = PaymentDelegation.objects.create(establishment=establishment, delegate=delegate, valid_from=valid_from,
                                                  valid_until=valid_until, granted_by=actor)
    record(actor, "delegation.granted", delegation, after={"delegate": delegate.email, "action": delegation.action,
                                                           "valid_from": valid_from, "valid_until": valid_until})
    outbox.emit("payments.delegation_granted", key=f"payments.delegation_granted:{delegation.pk}",
                delegation=delegation.pk)
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: User, delegation: PaymentDelegation) -> PaymentDelegation:
    delegation = PaymentDelegation.objects.select_for_update().get(pk=delegation.pk)
    authorize(actor, EstablishmentPermission.MANAGE_USERS, delegation.establishment)
    if delegation.revoked_at is not None:
        return delegation
    delegation.revoked_at, delegation.revoked_by = timezone.now(), actor
    delegation.save(update_fields=["revoked_at", "revoked_by"])
    record(actor, "delegation.revoked", delegation, before={"revoked": False}, after={"revoked": True})
    return delegation
