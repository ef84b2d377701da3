"""Events the notifications sender takes in batches queue no task each; every other event still does."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from manpower.core import outbox
from manpower.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_notification_only_event_is_left_to_the_sender_and_others_get_a_task(django_capture_on_commit_callbacks):
    assert "identity.password_changed" in outbox._SWEPT
    assert "invoice.paid" not in outbox._SWEPT  # the permits app acts on it too: it is delivered at once
    before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.emit("identity.password_changed", key="swept:1", user_id=1, at="2026-12-04T08:00:00+00:00")
    assert DBTaskResult.objects.count() == before
    with django_capture_on_commit_callbacks(execute=True):
        outbox.emit("invoice.paid", key="swept:2", invoice="INV-2026-0000001-1")
    assert DBTaskResult.objects.count() == before + 1
    assert OutboxMessage.objects.filter(key__in=["swept:1", "swept:2"], status="pending").count() == 2
