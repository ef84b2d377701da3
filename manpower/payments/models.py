from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.registry.models import Establishment


class Invoice(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("due")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")
        REFUNDED = "refunded", _("refunded: the service could not be delivered")

    number = models.CharField(max_length=20, unique=True)
    establishment = models.ForeignKey(Establishment, on_delete=models.PROTECT, related_name="invoices")
    subject_type = models.CharField(max_length=40, help_text="What the invoice is for, e.g. permits.application.")
    subject_id = models.CharField(max_length=40)
    currency = models.CharField(max_length=3, default="OMR")
    total_omr = models.DecimalField(max_digits=12, decimal_places=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE, db_index=True)
    issued_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], condition=models.Q(status="due"),
                                    name="one_due_invoice_per_subject"),
            models.CheckConstraint(condition=models.Q(total_omr__gte=0), name="invoice_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    code = models.CharField(max_length=60)
    label_ar = models.CharField(max_length=300)
    label_en = models.CharField(max_length=300)
    amount_omr = models.DecimalField(max_digits=12, decimal_places=3)
    citation = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.amount_omr}"


class PaymentDelegation(models.Model):
    """An establishment lets another account (a service office such as a Sanad centre) pay its invoices,
    for a named period; every payment made under it is notified to the establishment."""

    class Action(models.TextChoices):
        PAY = "pay", _("pay the establishment's invoices")

    establishment = models.ForeignKey(Establishment, on_delete=models.PROTECT, related_name="payment_delegations")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_delegations")
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.PAY)
    valid_from = models.DateField()
    valid_until = models.DateField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")),
                                   name="delegation_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.establishment} → {self.delegate} ({self.action})"

    def is_in_force(self, on: object) -> bool:
        return self.revoked_at is None and self.valid_from <= on <= self.valid_until  # type: ignore[operator]


class Payment(models.Model):
    """Money received, or being collected, for an invoice: at a counter, by bank transfer, or online through a
    payment gateway. Statuses follow the hosted-payment vocabulary; at most one success settles an invoice."""

    class Method(models.TextChoices):
        COUNTER = "counter", _("paid at a ministry or service-centre counter")
        BANK_TRANSFER = "bank_transfer", _("bank transfer")
        CARD = "card", _("card, online")

    class Status(models.TextChoices):
        CREATED = "created", _("created")
        STARTED = "started", _("started — the payer is on the payment page")
        SUBMITTED = "submitted", _("paid — awaiting confirmation")
        SUCCESS = "success", _("paid")
        FAILED = "failed", _("not paid")
        CANCELLED = "cancelled", _("cancelled")
        ERROR = "error", _("not paid — technical error")

    IN_FLIGHT = (Status.CREATED, Status.STARTED, Status.SUBMITTED)
    FINAL = (Status.SUCCESS, Status.FAILED, Status.CANCELLED, Status.ERROR)

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount_omr = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, default="OMR")
    method = models.CharField(max_length=16, choices=Method.choices)
    reference = models.CharField(max_length=80, help_text="Receipt or bank reference; ours for online payments.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUCCESS, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    help_text="The officer who recorded it, or the payer who started it online.")
    recorded_at = models.DateTimeField(default=timezone.now)
    delegation = models.ForeignKey(PaymentDelegation, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="payments", help_text="Set when a delegate paid for the establishment.")
    provider = models.CharField(max_length=20, blank=True, help_text="The payment gateway, for online payments.")
    provider_id = models.CharField(max_length=80, blank=True, help_text="The gateway's identifier of the payment.")
    next_url = models.URLField(max_length=500, blank=True, help_text="The gateway's hosted payment page.")
    failure_code = models.CharField(max_length=40, blank=True)
    is_surplus = models.BooleanField(default=False, help_text="Taken when nothing was due (a second payment, or "
                                                              "after the invoice ended); refunded automatically.")
    expires_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True, help_text="When the gateway took the money.")
    updated_at = models.DateTimeField(default=timezone.now)
    checks = models.PositiveIntegerField(default=0, help_text="How many times the gateway was asked for the status.")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "updated_at"], name="payment_in_flight")]
        constraints = [
            # Several attempts, one success settles the invoice; a surplus success is refunded.
            models.UniqueConstraint(fields=["invoice"], condition=models.Q(status="success", is_surplus=False),
                                    name="one_success_per_invoice"),
            models.UniqueConstraint(fields=["method", "reference"], name="payment_reference_once"),
            models.UniqueConstraint(fields=["provider", "provider_id"], condition=~models.Q(provider_id=""),
                                    name="gateway_payment_once"),
            models.CheckConstraint(condition=models.Q(amount_omr__gt=Decimal("0")), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount_omr} ({self.method})"

    @property
    def is_in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT


class Refund(models.Model):
    """Money given back for a payment, through the gateway's own refund flow (or by the finance office for
    counter and bank payments)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("refund submitted")
        SUCCESS = "success", _("refunded")
        ERROR = "error", _("refund failed — the finance office is dealing with it")

    class Reason(models.TextChoices):
        DUPLICATE_PAYMENT = "duplicate_payment", _("the invoice was already paid")
        NOTHING_DUE = "nothing_due", _("the invoice was no longer due when the payment arrived")
        NOT_DELIVERED = "not_delivered", _("the service paid for could not be delivered")
        OFFICER = "officer", _("refunded by a finance officer")

    reference = models.CharField(max_length=20, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_omr = models.DecimalField(max_digits=12, decimal_places=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    reason_code = models.CharField(max_length=20, choices=Reason.choices)
    reason = models.TextField(blank=True)
    is_automatic = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    provider_id = models.CharField(max_length=80, blank=True)
    failure_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_omr__gt=Decimal("0")), name="refund_positive"),
            models.UniqueConstraint(fields=["payment"], condition=models.Q(is_automatic=True),
                                    name="one_automatic_refund_per_payment"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class GatewayNotification(models.Model):
    """Every callback the gateway sent us, kept as received: applied once, duplicates and rejections noted."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("applied")
        DUPLICATE = "duplicate", _("duplicate, ignored")
        REJECTED = "rejected", _("rejected")

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=80, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=60, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], condition=models.Q(outcome="applied"),
                                    name="gateway_event_applied_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} ({self.outcome})"


class Reconciliation(models.Model):
    """One day's settlement file from the gateway, matched line by line against our payments and refunds."""

    class Status(models.TextChoices):
        CLEAN = "clean", _("clean: every line matches")
        DISCREPANCIES = "discrepancies", _("discrepancies to resolve")

    provider = models.CharField(max_length=20)
    day = models.DateField()
    status = models.CharField(max_length=14, choices=Status.choices)
    lines = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0, help_text="Payments confirmed by this reconciliation "
                                                                 "(their callback had been lost).")
    total_settled_omr = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    ran_at = models.DateTimeField(default=timezone.now)
    ran_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    runs = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["provider", "day"], name="reconciliation_once_per_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.day} ({self.status})"


class ReconciliationItem(models.Model):
    class Kind(models.TextChoices):
        UNMATCHED = "unmatched", _("in the settlement file, unknown to us")
        MISMATCHED = "mismatched", _("in both, but different")
        MISSING = "missing", _("paid with us, missing from the settlement file")

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    record_type = models.CharField(max_length=10, help_text="payment or refund")
    problem = models.CharField(max_length=40, help_text="e.g. amount, currency, status, unknown_reference")
    gateway_id = models.CharField(max_length=80, blank=True)
    reference = models.CharField(max_length=80, blank=True)
    expected = models.CharField(max_length=80, blank=True)
    found = models.CharField(max_length=80, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    line = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_type} {self.reference or self.gateway_id}"
