"""The sandbox gateway as a real process of its own, and the money-shaped test data around it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from manpower.identity.models import Role
from manpower.payments.services import Line, invoice_create
from tests import factories as f
from tests.permits.conftest import employer_world  # noqa: F401  (re-exported fixture)
from tests.processes import SandboxServer

API_KEY = "test-api-key-for-the-sandbox-gateway"
SECRET = "test-secret-that-signs-the-callbacks"
SUCCESS_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
THREE_DS_CARD = "4000000000003220"
TIMEOUT_CARD = "4000000000000119"
SILENT_CARD = "4000000000000077"
DEAD_END = "http://127.0.0.1:9/unreachable"  # a callback URL nobody listens on: the callback is lost


class Sandbox(SandboxServer):
    """The sandbox payment gateway, with our key and the secret that signs its callbacks."""

    prefix = "/pay"

    def environment(self) -> dict[str, str]:
        return {"PAYMENT_SANDBOX_DB": str(self.data), "PAYMENT_GATEWAY_API_KEY": API_KEY,
                "PAYMENT_GATEWAY_SECRET": SECRET}

    def admin(self, path: str, **body: Any) -> Any:
        return httpx.post(f"{self.url}/admin/{path}", json=body, timeout=5).json()

    def callbacks(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/admin/callbacks", timeout=5).json()  # type: ignore[no-any-return]

    def wait_callbacks(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """Wait until ``count`` callbacks were delivered (or given up): only then is our server idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [c for c in self.callbacks() if c["delivered"] or c["gave_up"]]
            if len(done) >= count:
                return done
            time.sleep(0.05)
        raise AssertionError(f"callbacks not delivered: {self.callbacks()}")

    def pay(self, next_url: str, card: str = SUCCESS_CARD, action: str = "pay") -> httpx.Response:
        """What the payer does on the hosted page: open it, enter the card, confirm (or cancel)."""
        page = httpx.get(next_url, timeout=5)
        assert page.status_code == 200, page.text
        return httpx.post(next_url, data={"card_number": card, "expiry": "12/30", "cvc": "123", "action": action},
                          timeout=5)


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory):  # type: ignore[no-untyped-def]
    sandbox = Sandbox(tmp_path_factory.mktemp("sandbox") / "payments.sqlite3")
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def gateway(sandbox_process, settings):  # type: ignore[no-untyped-def]
    """A clean sandbox gateway, and our settings pointing at it; callbacks go nowhere unless a test says so."""
    if not sandbox_process.running:
        sandbox_process.start()
    sandbox_process.admin("reset")
    settings.PAYMENT_GATEWAY = "sandbox"
    settings.PAYMENT_GATEWAY_URL = sandbox_process.url
    settings.PAYMENT_GATEWAY_API_KEY = API_KEY
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    settings.PAYMENT_GATEWAY_TIMEOUT = 3.0
    settings.PAYMENT_CALLBACK_URL = DEAD_END
    yield sandbox_process
    sandbox_process.admin("faults", callbacks="drop")
    sandbox_process.admin("reset")


@pytest.fixture
def live_gateway(gateway, live_server, settings):  # type: ignore[no-untyped-def]
    """The sandbox really calls back into our server (pytest-django's live server)."""
    settings.SITE_URL = live_server.url
    settings.PAYMENT_CALLBACK_URL = ""
    return gateway


@pytest.fixture
def payer_world(db):  # type: ignore[no-untyped-def]
    est = f.establishment()
    rep = f.user(Role.EMPLOYER, establishments=[est])
    officer = f.user(Role.OFFICER)
    return {"est": est, "rep": rep, "officer": officer}


def make_invoice(est: Any, total: str = "301.000", subject: str | None = None) -> Any:
    with transaction.atomic():
        return invoice_create(
            establishment=est, subject_type="tests.service", subject_id=subject or f"S-{time.monotonic_ns()}",
            lines=[Line("permit_fee", "رسم ترخيص العمل", "Work permit fee", Decimal(total), "MD 602/2025")],
            due_on=timezone.localdate() + timedelta(days=30))


def signed(body: dict[str, Any], secret: str = SECRET, at: float | None = None) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    timestamp = int(at or time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return raw, f"t={timestamp},v1={digest}"


def payment_event(payment: Any, *, status: str = "success", amount: str | None = None, event_id: str = "evt_1",
                  provider_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id, "type": "payment.updated", "created": timezone.now().isoformat(), "data": {
        "id": provider_id or payment.provider_id, "reference": payment.reference,
        "amount": amount or f"{payment.amount_omr:.3f}", "currency": "OMR", "status": status,
        "succeeded_at": timezone.now().isoformat() if status == "success" else None}}


RETURN_URL = "http://testserver/payments/{reference}/return/"
