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


def test_messages_written_together_are_one_insert_at_the_end_and_each_gets_its_task(django_capture_on_commit_callbacks):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with CaptureQueriesContext(connection) as captured, outbox.written_together():
            outbox.emit("invoice.paid", key="together:1", invoice="INV-2026-0000001-1")
            outbox.emit("invoice.paid", key="together:2", invoice="INV-2026-0000002-1")
            outbox.emit("invoice.paid", key="together:1", invoice="INV-2026-0000001-1")  # the same key: once
            assert not OutboxMessage.objects.filter(key__startswith="together:").exists()
        inserts = [q for q in captured if q["sql"].startswith("INSERT")]
        assert len(inserts) == 1
    assert sorted(OutboxMessage.objects.filter(key__startswith="together:").values_list("key", flat=True)) == \
        ["together:1", "together:2"]
    assert DBTaskResult.objects.count() >= before + 2


def test_nothing_is_written_when_the_block_fails():
    with pytest.raises(RuntimeError), outbox.written_together():
        outbox.emit("invoice.paid", key="failed:1", invoice="INV-2026-0000001-1")
        raise RuntimeError("refused")
    assert not OutboxMessage.objects.filter(key="failed:1").exists()
