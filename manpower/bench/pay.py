"""``manpower bench pay``: the gateway's callback, from HTTP request to invoice paid and permit issue queued.

A throwaway installation (SQLite in a temporary directory) with invoices whose card payments are started;
the real web server (``manpower serve``) receives signed callbacks: first one after another (latency), then
100 at once for 100 different invoices, each sent twice (every one recorded once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SEQUENTIAL = 300
CONCURRENT = 100
MANPOWER = [sys.executable, "-m", "manpower.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _event(payment: dict[str, str], event_id: str) -> bytes:
    return json.dumps({"id": event_id, "type": "payment.updated", "created": None, "data": {
        "id": payment["provider_id"], "reference": payment["reference"], "amount": payment["amount"],
        "currency": "OMR", "status": "success", "succeeded_at": None}}).encode()


def _signature(secret: str, body: bytes) -> str:
    timestamp = int(time.time())
    return f"t={timestamp},v1={hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()}"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run() -> dict[str, Any]:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="manpower-bench-pay-") as tmp:
        var = Path(tmp)
        secret = secrets.token_urlsafe(32)
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MANPOWER_VAR_DIR", "PORT", "HOST"}}
        env.update({"DATABASE_URL": f"sqlite:///{var / 'manpower.sqlite3'}", "MANPOWER_VAR_DIR": str(var),
                    "MANPOWER_ENV": "development", "PAYMENT_GATEWAY_SECRET": secret,
                    "PAYMENT_GATEWAY_API_KEY": "bench", "LOG_LEVEL": "WARNING", "WEB_WORKERS": "2",
                    "EMAIL_URL": f"file://{var / 'mail'}"})
        subprocess.run([*MANPOWER, "setup", "--quiet"], env=env, check=True, capture_output=True)
        seeded = subprocess.run([sys.executable, "-m", "manpower.bench.pay", "seed", str(SEQUENTIAL + CONCURRENT)],
                                env=env, check=True, capture_output=True, text=True)
        payments = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = _free_port()
        server = subprocess.Popen([*MANPOWER, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}/api/v1/payments/callback"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            with httpx.Client(timeout=30) as client:
                for payment in payments[:5]:  # warm both workers up
                    body = _event(payment, f"warm-{payment['reference']}")
                    client.post(url, content=body, headers={"Gateway-Signature": _signature(secret, body),
                                                             "Content-Type": "application/json"})
                latencies = []
                for payment in payments[5:SEQUENTIAL]:
                    body = _event(payment, f"seq-{payment['reference']}")
                    started = time.perf_counter()
                    response = client.post(url, content=body, headers={"Gateway-Signature": _signature(secret, body),
                                                                        "Content-Type": "application/json"})
                    latencies.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"callback refused: {response.status_code} {response.text[:300]}")
            burst = payments[SEQUENTIAL:] * 2
            statuses: list[int] = []
            burst_ms: list[float] = []
            gate = threading.Barrier(len(burst))

            def send(index: int, payment: dict[str, str]) -> None:
                body = _event(payment, f"burst-{payment['reference']}-{index // CONCURRENT}")
                headers = {"Gateway-Signature": _signature(secret, body), "Content-Type": "application/json"}
                gate.wait()
                started = time.perf_counter()
                try:
                    statuses.append(httpx.post(url, content=body, headers=headers, timeout=60).status_code)
                except httpx.HTTPError:
                    statuses.append(0)
                burst_ms.append((time.perf_counter() - started) * 1000)

            threads = [threading.Thread(target=send, args=(i, p)) for i, p in enumerate(burst)]
            burst_started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            burst_seconds = time.perf_counter() - burst_started
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
        checked = subprocess.run([sys.executable, "-m", "manpower.bench.pay", "verify"], env=env, check=True,
                                 capture_output=True, text=True)
        counts = json.loads(checked.stdout.strip().splitlines()[-1])
    total = SEQUENTIAL + CONCURRENT
    return {
        "bench": "pay",
        "callbacks_sequential": len(latencies),
        "callback_p50_ms": round(statistics.median(latencies), 1),
        "callback_p99_ms": round(_percentile(latencies, 0.99), 1),
        "concurrent_callbacks": CONCURRENT,
        "concurrent_requests": len(burst),
        "concurrent_ok": sum(1 for status in statuses if status == 200),
        "concurrent_p99_ms": round(_percentile(burst_ms, 0.99), 1),
        "concurrent_seconds": round(burst_seconds, 2),
        "recorded_once": counts == {"paid_invoices": total, "successful_payments": total, "invoice_paid_messages": total,
                                    "applied_callbacks": total},
        **counts,
    }


def _seed(count: int) -> list[dict[str, str]]:
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from manpower.identity.models import EstablishmentPermission, Membership, Role, User
    from manpower.payments.models import Payment
    from manpower.payments.services import Line, invoice_create
    from manpower.registry.models import Activity, Establishment, Wilayat

    wilayat = Wilayat.objects.select_related("governorate").get(code=2)
    with transaction.atomic():
        establishment = Establishment.objects.create(
            cr_number="7654321", name_ar="منشأة القياس", name_en="Bench Establishment",
            activity=Activity.objects.get(code="4100"), governorate=wilayat.governorate, wilayat=wilayat,
            cr_issued_on=date(2018, 1, 1), cr_expires_on=date(2035, 1, 1))
        payer = User.objects.create_user("payer@bench.example.om", None, full_name="Bench Payer", role=Role.EMPLOYER)
        Membership.objects.create(user=payer, establishment=establishment, permissions=[EstablishmentPermission.PAY])
        out = []
        for n in range(count):
            invoice = invoice_create(
                establishment=establishment, subject_type="permits.application", subject_id=f"APP-BENCH-{n:05d}",
                lines=[Line("permit_fee", "رسم ترخيص العمل", "Work permit fee", Decimal("301.000"))],
                due_on=timezone.localdate() + timedelta(days=30))
            payment = Payment.objects.create(
                invoice=invoice, amount_omr=invoice.total_omr, method=Payment.Method.CARD, reference=f"PAY-BENCH-{n:05d}",
                status=Payment.Status.STARTED, recorded_by=payer, provider="sandbox", provider_id=f"chk_bench_{n:05d}")
            out.append({"reference": payment.reference, "provider_id": payment.provider_id, "amount": "301.000"})
    return out


def _verify() -> dict[str, int]:
    from manpower.core.models import OutboxMessage
    from manpower.payments.models import GatewayNotification, Invoice, Payment

    return {
        "paid_invoices": Invoice.objects.filter(status="paid").count(),
        "successful_payments": Payment.objects.filter(status="success", is_surplus=False).count(),
        "invoice_paid_messages": OutboxMessage.objects.filter(topic="invoice.paid").count(),
        "applied_callbacks": GatewayNotification.objects.filter(outcome="applied").count(),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manpower.settings")
    import django

    django.setup()
    if sys.argv[1] == "seed":
        print(json.dumps(_seed(int(sys.argv[2]))))
    else:
        print(json.dumps(_verify()))
