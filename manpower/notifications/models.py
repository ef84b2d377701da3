"""Templates (ar/en per event and channel, versioned), messages with one status vocabulary, delivery
receipts, preferences, verified contact details and reminders scheduled from due dates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("text message (SMS)")
    INAPP = "inapp", _("in the portal")


class Template(models.Model):
    """What one event says on one channel in one language; placeholders are written ((name))."""

    event = models.CharField(_("event"), max_length=60)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2, choices=[("ar", "العربية"), ("en", "English")])
    subject = models.CharField(_("subject"), max_length=200, blank=True, help_text=_("E-mail and in-portal only."))
    body = models.TextField(_("text"))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        ordering = ["event", "channel", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [models.UniqueConstraint(fields=["event", "channel", "language"], name="template_once")]

    def __str__(self) -> str:
        return f"{self.event} · {self.channel} · {self.language} (v{self.version})"


class TemplateVersion(models.Model):
    """Every text a template has had, kept when it changes."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    source = models.CharField(max_length=20, default="admin", help_text="admin | seed")

    class Meta:
        ordering = ["template", "-version"]
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="template_version_once")]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"


class Message(models.Model):
    """One notification to one recipient on one channel. Its reference goes to the provider, which keeps one
    message per reference: a retry after a crash never sends it twice."""

    class Status(models.TextChoices):
        CREATED = "created", _("created")
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        TEMPORARY_FAILURE = "temporary-failure", _("temporary failure")
        PERMANENT_FAILURE = "permanent-failure", _("permanent failure")
        TECHNICAL_FAILURE = "technical-failure", _("technical failure")

    FINAL = (Status.DELIVERED, Status.TEMPORARY_FAILURE, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE)

    reference = models.CharField(max_length=40, unique=True)
    event_key = models.CharField(max_length=200, help_text="The outbox key of the event that caused it.")
    event = models.CharField(max_length=60, db_index=True)
    kind = models.CharField(max_length=20)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    language = models.CharField(max_length=2)
    recipient_key = models.CharField(max_length=80)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications")
    person_id = models.BigIntegerField(null=True, blank=True)
    to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    template_version = models.PositiveIntegerField(default=0)
    urgent = models.BooleanField(default=False)
    is_secret = models.BooleanField(default=False, help_text="Carries a one-time code: the text is erased once sent.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    provider = models.CharField(max_length=40, blank=True)
    provider_id = models.CharField(max_length=80, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    failure_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="When the provider took the message.")
    completed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["event_key", "recipient_key", "channel"], name="message_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_due"),
                   models.Index(fields=["user", "channel", "read_at"], name="message_inbox")]

    def __str__(self) -> str:
        return f"{self.reference} {self.event} {self.channel} ({self.status})"


class Receipt(models.Model):
    """A delivery receipt as the gateway sent it; applied once, even if it comes twice or before the send."""

    provider = models.CharField(max_length=40)
    receipt_id = models.CharField(max_length=80)
    reference = models.CharField(max_length=40, db_index=True)
    status = models.CharField(max_length=20)
    failure_code = models.CharField(max_length=60, blank=True)
    body = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "receipt_id"], name="receipt_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.receipt_id} {self.reference} {self.status}"


class Preference(models.Model):
    """Which channels a person wants for one kind of message (security and legal notices always go)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=20)
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: email={self.email} sms={self.sms}"


class ContactPoint(models.Model):
    """An e-mail address or mobile number of a user, used for notices only once proven with a code."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_points")
    channel = models.CharField(max_length=5, choices=[("email", _("e-mail")), ("sms", _("mobile phone"))])
    address = models.CharField(max_length=254)
    code_digest = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    evidence = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-verified_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "channel", "address"], name="contact_point_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel} {self.address} ({'verified' if self.verified_at else 'unverified'})"


class Reminder(models.Model):
    """A reminder before a due date kept in the database: moved when the date moves, cancelled when done."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped (a later reminder went instead)")
        CANCELLED = "cancelled", _("cancelled")

    event = models.CharField(max_length=60)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=60)
    due_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    remind_on = models.DateField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["remind_on", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "subject_type", "subject_id", "due_on", "days_before"],
                                               name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.event} {self.subject_id} {self.days_before}d before {self.due_on} ({self.status})"
