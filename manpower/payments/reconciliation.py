"""Daily reconciliation: the gateway's settlement file for a day, matched line by line with our books.

Every line must match one of our successful payments or refunds with the same amount and currency
(``matched``); a line we do not know is ``unmatched``; a line that differs is ``mismatched``; and a payment or
refund that succeeded with us that day but is not in the file is ``missing``. A payment the file shows as
settled while we still wait for its callback is asked about first, so a lost callback is completed here.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from manpower.audit.services import record
from manpower.core import outbox
from manpower.core.errors import DomainError
from manpower.identity.models import User
from manpower.payments.access import authorize_finance
from manpower.payments.gateway import Gateway, GatewayUnavailable, SettlementLine, get_gateway
from manpower.payments.models import Payment, Reconciliation, ReconciliationItem, Refund
from manpower.payments.services import THOUSANDTH, payment_refresh, refund_refresh

Item = ReconciliationItem.Kind


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def _item(kind: str, line: SettlementLine | None, problem: str, *, record_type: str = "", expected: object = "",
          found: object = "", payment: Payment | None = None, refund: Refund | None = None) -> ReconciliationItem:
    return ReconciliationItem(
        kind=kind, record_type=record_type or (line.record_type if line else "payment"), problem=problem,
        gateway_id=(line.gateway_id if line else (payment.provider_id if payment else refund.provider_id if refund else "")),
        reference=(line.reference if line else (payment.reference if payment else refund.reference if refund else "")),
        expected=str(expected)[:80], found=str(found)[:80], payment=payment, refund=refund,
        line=dict(line.raw) if line else {},
    )


def _match_payment(line: SettlementLine, provider: str, gateway: Gateway) -> tuple[ReconciliationItem | None, Payment | None, bool]:
    payment = (Payment.objects.select_related("invoice").filter(provider=provider, provider_id=line.gateway_id).first()
               or Payment.objects.select_related("invoice").filter(provider=provider, reference=line.reference).first())
    if payment is None:
        return _item(Item.UNMATCHED, line, "unknown_payment", found=line.amount), None, False
    completed = False
    if payment.status != Payment.Status.SUCCESS:
        try:
            payment = payment_refresh(payment=payment, gateway=gateway)
            completed = payment.status == Payment.Status.SUCCESS
        except (GatewayUnavailable, DomainError):
            pass
    if payment.status != Payment.Status.SUCCESS:
        return _item(Item.MISMATCHED, line, "status", expected=payment.status, found="settled", payment=payment), payment, False
    if line.amount is None or line.amount.quantize(THOUSANDTH) != payment.amount_omr:
        return _item(Item.MISMATCHED, line, "amount", expected=payment.amount_omr, found=line.amount,
                     payment=payment), payment, completed
    if line.currency != payment.currency:
        return _item(Item.MISMATCHED, line, "currency", expected=payment.currency, found=line.currency,
                     payment=payment), payment, completed
    return None, payment, completed


def _match_refund(line: SettlementLine, provider: str, gateway: Gateway) -> tuple[ReconciliationItem | None, Refund | None]:
    refund = (Refund.objects.select_related("payment__invoice").filter(payment__provider=provider,
                                                                       provider_id=line.gateway_id).first()
              or Refund.objects.select_related("payment__invoice").filter(reference=line.reference).first())
    if refund is None:
        return _item(Item.UNMATCHED, line, "unknown_refund", found=line.amount), None
    if refund.status == Refund.Status.SUBMITTED:
        with contextlib.suppress(GatewayUnavailable, DomainError):
            refund = refund_refresh(refund=refund, gateway=gateway)
    if refund.status != Refund.Status.SUCCESS:
        return _item(Item.MISMATCHED, line, "status", expected=refund.status, found="settled", refund=refund), refund
    if line.amount is None or abs(line.amount).quantize(THOUSANDTH) != refund.amount_omr:
        return _item(Item.MISMATCHED, line, "amount", expected=-refund.amount_omr, found=line.amount, refund=refund), refund
    if line.currency != refund.payment.currency:
        return _item(Item.MISMATCHED, line, "currency", expected=refund.payment.currency, found=line.currency,
                     refund=refund), refund
    return None, refund


def reconcile(*, day: date, actor: User | None = None, gateway: Gateway | None = None) -> Reconciliation:
    """Fetch and match one day's settlement file; running it again replaces that day's report.

    Raises GatewayUnavailable when the file cannot be fetched (the daily job tries again).
    """
    if actor is not None:
        authorize_finance(actor)
    gateway = gateway or get_gateway()
    provider = gateway.name
    lines = gateway.settlement_file(day)  # outside any transaction
    items: list[ReconciliationItem] = []
    matched = completed = 0
    settled = Decimal("0")
    payment_ids: set[int] = set()
    refund_ids: set[int] = set()
    for line in lines:
        settled += line.amount or 0
        if line.record_type == "payment":
            item, payment, was_completed = _match_payment(line, provider, gateway)
            if payment is not None:
                payment_ids.add(payment.pk)
            completed += int(was_completed)
        elif line.record_type == "refund":
            item, refund = _match_refund(line, provider, gateway)
            if refund is not None:
                refund_ids.add(refund.pk)
        else:
            item = _item(Item.UNMATCHED, line, "unknown_record_type", found=line.record_type)
        if item is None:
            matched += 1
        else:
            items.append(item)
    start, end = _day_bounds(day)
    for payment in Payment.objects.filter(provider=provider, status=Payment.Status.SUCCESS, succeeded_at__gte=start,
                                          succeeded_at__lt=end).exclude(pk__in=payment_ids):
        items.append(_item(Item.MISSING, None, "not_in_file", record_type="payment", expected=payment.amount_omr,
                           payment=payment))
    for refund in Refund.objects.filter(payment__provider=provider, status=Refund.Status.SUCCESS, succeeded_at__gte=start,
                                        succeeded_at__lt=end).exclude(pk__in=refund_ids):
        items.append(_item(Item.MISSING, None, "not_in_file", record_type="refund", expected=-refund.amount_omr,
                           refund=refund))
    with transaction.atomic():
        report, created = Reconciliation.objects.select_for_update().get_or_create(
            provider=provider, day=day, defaults={"status": Reconciliation.Status.CLEAN})
        if not created:
            report.items.all().delete()
            report.runs += 1
        report.status = Reconciliation.Status.DISCREPANCIES if items else Reconciliation.Status.CLEAN
        report.lines, report.matched, report.completed = len(lines), matched, completed
        report.total_settled_omr = settled.quantize(THOUSANDTH)
        report.ran_at, report.ran_by = timezone.now(), actor
        report.save()
        for item in items:
            item.reconciliation = report
        ReconciliationItem.objects.bulk_create(items)
        counts = {kind: sum(1 for item in items if item.kind == kind) for kind in Item.values}
        record(actor, "reconciliation.run", report, after={"status": report.status, "lines": len(lines),
                                                           "matched": matched, "completed": completed, **counts},
               day=day)
        outbox.emit("payments.reconciliation_reported", key=f"payments.reconciliation:{provider}:{day}:{report.runs}",
                    reconciliation=report.pk, day=day.isoformat(), status=report.status, **counts)
    return report
