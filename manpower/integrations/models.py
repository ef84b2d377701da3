"""Questions put to other authorities (the health ministry, …) and their answers, one row per question."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.registry.models import Person


class AuthorityRequest(models.Model):
    """A fact the platform asked an authority for: asked again until answered, never lost, never asked twice at once."""

    class Authority(models.TextChoices):
        HEALTH = "health", _("Ministry of Health")

    class Kind(models.TextChoices):
        MEDICAL_RESULT = "medical_result", _("medical examination result")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the answer")
        ANSWERED = "answered", _("answered")
        UNANSWERED = "unanswered", _("no answer in time")

    authority = models.CharField(max_length=16, choices=Authority.choices)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="authority_requests")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    correlation_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_outcome = models.CharField(max_length=200, blank=True,
                                    help_text="What the last attempt gave: not_yet, http_503, timeout, …")
    answer = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request to an authority")
        verbose_name_plural = _("requests to authorities")
        constraints = [
            models.UniqueConstraint(fields=["authority", "kind", "person"], condition=models.Q(status="pending"),
                                    name="one_pending_request_per_fact"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="authority_request_due")]

    def __str__(self) -> str:
        return f"{self.get_authority_display()}: {self.get_kind_display()} ({self.person_id}, {self.status})"
