"""Providers behind one interface: send a batch, each message with its reference; verify delivery receipts.

``SandboxSms`` speaks HTTP to our simulator (manpower/sandbox/sms.py); a real SMS provider's adapter implements
the same ``SmsProvider`` protocol. ``SmsSender`` fails over to the next provider when one is down, but only
when the first surely did not take the messages (refused connection, 5xx, 429): after a time-out the same
provider is asked again with the same references, which it keeps once. Adapters never touch the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

SIGNATURE_HEADER = "Gateway-Signature"


class ProviderUnavailable(Exception):
    """Nothing was taken: try again later, or another provider."""


class ProviderUncertain(ProviderUnavailable):
    """The provider may have taken the messages (a time-out after sending): ask the same one again."""


class InvalidReceipt(Exception):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class Outgoing:
    reference: str
    to: str
    body: str
    subject: str = ""
    language: str = "ar"


@dataclass(frozen=True)
class Accepted:
    reference: str
    provider_id: str = ""
    refused: str = ""  # a failure code when the provider refused this one message (a bad number…)
    delivered: bool = False  # the provider's acceptance is the delivery (SMTP relay)


@dataclass(frozen=True)
class DeliveryReceipt:
    receipt_id: str
    reference: str
    provider_id: str
    status: str  # delivered | temporary-failure | permanent-failure
    failure_code: str = ""


class RateLimiter:
    """A token bucket: at most ``rate`` messages a second, bursts up to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = max(rate, 0.1)
        self.tokens = self.rate
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self, count: int = 1) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                wanted = min(count, self.rate)
                if self.tokens >= wanted:
                    self.tokens -= wanted
                    count -= int(wanted)
                    if count <= 0:
                        return
                wait = (wanted - self.tokens) / self.rate
            time.sleep(max(wait, 0.001))


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter(name: str, rate: float) -> RateLimiter:
    with _limiters_lock:
        existing = _limiters.get(name)
        if existing is None or existing.rate != rate:
            existing = _limiters[name] = RateLimiter(rate)
        return existing


class SmsProvider(Protocol):
    name: str

    def send(self, messages: Sequence[Outgoing], *, callback_url: str) -> list[Accepted]: ...

    def verify_receipt(self, body: bytes, headers: Mapping[str, str]) -> list[DeliveryReceipt]: ...


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int, now: float | None = None) -> None:
    if not secret:
        raise InvalidReceipt("gateway_not_configured")
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise InvalidReceipt("signature_missing") from None
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    if not hmac.compare_digest(parts.get("v1", "").encode(), expected.encode()):
        raise InvalidReceipt("signature_invalid")
    if abs((now or time.time()) - timestamp) > tolerance:
        raise InvalidReceipt("signature_stale")


RECEIPT_STATUSES = {"delivered": "delivered", "temporary-failure": "temporary-failure",
                    "permanent-failure": "permanent-failure"}


class SandboxSms:
    """Our simulator's HTTP API: POST /api/messages with a batch; receipts come signed to the callback URL."""

    def __init__(self, name: str, base_url: str, api_key: str, secret: str, timeout: float = 10.0,
                 sender: str = "MOL-OMAN") -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.secret = secret
        self.timeout = timeout
        self.sender = sender
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout)
            return self._client

    def send(self, messages: Sequence[Outgoing], *, callback_url: str) -> list[Accepted]:
        body = {"messages": [{"reference": m.reference, "to": m.to, "body": m.body, "sender": self.sender,
                              "callback_url": callback_url} for m in messages]}
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        try:
            response = self._http().post(f"{self.base_url}/api/messages", json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise ProviderUnavailable(f"{type(error).__name__}: {error}") from error
        except httpx.HTTPError as error:  # the request may have reached the gateway
            raise ProviderUncertain(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        if response.status_code in (401, 403):
            raise ProviderUnavailable(f"HTTP {response.status_code}: the gateway refused our credentials")
        if response.status_code >= 400:
            return [Accepted(m.reference, refused=f"http_{response.status_code}") for m in messages]
        answers = {item["reference"]: item for item in response.json().get("messages", [])}
        out = []
        for message in messages:
            item = answers.get(message.reference)
            if item is None:
                raise ProviderUncertain(f"no answer for {message.reference}")
            if item.get("status") == "rejected":
                out.append(Accepted(message.reference, str(item.get("id") or ""), refused=str(item.get("error")
                                                                                              or "rejected")))
            else:
                out.append(Accepted(message.reference, str(item["id"])))
        return out

    def verify_receipt(self, body: bytes, headers: Mapping[str, str]) -> list[DeliveryReceipt]:
        verify_signature(self.secret, headers.get(SIGNATURE_HEADER, ""), body,
                         tolerance=settings.NOTIFY_RECEIPT_TOLERANCE_SECONDS)
        try:
            event = json.loads(body)
            items = event.get("receipts") or [event]
            return [DeliveryReceipt(receipt_id=str(item["id"]), reference=str(item["reference"]),
                                    provider_id=str(item.get("message_id", "")),
                                    status=RECEIPT_STATUSES[str(item["status"])],
                                    failure_code=str(item.get("failure_code") or "")) for item in items]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InvalidReceipt("malformed") from None


def sms_providers() -> list[SmsProvider]:
    providers: list[SmsProvider] = [SandboxSms("sandbox", settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_API_KEY,
                                               settings.SMS_GATEWAY_SECRET, settings.SMS_GATEWAY_TIMEOUT,
                                               settings.SMS_SENDER_ID)]
    if settings.SMS_FALLBACK_GATEWAY_URL:
        providers.append(SandboxSms("fallback", settings.SMS_FALLBACK_GATEWAY_URL, settings.SMS_FALLBACK_GATEWAY_API_KEY,
                                    settings.SMS_FALLBACK_GATEWAY_SECRET, settings.SMS_GATEWAY_TIMEOUT,
                                    settings.SMS_SENDER_ID))
    return providers


_cached: dict[tuple[Any, ...], list[SmsProvider]] = {}


def configured_sms_providers() -> list[SmsProvider]:
    """The adapters, kept per configuration so that their HTTP connections are reused."""
    key = (settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_API_KEY, settings.SMS_GATEWAY_SECRET,
           settings.SMS_FALLBACK_GATEWAY_URL, settings.SMS_FALLBACK_GATEWAY_API_KEY, settings.SMS_FALLBACK_GATEWAY_SECRET,
           settings.SMS_GATEWAY_TIMEOUT)
    if key not in _cached:
        _cached.clear()
        _cached[key] = sms_providers()
    return _cached[key]


def provider_named(name: str) -> SmsProvider | None:
    return next((p for p in configured_sms_providers() if p.name == name), None)


def send_sms(messages: Sequence[Outgoing], *, callback_url_for: Callable[[str], str]) -> tuple[str, list[Accepted]]:
    """Send through the first provider that takes the batch; returns its name and its answers."""
    last: ProviderUnavailable | None = None
    for provider in configured_sms_providers():
        limiter(f"sms:{provider.name}", settings.SMS_RATE_PER_SECOND).acquire(len(messages))
        try:
            return provider.name, provider.send(messages, callback_url=callback_url_for(provider.name))
        except ProviderUncertain:
            raise
        except ProviderUnavailable as error:
            last = error
    raise last or ProviderUnavailable("no SMS provider is configured")


class EmailSender:
    """Django's mail backend (EMAIL_URL), one connection for a batch. The Message-ID is derived from the reference,
    so that a copy sent again after a crash is recognisably the same message."""

    name = "email"

    def __enter__(self) -> EmailSender:
        self.connection = get_connection(fail_silently=False)
        try:
            self.connection.open()
        except Exception as error:
            raise ProviderUnavailable(f"{type(error).__name__}: {error}") from error
        self.domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "manpower"
        return self

    def send(self, message: Outgoing) -> Accepted:
        limiter("email", settings.EMAIL_RATE_PER_SECOND).acquire()
        email = EmailMultiAlternatives(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.to],
                                       connection=self.connection,
                                       headers={"Message-ID": f"<{message.reference}@{self.domain}>",
                                                "Content-Language": message.language,
                                                "X-Notification-Reference": message.reference})
        if message.language == "ar":
            email.attach_alternative(_html_ar(message.body), "text/html")
        try:
            email.send()
        except Exception as error:
            raise ProviderUnavailable(f"{type(error).__name__}: {error}") from error
        return Accepted(message.reference, delivered=True)

    def __exit__(self, *exc: object) -> None:
        # The messages were handed over (or not); a failure to close changes nothing.
        with contextlib.suppress(Exception):
            self.connection.close()


def _html_ar(text: str) -> str:
    import html

    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    return f'<!doctype html><html lang="ar" dir="rtl"><body style="font-family:sans-serif">{paragraphs}</body></html>'
