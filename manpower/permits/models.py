from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.core.models import UnicodeJSONEncoder
from manpower.registry.models import Establishment, JobTitle, Occupation, Person


class ApplicationType(models.TextChoices):
    NEW_PERMIT = "new_permit", _("new work permit")
    RENEWAL = "renewal", _("renewal")
    TRANSFER = "transfer", _("transfer to a new employer")
    CANCELLATION = "cancellation", _("cancellation")


class State(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    AWAITING_VERIFICATION = "awaiting_verification", _("awaiting verification")
    REFERRED = "referred", _("referred to an officer")
    APPROVED = "approved", _("approved — fee due")
    PAID = "paid", _("paid")
    ISSUED = "issued", _("issued")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    LAPSED = "lapsed", _("lapsed (fee not paid in time)")


OPEN_STATES = [State.SUBMITTED, State.AWAITING_VERIFICATION, State.REFERRED, State.APPROVED, State.PAID]


class Application(models.Model):
    number = models.CharField(max_length=20, unique=True)
    type = models.CharField(max_length=14, choices=ApplicationType.choices)
    state = models.CharField(max_length=24, choices=State.choices, default=State.SUBMITTED, db_index=True)
    establishment = models.ForeignKey(Establishment, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="applications")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="+")
    job_title = models.ForeignKey(JobTitle, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    basic_wage_omr = models.DecimalField(max_digits=10, decimal_places=3)
    permit = models.ForeignKey("Permit", null=True, blank=True, on_delete=models.PROTECT, related_name="applications",
                               help_text="The permit renewed, transferred or cancelled.")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)
    input = models.JSONField(default=dict, help_text="What the applicant submitted, as submitted.")
    worker_consent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["establishment", "state"], name="application_by_establishment"),
            models.Index(fields=["state", "state_changed_at"], name="application_queue"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "idempotency_key"], name="application_idempotency",
                                    condition=models.Q(idempotency_key__isnull=False)),
            # One open renewal, transfer or cancellation per permit at a time: two at once, one succeeds.
            models.UniqueConstraint(fields=["permit"], name="one_open_application_per_permit",
                                    condition=models.Q(permit__isnull=False, state__in=[s.value for s in OPEN_STATES])),
            # One open new-permit application per worker and establishment: the same worker sent twice at once.
            models.UniqueConstraint(fields=["person", "establishment"], name="one_open_new_permit_per_worker",
                                    condition=models.Q(type="new_permit", state__in=[s.value for s in OPEN_STATES])),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def latest_decision(self) -> Decision | None:
        return self.decisions.order_by("-seq").first()


class Decision(models.Model):
    """One evaluation of an application by the rules, or an officer's decision; never edited."""

    class Source(models.TextChoices):
        RULES = "rules", _("automatic, by the rules")
        OFFICER = "officer", _("officer")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    seq = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.RULES)
    outcome = models.CharField(max_length=8)
    evaluated_on = models.DateField()
    ruleset_version = models.CharField(max_length=80)
    facts = models.JSONField(default=dict, encoder=UnicodeJSONEncoder)
    result = models.JSONField(default=dict, encoder=UnicodeJSONEncoder,
                              help_text="The full decision: checks, messages, fees, trace.")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    second_officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="decision_seq")]

    def __str__(self) -> str:
        return f"{self.application} #{self.seq}: {self.outcome}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a decision is never edited; record a new one")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def checks(self) -> list[dict]:
        return list(self.result.get("checks", []))

    @property
    def not_passed(self) -> list[dict]:
        return [check for check in self.checks if check.get("status") != "passed"]


class OverrideRequest(models.Model):
    """An officer's approval against a failed check waits for a second officer (four eyes)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="override_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    overridden_checks = models.JSONField(default=list)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolution = models.CharField(max_length=10, blank=True, choices=[("confirmed", "confirmed"), ("declined", "declined")])
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=models.Q(resolution=""), name="one_pending_override"),
        ]

    def __str__(self) -> str:
        return f"override of {self.application}"


class Permit(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")
        CANCELLED = "cancelled", _("cancelled")
        TRANSFERRED = "transferred", _("transferred")

    number = models.CharField(max_length=20, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="permits")
    establishment = models.ForeignKey(Establishment, on_delete=models.PROTECT, related_name="permits")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    valid_from = models.DateField()
    valid_until = models.DateField()
    issued_by_application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    credential = models.TextField(help_text="Signed credential (JWS) carried by the QR code.")
    issued_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["establishment", "status", "valid_until"], name="permit_by_establishment")]
        constraints = [
            # An issued permit locks the worker: one active permit per person.
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="active"), name="one_active_permit_per_person"),
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")), name="permit_dates_in_order"),
        ]

    def __str__(self) -> str:
        return self.number
