"""Disputes of entries in a worker's record, answered by the support desk, and recorded service outages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class Outage(models.Model):
    """A planned or unplanned interruption of a service, recorded by an administrator and shown publicly.

    The period is kept so that fines and statutory deadlines running during it can be suspended.
    """

    class Kind(models.TextChoices):
        PLANNED = "planned", _("planned maintenance")
        UNPLANNED = "unplanned", _("unplanned outage")

    class Service(models.TextChoices):
        PORTAL = "portal", _("the portal and the API")
        PAYMENTS = "payments", _("online payment")
        SIGNING = "signing", _("contract signing")
        AUTHORITIES = "authorities", _("checks with other authorities")
        NOTIFICATIONS = "notifications", _("messages by e-mail and SMS")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    service = models.CharField(_("service affected"), max_length=16, choices=Service.choices)
    title_ar = models.CharField(_("title in Arabic"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200)
    details_ar = models.TextField(_("details in Arabic"), blank=True)
    details_en = models.TextField(_("details in English"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True, help_text=_("Empty while it lasts."))
    suspends_deadlines = models.BooleanField(
        _("suspends deadlines and fines"), default=True,
        help_text=_("Statutory deadlines and fines that ran during the period are to be suspended for it."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                                              name="outage_ends_after_it_starts")]

    @property
    def title(self) -> str:
        return self.title_ar if translation.get_language() == "ar" and self.title_ar else self.title_en

    @property
    def details(self) -> str:
        return self.details_ar if translation.get_language() == "ar" and self.details_ar else self.details_en

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.ends_at is not None and self.starts_at is not None and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})

    def is_current(self, now: object | None = None) -> bool:
        moment = now or timezone.now()
        return self.starts_at <= moment and (self.ends_at is None or self.ends_at > moment)  # type: ignore[operator]

    def __str__(self) -> str:
        return f"{self.get_service_display()}: {self.title_en}"


class Dispute(models.Model):
    """A worker says an entry in their activity log is wrong; it is a ticket the support desk answers."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        ANSWERED = "answered", _("answered")

    class Finding(models.TextChoices):
        UPHELD = "upheld", _("upheld: the entry was wrong and is being corrected")
        NOT_UPHELD = "not_upheld", _("not upheld: the entry is correct")

    number = models.CharField(max_length=20, unique=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="disputes")
    event = models.ForeignKey("audit.AuditEvent", on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("what is wrong"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    finding = models.CharField(max_length=12, choices=Finding.choices, blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event"], condition=models.Q(state="open"),
                                               name="one_open_dispute_per_event")]

    def __str__(self) -> str:
        return self.number
