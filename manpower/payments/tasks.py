"""Background checks of online payments and refunds whose callback has not come; each is idempotent."""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.conf import settings
from django.utils import timezone
from django_tasks import task

from manpower.payments.gateway import GatewayUnavailable
from manpower.payments.models import Payment, Refund

log = structlog.get_logger("manpower.payments")
MAX_CHECKS = 12  # 30 s, 1 min, 2 min … about a day and a half in all; the daily reconciliation covers the rest


def _delay(attempt: int) -> timedelta:
    return timedelta(seconds=min(3600, settings.PAYMENT_POLL_SECONDS * 2 ** (attempt - 1)))


def schedule_payment_check(reference: str, attempt: int = 1) -> None:
    try:
        check_payment.using(run_after=timezone.now() + _delay(attempt)).enqueue(reference, attempt)
    except Exception:  # the daily sweep checks it anyway; queueing is only a shortcut
        log.warning("payments.check_enqueue_failed", payment=reference, exc_info=True)


def schedule_refund_check(reference: str, attempt: int = 1) -> None:
    try:
        check_refund.using(run_after=timezone.now() + _delay(attempt)).enqueue(reference, attempt)
    except Exception:
        log.warning("payments.check_enqueue_failed", refund=reference, exc_info=True)


@task()
def check_payment(reference: str, attempt: int = 1) -> str:
    from manpower.payments.services import payment_refresh

    payment = Payment.objects.select_related("invoice").filter(method=Payment.Method.CARD, reference=reference).first()
    if payment is None or not payment.is_in_flight:
        return "settled"
    try:
        payment = payment_refresh(payment=payment)
    except GatewayUnavailable:
        log.info("payments.check_gateway_unavailable", payment=reference, attempt=attempt)
    if payment.is_in_flight and attempt < MAX_CHECKS:
        schedule_payment_check(reference, attempt + 1)
    return payment.status


@task()
def check_refund(reference: str, attempt: int = 1) -> str:
    from manpower.payments.services import refund_refresh

    refund = Refund.objects.select_related("payment__invoice").filter(reference=reference).first()
    if refund is None or refund.status != Refund.Status.SUBMITTED:
        return "settled"
    try:
        refund = refund_refresh(refund=refund)
    except GatewayUnavailable:
        log.info("payments.check_gateway_unavailable", refund=reference, attempt=attempt)
    if refund.status == Refund.Status.SUBMITTED and attempt < MAX_CHECKS:
        schedule_refund_check(reference, attempt + 1)
    return refund.status
