"""Outbox handlers of the payments app: what happens after a payment transaction has committed."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from manpower.core.models import OutboxMessage
from manpower.core.outbox import handles
from manpower.identity.models import EstablishmentPermission, Membership


@handles("payments.refund")
def send_refund(message: OutboxMessage) -> None:
    from manpower.payments.services import refund_send

    refund_send(reference=message.payload["refund"])


@handles("payment.by_delegate")
def tell_establishment_of_delegate_payment(message: OutboxMessage) -> None:
    """A service office paid for the establishment: tell the people who manage its payments."""
    from manpower.payments.models import Payment

    payment = Payment.objects.select_related("invoice__establishment", "delegation__delegate").get(
        reference=message.payload["payment"])
    establishment = payment.invoice.establishment
    delegate = payment.delegation.delegate  # type: ignore[union-attr]
    members = Membership.objects.filter(establishment=establishment).select_related("user")
    for member in members:
        if not member.user.is_active or not (member.allows(EstablishmentPermission.PAY)
                                             or member.allows(EstablishmentPermission.MANAGE_USERS)):
            continue
        with translation.override(member.user.preferred_language or "ar"):
            subject = _("Invoice %(invoice)s was paid for you by %(delegate)s") % {
                "invoice": payment.invoice.number, "delegate": delegate.full_name}
            body = _("%(delegate)s paid invoice %(invoice)s of %(establishment)s (%(amount)s %(currency)s, payment "
                     "%(reference)s) under the delegation you gave. If you did not expect this, revoke the delegation "
                     "in the portal and contact the ministry.") % {
                "delegate": delegate.full_name, "invoice": payment.invoice.number,
                "establishment": establishment.name_ar, "amount": payment.amount_omr, "currency": payment.currency,
                "reference": payment.reference}
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [member.user.email])


@handles("payments.reconciliation_reported")
def send_reconciliation_report(message: OutboxMessage) -> None:
    recipients = list(settings.PAYMENT_FINANCE_EMAILS)
    if not recipients:
        return
    payload = message.payload
    subject = f"Reconciliation {payload['day']}: {payload['status']}"
    body = "\n".join(f"{key}: {value}" for key, value in payload.items())
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
