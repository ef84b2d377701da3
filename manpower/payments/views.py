"""Payment pages: the invoices and their status, paying online, the receipt, refunds, delegation to a service
office and, for finance officers, the daily reconciliation. Each view parses, calls a service or selector, renders."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manpower.core.errors import DomainError
from manpower.payments import selectors, services
from manpower.payments.access import authorize_payment, is_finance_officer
from manpower.payments.documents import receipt_pdf
from manpower.payments.forms import DelegationForm, RefundForm
from manpower.payments.gateway import GatewayUnavailable
from manpower.payments.models import Payment
from manpower.payments.reconciliation import reconcile
from manpower.registry.selectors import establishment_get, establishments_for


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def _may_pay(user: Any, invoice: Any) -> bool:
    try:
        authorize_payment(user, invoice)
    except DomainError:
        return False
    return True


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queryset = selectors.invoices_for(user)  # type: ignore[arg-type]
    status = request.GET.get("status", "")
    if status in {"due", "paid", "cancelled", "refunded"}:
        queryset = queryset.filter(status=status)
    may_pay: dict[int, bool] = {}  # by establishment: one check each, not one per invoice
    invoices = []
    for invoice in queryset.prefetch_related("payments", "lines").order_by("-id")[:200]:
        if invoice.establishment_id not in may_pay:
            may_pay[invoice.establishment_id] = _may_pay(user, invoice)
        invoices.append(selectors.invoice_view(invoice, with_payments=False)
                        | {"may_pay": may_pay[invoice.establishment_id]})
    return render(request, "payments/invoice_list.html", {
        "invoices": invoices, "status": status, "is_finance": is_finance_officer(user),  # type: ignore[arg-type]
        "manages": establishments_for(user, "manage_users").exists(),  # type: ignore[arg-type]
    })


@login_required
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        invoice = selectors.invoice_get(request.user, number)  # type: ignore[arg-type]
    except DomainError:
        raise Http404 from None
    view = selectors.invoice_view(invoice)
    response = render(request, "payments/invoice_detail.html", {
        "invoice": view, "may_pay": _may_pay(request.user, invoice) and view["status"] == "due",
        "is_finance": is_finance_officer(request.user),  # type: ignore[arg-type]
    })
    if view["state"] in {"awaiting_confirmation", "in_progress"}:
        response["Refresh"] = "10"
    return response


@login_required
@require_POST
def invoice_pay(request: HttpRequest, number: str) -> HttpResponse:
    try:
        invoice = selectors.invoice_get(request.user, number)  # type: ignore[arg-type]
    except DomainError:
        raise Http404 from None
    return_url = request.build_absolute_uri(reverse("portal:payments")) + "{reference}/return/"
    try:
        payment = services.payment_start(actor=request.user, invoice=invoice, return_url=return_url)  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error.message(_lang()))
        return redirect("portal:invoice", number=invoice.number)
    return redirect(payment.next_url)


def _payment_or_404(request: HttpRequest, reference: str) -> Payment:
    try:
        return selectors.payment_get(request.user, reference)  # type: ignore[arg-type]
    except DomainError:
        raise Http404 from None


@login_required
def payment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _payment_or_404(request, reference)
    view = selectors.payment_view(payment)
    response = render(request, "payments/payment_detail.html", {
        "payment": view, "invoice": selectors.invoice_view(payment.invoice, with_payments=False),
        "is_finance": is_finance_officer(request.user),  # type: ignore[arg-type]
        "refund_form": RefundForm() if is_finance_officer(request.user) and payment.status == "success" else None,  # type: ignore[arg-type]
    })
    if payment.is_in_flight:
        response["Refresh"] = "5"
    return response


@login_required
def payment_return(request: HttpRequest, reference: str) -> HttpResponse:
    """The payer is back from the gateway's page."""
    payment = services.payment_returned(payment=_payment_or_404(request, reference))
    if payment.status == Payment.Status.SUCCESS:
        messages.success(request, _("Thank you: your payment is confirmed. Your receipt is below."))
    elif payment.is_in_flight:
        messages.info(request, _("Your payment is awaiting confirmation from the bank. You do not need to pay again: "
                                 "this page updates by itself."))
    else:
        messages.error(request, _("The payment was not completed and nothing was charged. You can try again."))
    return redirect("portal:payment", reference=payment.reference)


@login_required
@require_POST
def payment_refresh(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _payment_or_404(request, reference)
    try:
        services.payment_refresh(payment=payment)
    except GatewayUnavailable:
        messages.info(request, _("The payment service is not answering just now; we keep checking by ourselves."))
    return redirect("portal:payment", reference=payment.reference)


@login_required
def payment_receipt(request: HttpRequest, reference: str) -> FileResponse:
    payment = _payment_or_404(request, reference)
    if payment.status != Payment.Status.SUCCESS:
        raise Http404
    return FileResponse(io.BytesIO(receipt_pdf(payment)), content_type="application/pdf",
                        filename=f"receipt-{payment.reference}.pdf", as_attachment=False)


@login_required
@require_POST
def payment_refund(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _payment_or_404(request, reference)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the refund, and an amount with at most 3 decimals."))
        return redirect("portal:payment", reference=payment.reference)
    try:
        refund = services.payment_refund(actor=request.user, payment=payment, reason=form.cleaned_data["reason"],  # type: ignore[arg-type]
                                         amount=form.cleaned_data["amount"])
    except DomainError as error:
        messages.error(request, error.message(_lang()))
    else:
        messages.success(request, _("Refund %(reference)s submitted to the payment gateway.") % {
            "reference": refund.reference})
    return redirect("portal:payment", reference=payment.reference)


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    user = request.user
    managed = [(e.cr_number, f"{e.name} ({e.cr_number})") for e in establishments_for(user, "manage_users")]  # type: ignore[arg-type]
    today = timezone.localdate()
    form = DelegationForm(request.POST or None, establishments=managed,
                          initial={"valid_from": today, "valid_until": date(today.year, 12, 31)}) if managed else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            establishment = establishment_get(user, cr_number=form.cleaned_data["cr_number"],  # type: ignore[arg-type]
                                              permission="manage_users")
            services.delegation_grant(actor=user, establishment=establishment,  # type: ignore[arg-type]
                                      delegate_email=form.cleaned_data["delegate_email"],
                                      valid_from=form.cleaned_data["valid_from"],
                                      valid_until=form.cleaned_data["valid_until"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message(_lang()))
        else:
            messages.success(request, _("The service office can now pay this establishment's invoices. You will be "
                                        "told of every payment it makes."))
            return redirect("portal:payment_delegations")
    rows = list(selectors.delegations_for(user).order_by("-id"))  # type: ignore[arg-type]
    return render(request, "payments/delegations.html", {"form": form, "delegations": rows, "today": today})


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = selectors.delegations_for(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if delegation is None:
        raise Http404
    try:
        services.delegation_revoke(actor=request.user, delegation=delegation)  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error.message(_lang()))
    return redirect("portal:payment_delegations")


@login_required
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    if not is_finance_officer(request.user):  # type: ignore[arg-type]
        raise Http404
    reports = selectors.reconciliations_for(request.user).order_by("-day")[:90]  # type: ignore[arg-type]
    yesterday = timezone.localdate() - timedelta(days=1)
    return render(request, "payments/reconciliation_list.html", {"reports": reports, "yesterday": yesterday})


@login_required
def reconciliation_detail(request: HttpRequest, day: str) -> HttpResponse:
    if not is_finance_officer(request.user):  # type: ignore[arg-type]
        raise Http404
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    if request.method == "POST":
        try:
            reconcile(day=on, actor=request.user)  # type: ignore[arg-type]
        except GatewayUnavailable:
            messages.error(request, _("The payment gateway's settlement file could not be fetched; try again later."))
        return redirect("portal:reconciliation", day=on.isoformat())
    report = selectors.reconciliations_for(request.user).filter(day=on).first()  # type: ignore[arg-type]
    items = list(report.items.select_related("payment", "refund")) if report else []
    return render(request, "payments/reconciliation_detail.html", {"report": report, "items": items, "day": on})

