from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils import timezone


class UnicodeJSONEncoder(json.JSONEncoder):
    """JSON with Arabic as UTF-8 text rather than ``\\uXXXX`` escapes: a third of the bytes for bilingual texts
    (stored decisions carry every reason in both languages), and the same value read back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class OutboxMessage(models.Model):
    """Something to be sent outside (e-mail, SMS, an authority, a PDF to render), written in the same
    transaction as the state change that caused it and delivered afterwards, with retries."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed"

    topic = models.CharField(max_length=80, db_index=True)
    key = models.CharField(max_length=200, unique=True, help_text="Idempotency key: one message per key.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.status})"


class JobRun(models.Model):
    """The last day a daily job ran, so that a restarted worker neither skips nor repeats a day."""

    name = models.CharField(max_length=80, unique=True)
    last_run_on = models.DateField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.last_run_on})"


class Sequence(models.Model):
    """Gap-free counters for document numbers (applications, permits, invoices), one per name and year."""

    name = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="sequence_once_per_year")]

    def __str__(self) -> str:
        return f"{self.name}-{self.year}: {self.value}"

