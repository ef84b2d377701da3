"""What the portal keeps of its own: application drafts, saved as the user goes through the steps."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.permits.models import ApplicationType
from manpower.registry.models import Establishment


class ApplicationDraft(models.Model):
    """An application being filled in: every step's answers as typed, kept until it is submitted or discarded.

    Drafts live in the database, not in the session, so that signing out, a session time-out or a deploy never
    loses what the user typed.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="application_drafts")
    establishment = models.ForeignKey(Establishment, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+")
    type = models.CharField(_("type"), max_length=14, choices=ApplicationType.choices,
                            default=ApplicationType.NEW_PERMIT)
    data = models.JSONField(default=dict, help_text="The answers as typed, by field name.")
    step = models.CharField(max_length=20, default="start", help_text="The last step the user saved.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_application = models.ForeignKey("permits.Application", null=True, blank=True, on_delete=models.SET_NULL,
                                              related_name="+")

    class Meta:
        indexes = [models.Index(fields=["user", "updated_at"], name="draft_by_user")]

    def __str__(self) -> str:
        return f"draft {self.public_id} of {self.user_id}"
