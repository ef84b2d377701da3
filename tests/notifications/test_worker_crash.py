"""The worker killed (SIGKILL) while it sends: every message reaches its gateway, none twice; receipts come back
from the sandbox gateway to the real web server and are applied."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from tests.notifications.conftest import SmsSandbox, SmtpServer
from tests.processes import Installation, Process, Server, Worker, django_run, wait_for
from tests.reliability.conftest import installation, installation_template, processes  # noqa: F401

COUNT = 150

PREPARE = """
from django.db import transaction
from manpower.core import outbox
from manpower.identity.models import Role, User
from manpower.notifications.services import contact_mark_verified
for n in range(COUNT):
    user = User.objects.create_user(f"crash{n}@example.om", None, full_name=f"Crash {n}", role=Role.EMPLOYER,
                                    preferred_language="ar" if n % 2 else "en", phone=f"+9689{n + 4000100:07d}")
    contact_mark_verified(user=user, channel="sms", address=user.phone, evidence="test")
    contact_mark_verified(user=user, channel="email", address=user.email, evidence="test")
    with transaction.atomic():
        outbox.emit("identity.password_changed", key=f"identity.password_changed:crash:{n}", user_id=user.pk,
                    at="2026-12-03T08:00:00+00:00")
result = COUNT
"""

CHECK = """
from django.db.models import Count
from manpower.notifications.models import Message
result = {channel: dict(Message.objects.filter(channel=channel, event_key__contains=":crash:").values_list("status")
                        .annotate(n=Count("id")).values_list("status", "n")) for channel in ("email", "sms", "inapp")}
"""


def _ours_sms(messages: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """The installation's demo data sends its own few messages; count only this test's people."""
    return [m for m in messages if str(m["to"]).startswith("+96894000")]


def _ours_mail(messages: list) -> list:  # type: ignore[type-arg]
    return [m for m in messages if str(m["To"]).startswith("crash")]


def _age_claims(installation: Installation) -> None:  # noqa: F811
    """A claim is handed back after a minute (services.STALLED_AFTER); move the claims back rather than wait."""
    import sqlite3

    connection = sqlite3.connect(installation.sqlite_path, timeout=30)
    try:
        with connection:
            for table, column in (("notifications_message", "claimed_at"), ("core_outboxmessage", "next_attempt_at")):
                rows = connection.execute(f"SELECT id, {column} FROM {table} WHERE status = 'sending' "
                                          f"AND {column} IS NOT NULL").fetchall()
                for pk, value in rows:
                    earlier = datetime.fromisoformat(str(value)) - timedelta(minutes=10)
                    connection.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?",
                                       (earlier.isoformat(sep=" "), pk))
    finally:
        connection.close()


@pytest.mark.slow
def test_a_worker_killed_while_sending_loses_and_duplicates_no_message(installation: Installation,  # noqa: F811
                                                                       processes: list[Process], tmp_path):  # noqa: F811
    sms = SmsSandbox(tmp_path / "sms.sqlite3")
    sms.start()
    smtp = SmtpServer()
    smtp.start()
    try:
        server = Server(installation, workers=1)
        installation.extra_env.update({
            "SMS_GATEWAY_URL": sms.url, "SMS_GATEWAY_API_KEY": sms.key, "SMS_GATEWAY_SECRET": sms.secret,
            "EMAIL_URL": smtp.url, "NOTIFY_RECEIPT_BASE_URL": server.url, "NOTIFY_BATCH_SIZE": "10",
            "SMS_RATE_PER_SECOND": "150", "EMAIL_RATE_PER_SECOND": "150", "NOTIFY_QUIET_HOURS": "0-0",
            "NOTIFY_RETRY_SECONDS": "0.2", "LOG_LEVEL": "WARNING"})
        assert django_run(installation, PREPARE.replace("COUNT", str(COUNT))) == COUNT
        processes.append(server)
        server.start()

        worker = Worker(installation, interval=0.1)
        processes.append(worker)
        worker.start()
        wait_for(lambda: len(_ours_sms(sms.messages())) >= 15, timeout=60, interval=0.005, message="15 SMS sent")
        worker.kill()
        at_kill = len(_ours_sms(sms.messages()))
        assert at_kill < COUNT, "the worker finished before it was killed"

        _age_claims(installation)
        restarted = Worker(installation, interval=0.1)
        processes.append(restarted)
        restarted.start()
        wait_for(lambda: len(_ours_sms(sms.messages())) == COUNT
                 and len({m["Message-ID"] for m in _ours_mail(smtp.inbox.messages)}) == COUNT,
                 timeout=90, interval=0.2, message=f"all {COUNT} SMS and e-mails received")

        def settled() -> dict:  # type: ignore[type-arg]
            result = django_run(installation, CHECK)
            return result if result["sms"] == {"delivered": COUNT} else {}

        statuses = wait_for(settled, timeout=60, interval=0.5, message="every receipt applied")
        restarted.stop()
    finally:
        sms_messages = _ours_sms(sms.messages())
        sms.stop()
        smtp.stop()

    assert statuses == {"email": {"delivered": COUNT}, "sms": {"delivered": COUNT}, "inapp": {"delivered": COUNT}}
    phones = Counter(m["to"] for m in sms_messages)
    assert len(phones) == COUNT and set(phones.values()) == {1}, "one SMS per person, none twice"
    assert {m["status"] for m in sms_messages} == {"delivered"}
    copies = Counter(str(m["Message-ID"]) for m in _ours_mail(smtp.inbox.messages))
    assert len(copies) == COUNT
    # SMTP has no idempotency key: at most the one e-mail in flight at the kill may come twice, with the same
    # Message-ID (which mail clients use to drop the copy).
    assert sum(copies.values()) - COUNT <= 1, copies.most_common(3)
