"""`manpower bench submit`: work-permit applications submitted through the API, end to end, by real processes.

For each database (PostgreSQL, in a throwaway database ``manpower_bench_<pid>``; SQLite, in a temporary file) a
fresh installation is made with ``manpower setup --demo``, ``manpower serve --workers 2`` (granian, WSGI) is started
against it, and this process drives it with ``concurrency`` HTTP clients for ``seconds`` seconds. Each request is
``POST /api/v1/applications`` for the demo establishment with a distinct passport and ``Idempotency-Key``: mostly
clean new-permit rows (decided "await": the medical result is not in yet), some for a worker under age (decided
"reject"), a few with invalid fields (422). Every request therefore authenticates, validates, decides, persists
and writes its outbox messages.

Per database:

* ``requests_per_second``, ``p50_ms``, ``p99_ms``, ``errors``: ``concurrency`` clients (8: four requests in
  flight per web worker) authenticating as systems do, with an API token (``manpower api-token``);
* ``saturated``: the same with three times as many clients: the most the two workers give, and the queueing it costs;
* ``cpu_ms_per_request``: the CPU time the web workers, PostgreSQL and the load's own clients spent per request
  (Linux): on a machine whose cores the three share, their sum bounds the requests per second;
* ``auth_ms``: ``GET /api/v1/me`` one at a time, with the token, the portal session and HTTP Basic: what
  authenticating costs (Basic verifies an Argon2 password hash on every request, which is why systems use tokens);
* ``payment_to_permit_*``: with ``manpower worker`` running, a payment recorded for an approved application
  (``invoice_record_payment``, committed) until the application is "issued" (the worker delivered "invoice.paid");
* ``outbox_*``: the messages the load left for the worker, and how many per second the worker then delivers.

``errors`` counts unexpected answers (a status other than 201 for a valid row or 422 for an invalid one) and
failed requests. The worker does not run during the load (it would share the two cores with the web server);
the figures of the machine's load average before and after show whether something else was running.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from manpower.bench._processes import Service as _Service
from manpower.bench._processes import cpu_seconds_by_role, throwaway_database
from manpower.bench._processes import free_port as _free_port
from manpower.bench._processes import postgres_unavailable as _postgres_unavailable

DEMO_CR = "1234567"
EMPLOYER = "employer@demo.manpower.om"
OFFICER = "officer@demo.manpower.om"
WEB_WORKERS = 2
MANPOWER = [sys.executable, "-m", "manpower.cli"]
_SCRUBBED = ("DATABASE_URL", "MANPOWER_VAR_DIR", "MEDIA_ROOT", "PKI_DIR", "PKI_CA_CERT_FILE", "PKI_CA_KEY_FILE",
             "CREDENTIAL_SIGNING_KEY_FILE", "EMAIL_URL", "WEB_WORKERS", "WEB_THREADS", "PORT", "HOST", "DEBUG")

NATIONALITIES = ("IN", "BD", "PK", "NP", "PH", "LK", "EG")
OCCUPATIONS = ("7112", "9313", "7115", "8332", "7126", "7411")


# --- Processes -----------------------------------------------------------------------------------------


class _Installation:
    """A var directory and a database; the environment every process started for it gets."""

    def __init__(self, name: str, database_url: str, var_dir: Path):
        self.name, self.database_url, self.var_dir = name, database_url, var_dir
        self.services: list[_Service] = []

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        # Development profile (secrets generated into the var directory) without DEBUG, as in production.
        env.update({"DATABASE_URL": self.database_url, "MANPOWER_VAR_DIR": str(self.var_dir),
                    "MANPOWER_ENV": "development", "DEBUG": "0", "PYTHONUNBUFFERED": "1",
                    "DJANGO_SETTINGS_MODULE": "manpower.settings"})
        return env

    def manage(self, *args: str, timeout: float = 300) -> str:
        completed = subprocess.run([*MANPOWER, *args], env=self.env, capture_output=True, text=True, timeout=timeout,
                                   check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"manpower {' '.join(args)} failed: {completed.stderr[-2000:]}")
        return completed.stdout

    def start(self, name: str, *args: str) -> _Service:
        service = _Service([*MANPOWER, *args], self.env, self.var_dir / f"{name}.log").start()
        self.services.append(service)
        return service

    def stop_all(self) -> None:
        while self.services:
            self.services.pop().stop()

    def password(self, email: str) -> str:
        return str(json.loads((self.var_dir / "demo-accounts.json").read_text())[email])


def _wait_ready(url: str, service: _Service, timeout: float = 90.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.popen is None or service.popen.poll() is not None:
            raise RuntimeError(f"the server exited:\n{service.tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"the server was not ready in {timeout} s:\n{service.tail()}")


# --- PostgreSQL ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _database(name: str, root: Path) -> Iterator[_Installation]:
    var_dir = root / name
    var_dir.mkdir(parents=True)
    if name == "sqlite":
        yield _Installation(name, f"sqlite:///{var_dir / 'db.sqlite3'}", var_dir)
        return
    with throwaway_database(f"manpower_bench_{os.getpid()}") as url:
        yield _Installation(name, url, var_dir)


# --- Load ----------------------------------------------------------------------------------------------


def _row(index: int) -> tuple[dict[str, Any], int]:
    """The body of the index-th request and the status it must get: 90% clean, 7% under age, 3% invalid."""
    nationality = NATIONALITIES[index % len(NATIONALITIES)]
    row = {"cr_number": DEMO_CR, "type": "new_permit", "passport_number": f"B{index:08d}",
           "passport_country": nationality, "nationality": nationality, "name_latin": f"Worker {index}",
           "date_of_birth": f"{1975 + index % 25}-{1 + index % 12:02d}-{1 + index % 28:02d}", "sex": "MF"[index % 7 == 0],
           "passport_expires_on": "2032-06-30", "occupation": OCCUPATIONS[index % len(OCCUPATIONS)],
           "basic_wage": f"{150 + index % 250}.000"}
    kind = index % 100
    if kind < 3:
        row.update(passport_number="x!", occupation="12")
        return row, 422
    if kind < 10:
        row["date_of_birth"] = "2011-02-03"
    return row, 201


def _percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _session(url: str, email: str, password: str) -> dict[str, str]:
    """Sign in once through the portal; the API accepts the session cookie with the CSRF token in a header."""
    import httpx

    with httpx.Client(base_url=url, timeout=30) as client:
        client.get("/sign-in/").raise_for_status()
        response = client.post("/sign-in/", data={"username": email, "password": password,
                                                  "csrfmiddlewaretoken": client.cookies["csrftoken"]})
        if response.status_code != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"sign-in failed: {response.status_code}")
        return {"sessionid": client.cookies["sessionid"], "csrftoken": client.cookies["csrftoken"]}


Auth = tuple[str, str] | dict[str, str] | str
"""HTTP Basic (e-mail, password), a portal session (its cookies) or an API token."""


def _client(url: str, auth: Auth) -> Any:
    import httpx

    if isinstance(auth, str):
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {auth}"}, timeout=120)
    if isinstance(auth, tuple):
        return httpx.Client(base_url=url, auth=auth, timeout=120)
    return httpx.Client(base_url=url, cookies=auth, headers={"X-CSRFToken": auth["csrftoken"]}, timeout=120)


def _headers(auth: Auth) -> dict[str, str]:
    if isinstance(auth, str):
        return {"Authorization": f"Bearer {auth}"}
    if isinstance(auth, tuple):
        return {"Authorization": "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()}
    return {"Cookie": f"sessionid={auth['sessionid']}; csrftoken={auth['csrftoken']}", "X-CSRFToken": auth["csrftoken"]}


def _load(url: str, auth: Auth, counter: Iterator[int], seconds: float,
          concurrency: int) -> dict[str, Any]:
    """``concurrency`` clients, each sending its next request when the last one is answered.

    The clients use the standard library's ``http.client`` (one kept-alive connection each): the load shares the
    machine's two cores with the server, and a lighter client leaves more of them to what is measured.
    """
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    states: Counter[str] = Counter()
    errors: list[str] = []
    parsed = urlsplit(url)
    headers = {**_headers(auth), "Content-Type": "application/json", "Accept": "application/json"}
    start = time.perf_counter()
    deadline = start + seconds
    finished = [start]

    def client_loop() -> None:
        connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=120)
        try:
            while time.perf_counter() < deadline:
                index = next(counter)
                body, expected = _row(index)
                sent = time.perf_counter()
                text = ""
                try:
                    connection.request("POST", "/api/v1/applications", body=json.dumps(body),
                                       headers={**headers, "Idempotency-Key": f"bench-{index}"})
                    response = connection.getresponse()
                    status, text = response.status, response.read().decode()
                except (OSError, http.client.HTTPException) as error:
                    status = 0
                    errors.append(f"{type(error).__name__}: {error}"[:200])
                    connection.close()
                done = time.perf_counter()
                latencies.append(done - sent)
                finished.append(done)
                statuses[status] += 1
                if status == 201:
                    states[json.loads(text).get("state", "?")] += 1
                if status != expected and status != 0:
                    errors.append(f"row {index}: {status} {text[:200]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(finished) - start
    return {"requests_per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
            "errors": len(errors), "requests": len(latencies), "seconds": round(elapsed, 2),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "decided": dict(sorted(states.items())), "concurrency": concurrency, "workers": WEB_WORKERS,
            **({"first_errors": errors[:3]} if errors else {})}


def _auth_cost(url: str, auths: dict[str, Auth], count: int = 12) -> dict[str, float]:
    """`GET /api/v1/me` one request at a time: the same view, authenticated each way."""
    result = {}
    for name, auth in auths.items():
        with _client(url, auth) as client:
            client.get("/api/v1/me").raise_for_status()
            samples = []
            for _ in range(count):
                sent = time.perf_counter()
                client.get("/api/v1/me").raise_for_status()
                samples.append(time.perf_counter() - sent)
        result[f"{name}_p50"] = round(_percentile(samples, 0.5) * 1000, 1)
    return result


def _argon2_verify_ms() -> float | None:
    """One Argon2 verification with the project's hasher settings, in this process."""
    try:
        from django.contrib.auth.hashers import get_hasher

        hasher = get_hasher("argon2")
        encoded = hasher.encode("bench-password-1", hasher.salt())
        hasher.verify("bench-password-1", encoded)
        start = time.perf_counter()
        for _ in range(5):
            hasher.verify("bench-password-1", encoded)
        return round((time.perf_counter() - start) / 5 * 1000, 1)
    except Exception:  # Django not configured: the figure is only context
        return None


# --- Payment to permit ---------------------------------------------------------------------------------


def _probe_subprocess(installation: _Installation, count: int) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, "-m", "manpower.bench.submit", "--payment-probe", str(count)],
                               env=installation.env, capture_output=True, text=True, timeout=600, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"payment probe failed: {completed.stderr[-2000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def _worker_idle(timeout: float) -> float | None:
    """Wait until the worker has nothing due (no queued task, no pending message); the seconds it took."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from manpower.core.models import OutboxMessage

    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        queued = DBTaskResult.objects.filter(status="READY").exists()
        pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING,
                                               next_attempt_at__lte=timezone.now()).exists()
        if not queued and not pending:
            return time.perf_counter() - start
        time.sleep(0.05)
    return None


def payment_probe(count: int) -> dict[str, Any]:
    """Run inside a process set up against the installation, while `manpower worker` runs: ``count`` approved
    applications, then one payment at a time, each timed until its application is issued."""
    import random

    from manpower.identity.models import User
    from manpower.payments.models import Invoice
    from manpower.payments.services import invoice_record_payment
    from manpower.permits import services
    from manpower.permits.inputs import parse_application
    from manpower.permits.models import Application
    from manpower.registry.models import Establishment, Person

    employer = User.objects.get(email=EMPLOYER)
    officer = User.objects.get(email=OFFICER)
    establishment = Establishment.objects.get(cr_number=DEMO_CR)
    approved = []
    for index in range(count):
        row, _ = _row(90_000_000 + index * 100 + 50)  # a clean row outside the load's passports
        row.pop("cr_number")
        application = services.application_submit(actor=employer, establishment=establishment,
                                                  data=parse_application(row), idempotency_key=f"probe-{index}")
        Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
        services.application_redecide(application=application)
        application.refresh_from_db()
        if application.state != "approved":
            raise RuntimeError(f"{application.number} is {application.state}, not approved")
        approved.append(application)
    idle = _worker_idle(timeout=60)
    rng = random.Random(7)
    samples = []
    for application in approved:
        time.sleep(rng.uniform(0.05, 0.3))  # not in step with the worker's polling
        invoice = Invoice.objects.get(subject_id=application.number, status=Invoice.Status.DUE)
        invoice_record_payment(actor=officer, invoice=invoice, amount=invoice.total_omr, method="counter",
                               reference=f"BENCH-{application.number}")
        paid = time.perf_counter()  # committed, the "invoice.paid" message with it
        state = Application.objects.filter(pk=application.pk).values_list("state", flat=True)
        while state.first() != "issued":
            if time.perf_counter() - paid > 60:
                raise RuntimeError(f"{application.number} not issued 60 s after its payment")
            time.sleep(0.002)
        samples.append(time.perf_counter() - paid)
    return {"payment_to_permit_p50_ms": round(_percentile(samples, 0.5) * 1000, 1),
            "payment_to_permit_p99_ms": round(_percentile(samples, 0.99) * 1000, 1),
            "payment_to_permit_max_ms": round(max(samples) * 1000, 1), "payments": len(samples),
            "worker_caught_up_seconds": None if idle is None else round(idle, 2)}


def outbox_probe(seconds: float) -> dict[str, Any]:
    """Inside a process set up against the installation: messages pending, and delivered per second by the worker."""
    from manpower.core.models import OutboxMessage

    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    before = pending.count()
    deadline = time.perf_counter() + 30
    while pending.count() == before and before and time.perf_counter() < deadline:  # the worker is starting
        time.sleep(0.05)
    first, start = pending.count(), time.perf_counter()
    time.sleep(seconds)
    after = pending.count()
    return {"outbox_pending_after_load": before,
            "outbox_delivered_per_second": round((first - after) / (time.perf_counter() - start), 1)}


def _outbox_subprocess(installation: _Installation, seconds: float) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, "-m", "manpower.bench.submit", "--outbox-probe", str(seconds)],
                               env=installation.env, capture_output=True, text=True, timeout=300, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"outbox probe failed: {completed.stderr[-2000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


# --- One database --------------------------------------------------------------------------------------


def _measure(installation: _Installation, seconds: float, concurrency: int, payments: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    started = time.perf_counter()
    installation.manage("setup", "--demo", "--quiet")
    result["setup_seconds"] = round(time.perf_counter() - started, 1)
    token = installation.manage("api-token", EMPLOYER, "--name", "bench").strip().splitlines()[-1].strip()

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = installation.start("serve", "serve", "--port", str(port), "--workers", str(WEB_WORKERS))
    _wait_ready(url, server)
    basic = (EMPLOYER, installation.password(EMPLOYER))
    session = _session(url, EMPLOYER, basic[1])
    counter = itertools.count(1)

    # Warm both web workers (imports, connections, the rule book's and the code lists' caches).
    _load(url, token, counter, seconds=2.0, concurrency=concurrency)

    worker = installation.start("worker", "worker")
    try:
        result.update(_probe_subprocess(installation, payments))
    finally:
        worker.stop()
        installation.services.remove(worker)

    result["auth_ms"] = _auth_cost(url, {"token": token, "session": session, "basic": basic})
    before = cpu_seconds_by_role()
    result.update(_load(url, token, counter, seconds, concurrency))
    after = cpu_seconds_by_role()
    if before and after:  # PostgreSQL's figure includes anything else it served meanwhile (nothing, normally)
        result["cpu_ms_per_request"] = {role: round((after[role] - before[role]) / result["requests"] * 1000, 2)
                                        for role in after}
    result["saturated"] = {key: value for key, value in _load(url, token, counter, seconds / 2, concurrency * 3).items()
                           if key in {"requests_per_second", "p50_ms", "p99_ms", "errors", "concurrency"}}
    server.stop()
    installation.services.remove(server)

    worker = installation.start("worker", "worker")
    try:
        result.update(_outbox_subprocess(installation, seconds=8.0))
    finally:
        worker.stop()
        installation.services.remove(worker)
    return result


def run(seconds: float = 10.0, concurrency: int = 8, payments: int = 30,
        databases: tuple[str, ...] = ("postgresql", "sqlite")) -> dict[str, Any]:
    """Measure and return the figures as one JSON-ready dict; every process started is stopped, even on error."""
    result: dict[str, Any] = {"bench": "submit", "cpu_count": os.cpu_count(),
                              "load_average_before": round(os.getloadavg()[0], 2),
                              "argon2_verify_ms": _argon2_verify_ms()}
    root = Path(tempfile.mkdtemp(prefix="manpower-bench-submit-"))
    try:
        for name in databases:
            if name == "postgresql" and (reason := _postgres_unavailable()):
                result[name] = {"skipped": reason}
                continue
            installation: _Installation | None = None
            try:
                with _database(name, root) as installation:
                    try:
                        result[name] = _measure(installation, seconds, concurrency, payments)
                    finally:
                        installation.stop_all()
            except Exception as error:
                result[name] = {"failed": f"{type(error).__name__}: {error}"[:3000]}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    source: dict[str, Any] = next((result[name] for name in databases if "payment_to_permit_p99_ms" in result[name]), {})
    result["payment_to_permit_p50_ms"] = source.get("payment_to_permit_p50_ms")
    result["payment_to_permit_p99_ms"] = source.get("payment_to_permit_p99_ms")
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    return result


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manpower.settings")
    if len(sys.argv) == 3 and sys.argv[1] in {"--payment-probe", "--outbox-probe"}:
        django.setup()
        if sys.argv[1] == "--payment-probe":
            print(json.dumps(payment_probe(int(sys.argv[2]))))
        else:
            print(json.dumps(outbox_probe(float(sys.argv[2]))))
    else:
        django.setup()
        print(json.dumps(run()))
