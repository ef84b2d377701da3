"""The figures of ``manpower bench notify``: how it matches what arrives at the gateways to the events, and counts."""

from __future__ import annotations

import time

import pytest

from manpower.bench.notify import latencies, per_second, percentile, sandbox_time, smtp_reference, tally


def test_rates_percentiles_and_latencies_are_counted_as_the_report_says() -> None:
    assert per_second([10.0, 10.5, 11.0, 12.0]) == pytest.approx(1.5)  # 4 arrivals, 3 intervals, 2 s
    assert per_second([5.0]) is None and per_second([]) is None
    assert percentile([], 0.99) is None
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 51.0 and percentile(values, 0.99) == 99.0 and percentile([7.0], 0.99) == 7.0
    committed = {"A": 100.0, "B": 100.5, "C": 101.0}
    arrivals = [("B", 100.9), ("A", 100.2), ("A", 100.1), ("X", 100.0)]  # A twice: its first arrival counts
    assert sorted(latencies(committed, arrivals)) == pytest.approx([0.1, 0.4])  # C never came: left out


def test_missing_duplicate_and_unexpected_messages_are_told_apart() -> None:
    assert tally(["A", "B", "C"], ["A", "A", "A", "B", "Z"]) == {
        "expected": 3, "received": 2, "missing": 1, "duplicates": 2, "unexpected": 1}
    assert tally(["A"], ["A"]) == {"expected": 1, "received": 1, "missing": 0, "duplicates": 0, "unexpected": 0}


def test_the_bench_reads_the_reference_the_sender_puts_in_each_e_mail(settings) -> None:
    from django.core import mail

    from manpower.notifications.providers import EmailSender, Outgoing

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_RATE_PER_SECOND = 1000
    body = "X-Notification-Reference: Nnot-this-one\n\nThe text mentions a header."
    with EmailSender() as sender:
        sender.send(Outgoing(reference="N" + "7" * 31, to="someone@example.om", body=body, subject="Hello",
                             language="ar"))
    raw = mail.outbox[-1].message().as_bytes(linesep="\r\n")
    assert smtp_reference(raw) == "N" + "7" * 31
    assert smtp_reference(b"Subject: none\r\n\r\nX-Notification-Reference: Nbody") == ""


def test_the_sandbox_time_of_receipt_reads_back_as_the_same_instant() -> None:
    from manpower.sandbox.sms import _iso

    now = time.time()
    assert sandbox_time(str(_iso(now))) == pytest.approx(now, abs=1e-5)
