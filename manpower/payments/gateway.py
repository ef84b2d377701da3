"""Payment gateways behind one interface: open a hosted checkout, ask a payment's status, refund, fetch the
daily settlement file, and verify the callbacks the gateway signs.

``SandboxGateway`` speaks HTTP to our simulator (``manpower sandbox``); a real provider's adapter implements
the same ``Gateway`` protocol and is chosen with ``PAYMENT_GATEWAY``. Adapters never touch the database:
services call them outside transactions and record what they answer.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SIGNATURE_HEADER = "Gateway-Signature"


class GatewayUnavailable(Exception):
    """The gateway did not answer, or answered with a server error: try again later."""


class GatewayRefused(Exception):
    """The gateway answered and said no (a bad request, a refund larger than the payment…)."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {detail}" if detail else code)


class InvalidCallback(Exception):
    """A callback that is not signed by the gateway, is stale, or cannot be read."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class Checkout:
    provider_id: str
    next_url: str
    status: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PaymentState:
    """What the gateway says about one payment, in our status vocabulary."""

    provider_id: str
    reference: str
    status: str
    amount: Decimal
    currency: str
    failure_code: str = ""
    succeeded_at: datetime | None = None


@dataclass(frozen=True)
class RefundState:
    provider_id: str
    payment_provider_id: str
    reference: str
    status: str
    amount: Decimal
    currency: str
    failure_code: str = ""
    succeeded_at: datetime | None = None


@dataclass(frozen=True)
class SettlementLine:
    record_type: str  # payment | refund
    gateway_id: str
    reference: str
    payment_gateway_id: str
    amount: Decimal | None
    currency: str
    settled_at: datetime | None
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """A verified callback: an event id (for idempotency) and the state it reports."""

    event_id: str
    kind: str  # payment | refund
    payment: PaymentState | None = None
    refund: RefundState | None = None


class Gateway(Protocol):
    name: str

    def create_checkout(self, *, amount: Decimal, currency: str, reference: str, description: str,
                        return_url: str, callback_url: str, expires_in: int) -> Checkout: ...

    def get_status(self, provider_id: str) -> PaymentState: ...

    def refund(self, *, provider_id: str, amount: Decimal, reference: str) -> RefundState: ...

    def refund_status(self, provider_refund_id: str) -> RefundState: ...

    def settlement_file(self, day: date) -> list[SettlementLine]: ...

    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> Notification: ...


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``, as the gateway sends it."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int, now: float | None = None) -> None:
    if not secret:
        raise InvalidCallback("gateway_not_configured")
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise InvalidCallback("signature_missing") from None
    given = parts.get("v1", "")
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidCallback("signature_invalid")
    if abs((now or time.time()) - timestamp) > tolerance:
        raise InvalidCallback("signature_stale")


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidCallback("malformed") from None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _payment_state(data: Mapping[str, Any]) -> PaymentState:
    return PaymentState(provider_id=str(data["id"]), reference=str(data.get("reference", "")),
                        status=str(data["status"]), amount=_decimal(data["amount"]),
                        currency=str(data.get("currency", "")), failure_code=str(data.get("failure_code") or ""),
                        succeeded_at=_when(data.get("succeeded_at")))


def _refund_state(data: Mapping[str, Any]) -> RefundState:
    return RefundState(provider_id=str(data["id"]), payment_provider_id=str(data.get("payment_id", "")),
                       reference=str(data.get("reference", "")), status=str(data["status"]),
                       amount=_decimal(data["amount"]), currency=str(data.get("currency", "")),
                       failure_code=str(data.get("failure_code") or ""), succeeded_at=_when(data.get("succeeded_at")))


class SandboxGateway:
    """Our simulator's HTTP API (see manpower/sandbox/payments.py for the other side)."""

    name = "sandbox"

    def __init__(self, base_url: str, api_key: str, secret: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.secret = secret
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, *,
              idempotency_key: str | None = None) -> httpx.Response:
        if not self.api_key:
            raise ImproperlyConfigured("PAYMENT_GATEWAY_API_KEY is not set: online payment is off.")
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = httpx.request(method, f"{self.base_url}{path}", json=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as error:
            raise GatewayUnavailable(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise GatewayUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                code = str(response.json().get("error", "refused"))
            except ValueError:
                code = "refused"
            raise GatewayRefused(code, response.text[:300])
        return response

    def create_checkout(self, *, amount: Decimal, currency: str, reference: str, description: str,
                        return_url: str, callback_url: str, expires_in: int) -> Checkout:
        data = self._call("POST", "/api/checkouts", {
            "amount": f"{amount:.3f}", "currency": currency, "reference": reference, "description": description,
            "return_url": return_url, "callback_url": callback_url, "expires_in": expires_in,
        }, idempotency_key=reference).json()
        return Checkout(provider_id=data["id"], next_url=data["url"], status=data["status"],
                        expires_at=_when(data.get("expires_at")))

    def get_status(self, provider_id: str) -> PaymentState:
        return _payment_state(self._call("GET", f"/api/checkouts/{provider_id}").json())

    def refund(self, *, provider_id: str, amount: Decimal, reference: str) -> RefundState:
        data = self._call("POST", f"/api/checkouts/{provider_id}/refunds", {"amount": f"{amount:.3f}",
                                                                           "reference": reference},
                          idempotency_key=reference).json()
        return _refund_state(data)

    def refund_status(self, provider_refund_id: str) -> RefundState:
        return _refund_state(self._call("GET", f"/api/refunds/{provider_refund_id}").json())

    def settlement_file(self, day: date) -> list[SettlementLine]:
        text = self._call("GET", f"/api/settlements/{day.isoformat()}.csv").text
        lines = []
        for row in csv.DictReader(io.StringIO(text)):
            try:
                amount: Decimal | None = Decimal(row.get("amount") or "")
            except InvalidOperation:
                amount = None
            lines.append(SettlementLine(
                record_type=row.get("record_type", ""), gateway_id=row.get("gateway_id", ""),
                reference=row.get("merchant_reference", ""), payment_gateway_id=row.get("payment_id", ""),
                amount=amount, currency=row.get("currency", ""), settled_at=_when(row.get("settled_at")), raw=dict(row),
            ))
        return lines

    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        verify_signature(self.secret, headers.get(SIGNATURE_HEADER, ""), body,
                         tolerance=settings.PAYMENT_CALLBACK_TOLERANCE_SECONDS)
        try:
            event = json.loads(body)
            kind = str(event["type"]).split(".", 1)[0]
            if kind == "payment":
                return Notification(event_id=str(event["id"]), kind=kind, payment=_payment_state(event["data"]))
            if kind == "refund":
                return Notification(event_id=str(event["id"]), kind=kind, refund=_refund_state(event["data"]))
        except (ValueError, KeyError, TypeError):
            raise InvalidCallback("malformed") from None
        raise InvalidCallback("unknown_event")


def get_gateway(name: str | None = None) -> Gateway:
    name = name or settings.PAYMENT_GATEWAY
    if name == "sandbox":
        return SandboxGateway(settings.PAYMENT_GATEWAY_URL, settings.PAYMENT_GATEWAY_API_KEY,
                              settings.PAYMENT_GATEWAY_SECRET, settings.PAYMENT_GATEWAY_TIMEOUT)
    raise ImproperlyConfigured(f"PAYMENT_GATEWAY {name!r} has no adapter.")
