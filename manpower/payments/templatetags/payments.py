"""``{% invoice_status "permits.application" number as s %}``: an invoice's state as the payer reads it, for pages
of other apps (e.g. the application page) — "paid — awaiting confirmation" while a payment is on its way."""

from __future__ import annotations

from typing import Any

from django import template

from manpower.core.errors import DomainError
from manpower.payments.access import authorize_payment
from manpower.payments.models import Invoice
from manpower.payments.selectors import INVOICE_STATES, invoice_state

register = template.Library()


@register.simple_tag(takes_context=True)
def invoice_status(context: dict[str, Any], subject_type: str, subject_id: str) -> dict[str, Any] | None:
    invoice = (Invoice.objects.filter(subject_type=subject_type, subject_id=subject_id).prefetch_related("payments")
               .order_by("-id").first())
    if invoice is None:
        return None
    state = invoice_state(invoice)
    may_pay = False
    user = context.get("user")
    if user is not None and user.is_authenticated and invoice.status == Invoice.Status.DUE:
        try:
            authorize_payment(user, invoice)
            may_pay = state != "awaiting_confirmation"
        except DomainError:
            pass
    return {"number": invoice.number, "state": state, "state_label": INVOICE_STATES[state], "may_pay": may_pay}
