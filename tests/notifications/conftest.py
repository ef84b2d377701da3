"""Real components for the notification tests: an SMTP server on loopback (aiosmtpd) and the sandbox SMS gateway
as its own process; our settings point at them."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.permits.conftest import employer_world  # noqa: F401  (re-exported fixture)
from tests.processes import SandboxServer, free_port

SMS_KEY = "test-key-of-the-sms-gateway"
SMS_SECRET = "test-secret-signing-delivery-receipts"
DEAD_END = "http://127.0.0.1:9/unreachable"


@dataclass
class Inbox:
    """What the SMTP server received, parsed as a mail client would."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def subject_of(message: EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


class SmsSandbox(SandboxServer):
    """The sandbox SMS gateway, with our key and the secret that signs its delivery receipts."""

    prefix = "/sms"

    def __init__(self, data: Path, secret: str = SMS_SECRET, key: str = SMS_KEY) -> None:
        super().__init__(data)
        self.secret = secret
        self.key = key

    def environment(self) -> dict[str, str]:
        return {"SMS_SANDBOX_DB": str(self.data), "SMS_GATEWAY_API_KEY": self.key, "SMS_GATEWAY_SECRET": self.secret,
                "PAYMENT_SANDBOX_DB": str(self.data.with_suffix(".payments.sqlite3"))}

    def admin(self, path: str, **body: Any) -> Any:
        return httpx.post(f"{self.url}/admin/{path}", json=body, timeout=5).json()

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        rows = httpx.get(f"{self.url}/admin/messages", timeout=5).json()
        return [r for r in rows if to is None or r["to"] == to]

    def receipts(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/admin/receipts", timeout=5).json()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def sms_process(tmp_path_factory):  # type: ignore[no-untyped-def]
    sandbox = SmsSandbox(tmp_path_factory.mktemp("sms") / "sms.sqlite3")
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="session")
def smtp_server():  # type: ignore[no-untyped-def]
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def channels(sms_process, smtp_server, settings):  # type: ignore[no-untyped-def]
    """A clean SMS gateway and SMTP inbox, and our settings pointing at them; receipts go nowhere unless asked."""
    if not sms_process.running:
        sms_process.start()
    if smtp_server.controller is None:
        smtp_server.start()
    sms_process.admin("reset")
    smtp_server.inbox.clear()
    settings.SMS_GATEWAY_URL = sms_process.url
    settings.SMS_GATEWAY_API_KEY = SMS_KEY
    settings.SMS_GATEWAY_SECRET = SMS_SECRET
    settings.SMS_FALLBACK_GATEWAY_URL = ""
    settings.SMS_GATEWAY_TIMEOUT = 3.0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 3
    settings.NOTIFY_RECEIPT_BASE_URL = DEAD_END
    settings.NOTIFY_QUIET_HOURS = "0-0"
    settings.NOTIFY_RETRY_SECONDS = 0.2
    from manpower.notifications.services import forget_templates, templates_seed

    templates_seed()
    forget_templates()
    yield {"sms": sms_process, "smtp": smtp_server}
    sms_process.admin("faults", receipts="drop")
    sms_process.admin("reset")


def run_worker(rounds: int = 5) -> None:
    """What the worker does, in this process: events become messages, due messages go to the providers."""
    from manpower.notifications.tasks import run_once

    for _ in range(rounds):
        if not run_once():
            return


def signed_receipt(items: list[dict[str, Any]], secret: str = SMS_SECRET, at: float | None = None) -> tuple[bytes, str]:
    raw = json.dumps({"receipts": items}).encode()
    timestamp = int(at or time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return raw, f"t={timestamp},v1={digest}"


def verified(user: Any, *, phone: str | None = None, email_address: str | None = None, language: str = "ar") -> Any:
    from manpower.identity.models import User
    from manpower.notifications.services import contact_mark_verified

    User.objects.filter(pk=user.pk).update(preferred_language=language, phone=phone or "")
    user.refresh_from_db()
    if phone:
        contact_mark_verified(user=user, channel="sms", address=phone, evidence="test")
    contact_mark_verified(user=user, channel="email", address=email_address or user.email, evidence="test")
    return user
