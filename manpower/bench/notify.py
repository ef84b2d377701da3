"""``manpower bench notify``: notifications from the outbox to the gateways, by real processes.

A throwaway installation (SQLite in a temporary directory, the fresh-machine default; PostgreSQL too, in a
throwaway database, when a server answers on 127.0.0.1:5432 as user ``postgres``) with ``BURST`` accounts whose
e-mail address and mobile number are verified. The gateways are real: the sandbox SMS gateway (``manpower sandbox``
in its own process, with its own books) and an SMTP server on loopback (aiosmtpd, in a thread of this process,
which notes the time it takes each e-mail). The sender is real: ``manpower worker``, a new one for each burst.

1. ``throughput``: ``BURST`` ``identity.password_changed`` events (an SMS, an e-mail and an in-portal notice each)
   are committed to the outbox with ``outbox.emit``, each in its own transaction as the application writes them
   (each commit also queues a delivery task), while no worker runs; then the worker starts.
   ``messages_per_second`` counts the messages accepted by the gateways from the first to the last, for SMS, for
   e-mail and for both; ``drain_seconds`` runs from the worker's start to the last one; ``cpu_seconds`` is what
   each process used from the first message to the last.
2. ``sender_alone`` (SQLite only, measured first, with its own events): the same, but the outbox rows alone, with
   no queued task naming them: what the sender does without the task queue's share of the worker.
3. ``latency``: with the worker of 1 running and idle, ``TRICKLE`` events are committed at ``RATE`` a second. For
   each message, the time from its event's commit to its acceptance by the gateway (the sandbox's
   ``received_at``; the SMTP server's clock at the end of DATA): p50, p99 and the maximum.

Every phase checks that each expected message arrived once (``missing``, ``duplicates``; the sandbox also counts a
reference submitted again, which it does not send twice). The sandbox keeps delivery receipts to itself
(``receipts: drop``): no web server runs here, and receipts are the web server's work, not the sender's. The
machine's load average before and after tells whether something else was running.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from manpower.bench._processes import Service as _Service
from manpower.bench._processes import free_port as _free_port
from manpower.bench._processes import postgres_unavailable as _postgres_unavailable
from manpower.bench._processes import throwaway_database

BURST = 2000  # events in a throughput phase: BURST SMS and BURST e-mails (and as many accounts)
TRICKLE = 200  # events in the latency phase ...
RATE = 50.0  # ... committed at this many a second
TARGET_PER_SECOND = 500  # messages (SMS + e-mail) accepted by the gateways a second, in a burst
TARGET_P99_MS = 2000  # from an event's commit to its message's acceptance, in a steady trickle
TOPIC = "identity.password_changed"
SMS_KEY = "bench-key-of-the-sms-gateway"
SMS_SECRET = "bench-secret-signing-delivery-receipts"  # noqa: S105 - the throwaway sandbox's
MANPOWER = [sys.executable, "-m", "manpower.cli"]
_SCRUBBED = ("DATABASE_URL", "MANPOWER_VAR_DIR", "MEDIA_ROOT", "PKI_DIR", "PKI_CA_CERT_FILE", "PKI_CA_KEY_FILE",
             "CREDENTIAL_SIGNING_KEY_FILE", "EMAIL_URL", "PORT", "HOST", "DEBUG", "SMS_GATEWAY_URL",
             "SMS_GATEWAY_API_KEY", "SMS_GATEWAY_SECRET", "SMS_FALLBACK_GATEWAY_URL", "SMS_SANDBOX_DB",
             "PAYMENT_SANDBOX_DB", "NOTIFY_BATCH_SIZE", "NOTIFY_POLL_SECONDS", "SMS_RATE_PER_SECOND",
             "EMAIL_RATE_PER_SECOND", "NOTIFY_RECEIPT_BASE_URL", "NOTIFY_QUIET_HOURS")
_REFERENCE = re.compile(rb"^X-Notification-Reference:[ \t]*(\S+)", re.MULTILINE | re.IGNORECASE)


# --- Figures (pure; tested in tests/notifications/test_bench_figures.py) -------------------------------


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def per_second(times: Iterable[float]) -> float | None:
    """Arrivals a second from the first to the last (n arrivals make n - 1 intervals); None below two."""
    ordered = sorted(times)
    if len(ordered) < 2 or ordered[-1] <= ordered[0]:
        return None
    return (len(ordered) - 1) / (ordered[-1] - ordered[0])


def tally(expected: Iterable[str], received: Iterable[str]) -> dict[str, int]:
    """How many of the expected references arrived, how many did not, how many came more than once, and how many
    arrived that nobody expected."""
    wanted = set(expected)
    counts = Counter(received)
    return {"expected": len(wanted), "received": sum(1 for ref in wanted if counts[ref]),
            "missing": sum(1 for ref in wanted if not counts[ref]),
            "duplicates": sum(n - 1 for ref, n in counts.items() if ref in wanted and n > 1),
            "unexpected": sum(n for ref, n in counts.items() if ref not in wanted)}


def latencies(committed: dict[str, float], arrivals: Iterable[tuple[str, float]]) -> list[float]:
    """Seconds from each expected message's commit to its first arrival (messages that never came are left out)."""
    first: dict[str, float] = {}
    for reference, at in arrivals:
        if reference in committed and (reference not in first or at < first[reference]):
            first[reference] = at
    return [first[ref] - committed[ref] for ref in committed if ref in first]


def summary(values: list[float]) -> dict[str, float | None]:
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {"p50_ms": ms(percentile(values, 0.50)), "p99_ms": ms(percentile(values, 0.99)),
            "max_ms": ms(max(values) if values else None)}


def sandbox_time(value: str) -> float:
    """The sandbox's ``received_at`` (ISO 8601 with its offset) as a Unix time."""
    return datetime.fromisoformat(value).timestamp()


def smtp_reference(content: bytes) -> str:
    """The ``X-Notification-Reference`` header of an e-mail as received (headers only, not the text)."""
    match = _REFERENCE.search(content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    return match.group(1).decode("ascii", "replace") if match else ""


# --- The gateways ----------------------------------------------------------------------------------------


class _Inbox:
    """aiosmtpd handler: the time each e-mail was taken (end of DATA) and its notification reference."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.time()
        self.arrivals.append((smtp_reference(envelope.content), at))  # list.append is atomic
        return "250 OK"


class _Smtp:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = _free_port()
        self.inbox = _Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> _Smtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.controller.stop()


class _Sandbox:
    def __init__(self, env: dict[str, str], var: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/sms"
        self.client: Any = None
        self.service = _Service([*MANPOWER, "sandbox", "--port", str(self.port)],
                                {**env, "SMS_SANDBOX_DB": str(var / "sandbox-sms.sqlite3"),
                                 "PAYMENT_SANDBOX_DB": str(var / "sandbox-payments.sqlite3")}, var / "sandbox.log")

    def __enter__(self) -> _Sandbox:
        import httpx

        self.service.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.service.alive():
                raise RuntimeError(f"the sandbox exited:\n{self.service.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise TimeoutError(f"the sandbox did not start:\n{self.service.tail()}")
        # One client for every poll: a new one each time would load the CA bundle again (milliseconds of CPU).
        self.client = httpx.Client(timeout=30)
        self.client.post(f"{self.url}/admin/faults", json={"receipts": "drop"}).raise_for_status()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        self.service.stop()

    def stats(self) -> dict[str, Any]:
        return dict(self.client.get(f"{self.url}/admin/stats").json())

    def messages(self) -> list[dict[str, Any]]:
        return list(self.client.get(f"{self.url}/admin/messages").json())


# --- The installation ----------------------------------------------------------------------------------


def _env(database_url: str, var: Path, sandbox_url: str, smtp_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update({"DATABASE_URL": database_url, "MANPOWER_VAR_DIR": str(var), "MANPOWER_ENV": "development",
                "DEBUG": "0", "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "manpower.settings",
                "LOG_LEVEL": "WARNING", "SMS_GATEWAY_URL": sandbox_url, "SMS_GATEWAY_API_KEY": SMS_KEY,
                "SMS_GATEWAY_SECRET": SMS_SECRET, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                "NOTIFY_QUIET_HOURS": "0-0", "NOTIFY_RECEIPT_BASE_URL": "http://127.0.0.1:9"})
    return env


def _helper(env: dict[str, str], *args: str, timeout: float = 300) -> Any:
    """This module run against the installation (``python -m manpower.bench.notify …``); its last line, parsed."""
    completed = subprocess.run([sys.executable, "-m", "manpower.bench.notify", *args], env=env, capture_output=True,
                               text=True, timeout=timeout, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"notify {' '.join(args)} failed: {completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def _database(name: str, var: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{var / 'manpower.sqlite3'}"
        return
    with throwaway_database(f"manpower_bench_notify_{os.getpid()}") as url:
        yield url


# --- Measuring -----------------------------------------------------------------------------------------


def cpu_seconds(pid: int | None = None) -> float | None:
    """CPU time (user + system) a process has used so far: this one, or another by its id (Linux /proc)."""
    if pid is None:
        return time.process_time()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait(sandbox: _Sandbox, smtp: _Smtp, sms: int, mail: int, worker: _Service, timeout: float) -> dict[str, Any]:
    """Until the gateways hold ``sms`` and ``mail`` messages (or the time is up), then a moment for late copies;
    the CPU seconds each process used from the first message to the last."""
    pids = {"worker": worker.popen.pid if worker.popen else None,
            "sandbox": sandbox.service.popen.pid if sandbox.service.popen else None, "smtp_and_bench": None}
    first: dict[str, float | None] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not worker.alive():
            raise RuntimeError(f"the worker exited:\n{worker.tail()}")
        held = sandbox.stats()["messages"]
        if not first and (held or smtp.inbox.arrivals):
            first = {name: cpu_seconds(pid) for name, pid in pids.items()}
        if len(smtp.inbox.arrivals) >= mail and held >= sms:
            last = {name: cpu_seconds(pid) for name, pid in pids.items()}
            time.sleep(0.5)
            return {name: round(end - start, 2) for name, end in last.items()
                    if end is not None and (start := first.get(name)) is not None}
        time.sleep(0.1)
    return {}


def _phase(expected: list[list[Any]], sms_rows: list[dict[str, Any]], mail: list[tuple[str, float]], *,
           since: float | None = None, latency: bool = False) -> dict[str, Any]:
    """The figures of one phase: ``expected`` rows are [reference, channel, committed_at]; ``sms_rows`` is the
    sandbox's message list, ``mail`` the SMTP server's (reference, time) arrivals. Rates always; the time from commit
    to gateway only with ``latency`` (in a burst the events wait for the worker to start: not a latency)."""
    wanted = {channel: {ref: at for ref, ch, at in expected if ch == channel} for channel in ("sms", "email")}
    sms = [(row["reference"], sandbox_time(row["received_at"])) for row in sms_rows
           if row["reference"] in wanted["sms"]]
    email = [(ref, at) for ref, at in mail if ref in wanted["email"]]
    out: dict[str, Any] = {}
    for channel, arrivals in (("sms", sms), ("email", email)):
        rate = per_second(at for _, at in arrivals)
        out[channel] = {**tally(wanted[channel], [ref for ref, _ in arrivals]),
                        "messages_per_second": None if rate is None else round(rate, 1),
                        **(summary(latencies(wanted[channel], arrivals)) if latency else {})}
    out["sms"]["resubmitted"] = sum(row["submissions"] - 1 for row in sms_rows if row["reference"] in wanted["sms"])
    every = [at for _, at in sms + email]
    rate = per_second(every)
    out["messages_per_second"] = None if rate is None else round(rate, 1)
    out["messages"] = len(every)
    if every:
        out["first_to_last_seconds"] = round(max(every) - min(every), 2)
        if since is not None:
            out["drain_seconds"] = round(max(every) - since, 2)
    if latency:
        out.update(summary(latencies({**wanted["sms"], **wanted["email"]}, sms + email)))
    out["exactly_once"] = all(out[ch]["missing"] == 0 and out[ch]["duplicates"] == 0 for ch in ("sms", "email"))
    return out


def _burst(env: dict[str, str], var: Path, sandbox: _Sandbox, smtp: _Smtp, name: str, events: int,
           queue_tasks: bool) -> tuple[dict[str, Any], list[list[Any]], _Service]:
    """Events committed with no worker running, then a worker started: until every message is at its gateway.
    Returns the figures, the expected messages and the worker, still running."""
    held = sandbox.stats()["messages"], len(smtp.inbox.arrivals)
    started = time.perf_counter()
    emitted = _helper(env, "emit", name, str(events), "0", "tasks" if queue_tasks else "outbox-only")
    emit_seconds = round(time.perf_counter() - started, 1)
    worker = _Service([*MANPOWER, "worker"], env, var / "worker.log").start()
    worker_started = time.time()
    try:
        cpu = _wait(sandbox, smtp, held[0] + events, held[1] + events, worker, timeout=90)
        figures = _phase(emitted["messages"], sandbox.messages(), list(smtp.inbox.arrivals), since=worker_started)
    except BaseException:
        worker.stop()
        raise
    figures = {"events": events, "emit_seconds": emit_seconds, **figures, "cpu_seconds": cpu}
    if cpu.get("worker") and figures["messages"]:
        figures["worker_cpu_ms_per_message"] = round(cpu["worker"] * 1000 / figures["messages"], 2)
    return figures, emitted["messages"], worker


def _measure(name: str, root: Path, burst: int, trickle: int, rate: float, alone: bool) -> dict[str, Any]:
    var = root / name
    var.mkdir(parents=True)
    result: dict[str, Any] = {}
    expected: list[list[Any]] = []
    # The sandbox's own settings need only its keys; its books live in the bench's directory.
    with _database(name, var) as database_url, _Smtp() as smtp, \
            _Sandbox(_env(database_url, var, "", smtp.port), var) as sandbox:
        env = _env(database_url, var, sandbox.url, smtp.port)
        started = time.perf_counter()
        subprocess.run([*MANPOWER, "setup", "--quiet"], env=env, check=True, capture_output=True, timeout=300)
        result["setup_seconds"] = round(time.perf_counter() - started, 1)
        _helper(env, "prepare", str(max(burst, trickle, 1)))

        if alone:  # the sender alone: events in the outbox that no queued task names (the pump finds them)
            figures, rows, worker = _burst(env, var, sandbox, smtp, "alone", burst, queue_tasks=False)
            worker.stop()
            result["sender_alone"] = figures
            expected += rows

        # As the application writes events: each commit also queues a delivery task for the worker.
        figures, rows, worker = _burst(env, var, sandbox, smtp, "burst", burst, queue_tasks=True)
        result["throughput"] = figures
        expected += rows
        try:
            held = sandbox.stats()["messages"], len(smtp.inbox.arrivals)
            rows = _helper(env, "emit", "trickle", str(trickle), str(rate), "tasks")["messages"]
            _wait(sandbox, smtp, held[0] + trickle, held[1] + trickle, worker, timeout=60)
            result["latency"] = {"events": trickle, "events_per_second": rate,
                                 **_phase(rows, sandbox.messages(), list(smtp.inbox.arrivals), latency=True)}
            expected += rows
        finally:
            worker.stop()
        every = sandbox.messages()
        result["stored"] = _helper(env, "verify")
    result["exactly_once"] = {
        "sms": tally([r for r, ch, _ in expected if ch == "sms"], [row["reference"] for row in every]),
        "email": tally([r for r, ch, _ in expected if ch == "email"], [r for r, _ in smtp.inbox.arrivals]),
        "sms_resubmitted": sum(row["submissions"] - 1 for row in every)}
    return result


def run(burst: int = BURST, trickle: int = TRICKLE, rate: float = RATE,
        databases: tuple[str, ...] = ("sqlite", "postgresql")) -> dict[str, Any]:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    result: dict[str, Any] = {"bench": "notify", "cpu_count": os.cpu_count(),
                              "load_average_before": round(os.getloadavg()[0], 2)}
    root = Path(tempfile.mkdtemp(prefix="manpower-bench-notify-"))
    try:
        for name in databases:
            if name == "postgresql" and (reason := _postgres_unavailable()):
                result[name] = {"skipped": reason}
                continue
            try:
                # The sender alone on the default database only: the bench stays within two minutes.
                result[name] = _measure(name, root, burst, trickle, rate, alone=name == "sqlite")
            except Exception as error:
                result[name] = {"failed": f"{type(error).__name__}: {error}"[:3000]}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    headline = result.get("sqlite", {})
    if "throughput" in headline:
        result["messages_per_second"] = headline["throughput"]["messages_per_second"]
        result["sms_per_second"] = headline["throughput"]["sms"]["messages_per_second"]
        result["email_per_second"] = headline["throughput"]["email"]["messages_per_second"]
        result["sender_alone_messages_per_second"] = headline["sender_alone"]["messages_per_second"]
        result["event_to_gateway_p50_ms"] = headline["latency"]["p50_ms"]
        result["event_to_gateway_p99_ms"] = headline["latency"]["p99_ms"]
        result["exactly_once"] = all(v["missing"] == 0 and v["duplicates"] == 0
                                     for v in (headline["exactly_once"]["sms"], headline["exactly_once"]["email"]))
        result["targets_met"] = {
            f"messages_per_second>={TARGET_PER_SECOND}": (result["messages_per_second"] or 0) >= TARGET_PER_SECOND,
            f"p99_ms<={TARGET_P99_MS}": (result["event_to_gateway_p99_ms"] or float("inf")) <= TARGET_P99_MS}
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    return result


# --- Inside the installation (python -m manpower.bench.notify …) ------------------------------------------


def prepare(count: int) -> dict[str, int]:
    """``count`` accounts with a verified e-mail address and mobile number (no preference switched off)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from manpower.identity.models import Role, User
    from manpower.notifications.models import ContactPoint

    now = timezone.now()
    unusable = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create([
            User(email=f"bench{n}@example.om", full_name=f"Bench {n}", role=Role.EMPLOYER, password=unusable,
                 preferred_language="ar" if n % 2 else "en", phone=f"+9689{n + 5000000:07d}") for n in range(count)])
        users = list(User.objects.filter(email__startswith="bench", email__endswith="@example.om"))
        ContactPoint.objects.bulk_create([
            ContactPoint(user=user, channel=channel, address=address, verified_at=now, evidence="bench")
            for user in users for channel, address in (("email", user.email), ("sms", user.phone))])
    return {"accounts": len(users)}


def emit(prefix: str, count: int, rate: float, mode: str = "tasks") -> dict[str, Any]:
    """``count`` events, each committed in its own transaction (``rate`` a second, or as fast as possible for 0);
    the references of the SMS and e-mail each will make, with the time its event was committed. ``tasks``: with
    ``outbox.emit``, which also queues a delivery task after the commit; ``outbox-only``: the outbox row alone."""
    from django.db import transaction

    from manpower.core import outbox
    from manpower.core.models import OutboxMessage
    from manpower.identity.models import User
    from manpower.notifications.services import reference_for

    users = list(User.objects.filter(email__startswith="bench", email__endswith="@example.om").order_by("pk")
                 .values_list("pk", flat=True))
    rows: list[list[Any]] = []
    start = time.perf_counter()
    for n in range(count):
        if rate > 0:
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
        user_id = users[n % len(users)]
        key = f"{TOPIC}:bench-{prefix}:{n}"
        committed: list[float] = []
        with transaction.atomic():
            transaction.on_commit(functools.partial(_stamp, committed))  # first: before the task queue's own hook
            payload = {"user_id": user_id, "at": "2026-12-03T08:00:00+00:00"}
            if mode == "tasks":
                outbox.emit(TOPIC, key=key, **payload)
            else:
                OutboxMessage.objects.bulk_create([OutboxMessage(topic=TOPIC, key=key, payload=payload)])
        for channel in ("sms", "email"):
            rows.append([reference_for(key, f"user:{user_id}", channel), channel, committed[0]])
    return {"events": count, "seconds": round(time.perf_counter() - start, 2), "messages": rows}


def _stamp(into: list[float]) -> None:
    into.append(time.time())


def verify() -> dict[str, Any]:
    """What the database says: messages per channel and status, accepted by a gateway, events still pending."""
    from django.db.models import Count

    from manpower.core.models import OutboxMessage
    from manpower.notifications.models import Message

    ours = Message.objects.filter(event_key__contains=":bench-")
    statuses: dict[str, dict[str, int]] = {}
    for channel, status, n in ours.values_list("channel", "status").annotate(n=Count("id")).order_by():
        statuses.setdefault(channel, {})[status] = n
    return {"messages": statuses,
            "accepted": dict(ours.filter(accepted_at__isnull=False).values_list("channel").annotate(n=Count("id"))
                             .order_by().values_list("channel", "n")),
            "events_pending": OutboxMessage.objects.filter(topic=TOPIC).exclude(status="delivered").count()}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manpower.settings")
    import django

    django.setup()
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))
    elif command == "emit":
        print(json.dumps(emit(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])))
    elif command == "verify":
        print(json.dumps(verify()))
    else:
        print(json.dumps(run()))
