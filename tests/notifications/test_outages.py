"""Outages of the SMTP server and the SMS gateway: messages wait, are retried with back-off, and arrive once."""

from __future__ import annotations

import time

import pytest

from manpower.notifications.models import Message
from manpower.notifications.services import notify
from tests import factories as f
from tests.notifications.conftest import DEAD_END, SmsSandbox, run_worker, subject_of, verified

pytestmark = pytest.mark.slow


def _notices(count: int, language: str = "en") -> list[str]:
    users = [verified(f.user(), phone=f"+9689300{n:04d}", language=language) for n in range(2, count + 2)]
    for user in users:
        notify(topic="identity.password_changed", key=f"identity.password_changed:{user.pk}:outage",
               payload={"user_id": user.pk, "at": "2026-12-03T08:00:00Z"})
    return [user.email for user in users]


def _until_settled(timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while Message.objects.filter(status__in=["created"]).exclude(channel="inapp").exists():
        assert time.monotonic() < deadline, list(Message.objects.filter(status="created").values("to", "last_error"))
        run_worker()
        time.sleep(0.1)


def test_smtp_down_then_up_every_message_is_delivered_once(db, channels):
    smtp = channels["smtp"]
    smtp.stop()
    addresses = _notices(5)
    run_worker()
    waiting = Message.objects.filter(channel="email")
    assert {m.status for m in waiting} == {"created"}
    assert all(m.attempts == 1 and "Connection refused" in m.last_error for m in waiting)
    smtp.start()
    _until_settled()
    for address in addresses:
        received = smtp.inbox.to(address)
        assert [subject_of(m) for m in received] == ["Your password was changed"]
    assert set(Message.objects.filter(channel="email").values_list("status", flat=True)) == {"delivered"}


def test_sms_gateway_answering_500_is_retried_and_each_message_delivered_once(db, channels):
    sms = channels["sms"]
    _notices(4)  # first: making the accounts can take longer than the outage on a busy machine
    sms.admin("faults", fail_seconds=1.5, fail_status=500)
    run_worker()
    first = Message.objects.filter(channel="sms")
    assert {m.status for m in first} == {"created"} and all("HTTP 500" in m.last_error for m in first)
    _until_settled()
    received = sms.messages()
    assert len(received) == 4 and {m["submissions"] for m in received} == {1}
    assert all(m["body"].startswith("Ministry of Labour: your password was changed") for m in received)
    tries = Message.objects.filter(channel="sms").values_list("attempts", flat=True)
    assert min(tries) >= 2


def test_a_gateway_that_never_answers_ends_in_technical_failure(db, channels, settings):
    settings.SMS_GATEWAY_URL = DEAD_END
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_SECONDS = 0.05
    _notices(1)
    deadline = time.monotonic() + 10
    while Message.objects.filter(channel="sms", status="created").exists() and time.monotonic() < deadline:
        run_worker()
        time.sleep(0.1)
    message = Message.objects.get(channel="sms")
    assert (message.status, message.failure_code, message.attempts) == ("technical-failure", "provider_unavailable", 3)


def test_when_the_first_sms_provider_is_down_the_second_one_sends(db, channels, settings, tmp_path):
    second = SmsSandbox(tmp_path / "second.sqlite3", secret="second-secret", key="second-key")
    second.start()
    try:
        settings.SMS_GATEWAY_URL = DEAD_END
        settings.SMS_FALLBACK_GATEWAY_URL = second.url
        settings.SMS_FALLBACK_GATEWAY_API_KEY = "second-key"
        settings.SMS_FALLBACK_GATEWAY_SECRET = "second-secret"
        _notices(2, language="ar")
        run_worker()
        received = second.messages()
        assert len(received) == 2 and all(m["body"].startswith("وزارة العمل: تغيّرت كلمة مرور") for m in received)
        assert set(Message.objects.filter(channel="sms").values_list("provider", flat=True)) == {"fallback"}
    finally:
        second.stop()


def test_quiet_hours_hold_a_non_urgent_sms_until_the_morning(db, channels, settings):
    from datetime import datetime

    from django.utils import timezone

    from manpower.notifications.services import quiet_until

    settings.NOTIFY_QUIET_HOURS = "22-7"
    night = timezone.make_aware(datetime(2026, 12, 3, 23, 30))
    assert timezone.localtime(quiet_until(night)).strftime("%Y-%m-%d %H:%M") == "2026-12-04 07:00"
    assert quiet_until(timezone.make_aware(datetime(2026, 12, 3, 12, 0))) is None
    from tests.payments.conftest import make_invoice

    est = f.establishment()
    user = verified(f.user(establishments=[est]), phone="+96893100001", language="en")
    invoice = make_invoice(est)
    notify(topic="invoice.issued", key="invoice.issued:night", now=night, payload={"invoice": invoice.number})
    notify(topic="identity.password_changed", key="identity.password_changed:night", now=night,
           payload={"user_id": user.pk, "at": night.isoformat()})
    sms = {m.event: m for m in Message.objects.filter(channel="sms")}
    assert timezone.localtime(sms["account.password_changed"].next_attempt_at) == night  # urgent: at once
    held = timezone.localtime(sms["invoice.issued"].next_attempt_at)
    assert held.strftime("%Y-%m-%d %H:%M") == "2026-12-04 07:00"
    email = Message.objects.get(channel="email", event="invoice.issued")
    assert email.next_attempt_at == night  # e-mail is not held
