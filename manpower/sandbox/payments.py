"""The sandbox payment gateway: what a real hosted-payment gateway offers, over HTTP, with test cards.

Merchant API (``Authorization: Bearer <PAYMENT_GATEWAY_API_KEY>``), below ``/pay``:
  POST /api/checkouts                  open a checkout session {amount, currency, reference, return_url, callback_url,
                                       description, expires_in}; the same reference returns the same session
  GET  /api/checkouts/<id>             its status: created, started, submitted, success, failed, cancelled, error
  POST /api/checkouts/<id>/refunds     refund {amount, reference}; submitted, then success (or error)
  GET  /api/refunds/<id>               a refund's status
  GET  /api/settlements/<YYYY-MM-DD>.csv   the day's settled payments and refunds (Asia/Muscat days)
Payer:
  GET/POST /checkout/<id>              the hosted card page; then a redirect to the merchant's return URL
Callbacks: POST to the session's callback URL, JSON, header ``Gateway-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>." + body>`` with PAYMENT_GATEWAY_SECRET; retried with back-off until the merchant answers 2xx.
Test controls (no auth, the sandbox listens on localhost): POST /admin/faults, /admin/reset, /admin/settlement-lines,
GET /admin/callbacks.

State is kept in SQLite (``PAYMENT_SANDBOX_DB``, by default var/sandbox-payments.sqlite3), so a restarted
gateway remembers its payments and its undelivered callbacks, like a real one coming back after an outage.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import html
import io
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

import httpx

from manpower.sandbox.server import json_response, keep_running, read_body
from manpower.sandbox.store import Store, data_path, setting

PREFIX = "/pay"
MUSCAT = ZoneInfo("Asia/Muscat")
log = logging.getLogger("manpower.sandbox.payments")
StartResponse = Callable[..., Any]

# Test cards: number → what the issuing bank does.
CARDS = {
    "4111111111111111": ("success", "payment succeeds"),
    "4242424242424242": ("success", "payment succeeds"),
    "4000000000000002": ("declined", "the bank declines"),
    "4000000000003220": ("3ds", "the bank asks for a one-time code (enter 123456)"),
    "4000000000000119": ("timeout", "the bank does not answer; the payment ends in error after a while"),
    "4000000000000077": ("silent", "payment succeeds but no callback is ever sent (a lost callback)"),
}
THREE_DS_CODE = "123456"
DEFAULT_FAULTS: dict[str, Any] = {"callbacks": "deliver", "outage_until": 0.0, "timeout_seconds": 20.0,
                                  "refund_seconds": 0.3}
CALLBACK_MODES = {"deliver", "drop", "duplicate", "tamper_amount", "tamper_signature"}
MAX_CALLBACK_ATTEMPTS = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS checkouts (
  id TEXT PRIMARY KEY, reference TEXT UNIQUE, amount TEXT, currency TEXT, description TEXT, return_url TEXT,
  callback_url TEXT, status TEXT, failure_code TEXT DEFAULT '', created_at REAL, expires_at REAL, updated_at REAL,
  succeeded_at REAL, finish_at REAL, finish_status TEXT DEFAULT '', card_last4 TEXT DEFAULT '', silent INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS refunds (
  id TEXT PRIMARY KEY, checkout_id TEXT, reference TEXT UNIQUE, amount TEXT, status TEXT, failure_code TEXT DEFAULT '',
  created_at REAL, complete_at REAL, succeeded_at REAL);
CREATE TABLE IF NOT EXISTS callbacks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT, url TEXT, body TEXT, mode TEXT, attempts INTEGER DEFAULT 0,
  next_attempt_at REAL, delivered_at REAL, last_status TEXT DEFAULT '', gave_up INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS extra_lines (day TEXT, line TEXT, replaces TEXT DEFAULT '');
"""


_store: Store | None = None
_store_lock = threading.Lock()


def store() -> Store:
    global _store
    with _store_lock:
        if _store is None:
            _store = Store(data_path("PAYMENT_SANDBOX_DB", "sandbox-payments.sqlite3"), SCHEMA, DEFAULT_FAULTS)
        return _store


# --- Representation ------------------------------------------------------------------------------------


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts else None


def _checkout_json(row: sqlite3.Row) -> dict[str, Any]:
    refunds = store().all("SELECT * FROM refunds WHERE checkout_id = ? ORDER BY created_at", row["id"])
    return {"id": row["id"], "reference": row["reference"], "amount": row["amount"], "currency": row["currency"],
            "description": row["description"], "status": row["status"], "failure_code": row["failure_code"] or None,
            "created_at": _iso(row["created_at"]), "expires_at": _iso(row["expires_at"]),
            "succeeded_at": _iso(row["succeeded_at"]), "card_last4": row["card_last4"] or None,
            "url": f"{_base_url()}/checkout/{row['id']}", "refunds": [_refund_json(r) for r in refunds]}


def _refund_json(row: sqlite3.Row) -> dict[str, Any]:
    checkout = store().one("SELECT currency FROM checkouts WHERE id = ?", row["checkout_id"])
    return {"id": row["id"], "payment_id": row["checkout_id"], "reference": row["reference"], "amount": row["amount"],
            "currency": checkout["currency"] if checkout else "OMR", "status": row["status"],
            "failure_code": row["failure_code"] or None, "created_at": _iso(row["created_at"]),
            "succeeded_at": _iso(row["succeeded_at"])}


_base: dict[str, str] = {}


def _base_url() -> str:
    return _base.get("url", "")


# --- State changes -------------------------------------------------------------------------------------


def _set_status(checkout_id: str, status: str, failure_code: str = "", *, silent: bool = False) -> None:
    now = time.time()
    s = store()
    with s.lock:
        row = s.one("SELECT * FROM checkouts WHERE id = ?", checkout_id)
        if row is None or row["status"] == status:
            return
        s.run("UPDATE checkouts SET status = ?, failure_code = ?, updated_at = ?, succeeded_at = ?, silent = ? "
              "WHERE id = ?", status, failure_code, now, now if status == "success" else row["succeeded_at"],
              1 if silent else row["silent"], checkout_id)
        row = s.one("SELECT * FROM checkouts WHERE id = ?", checkout_id)
        assert row is not None
        if status in {"success", "failed", "cancelled", "error"} and not row["silent"]:
            _queue_callback(row["callback_url"], "payment.updated", _checkout_json(row))


def _queue_callback(url: str, kind: str, data: dict[str, Any]) -> None:
    if not url:
        return
    data = {k: v for k, v in data.items() if k not in {"url", "refunds"}}
    event = {"id": "evt_" + secrets.token_hex(12), "type": kind, "created": _iso(time.time()), "data": data}
    s = store()
    mode = s.faults()["callbacks"]
    copies = 2 if mode == "duplicate" else 1
    for _ in range(copies):
        s.run("INSERT INTO callbacks (event_id, url, body, mode, next_attempt_at, gave_up) VALUES (?, ?, ?, ?, ?, ?)",
              event["id"], url, json.dumps(event), mode, time.time(), 1 if mode == "drop" else 0)


def _advance(now: float | None = None) -> None:
    """Apply what time decides: abandoned sessions expire, slow banks answer, refunds complete."""
    now = now or time.time()
    s = store()
    for row in s.all("SELECT id FROM checkouts WHERE status IN ('created', 'started') AND expires_at < ?", now):
        _set_status(row["id"], "failed", "expired")
    for row in s.all("SELECT id, finish_status FROM checkouts WHERE status = 'submitted' AND finish_at IS NOT NULL "
                     "AND finish_at <= ?", now):
        status, _, code = row["finish_status"].partition(":")
        _set_status(row["id"], status, code)
    for row in s.all("SELECT * FROM refunds WHERE status = 'submitted' AND complete_at <= ?", now):
        s.run("UPDATE refunds SET status = 'success', succeeded_at = ? WHERE id = ?", now, row["id"])
        checkout = s.one("SELECT callback_url FROM checkouts WHERE id = ?", row["checkout_id"])
        refreshed = s.one("SELECT * FROM refunds WHERE id = ?", row["id"])
        if checkout is not None and refreshed is not None:
            _queue_callback(checkout["callback_url"], "refund.updated", _refund_json(refreshed))


def _sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _deliver_callbacks(now: float | None = None) -> None:
    now = now or time.time()
    s = store()
    if s.faults()["outage_until"] > now:
        return
    secret = setting("PAYMENT_GATEWAY_SECRET")
    for row in s.all("SELECT * FROM callbacks WHERE delivered_at IS NULL AND gave_up = 0 AND next_attempt_at <= ? "
                     "ORDER BY id LIMIT 50", now):
        body = row["body"].encode()
        signature = _sign(secret, int(time.time()), body)
        if row["mode"] == "tamper_amount":
            event = json.loads(row["body"])
            event["data"]["amount"] = str(Decimal(event["data"]["amount"]) / 10)
            body = json.dumps(event).encode()
        elif row["mode"] == "tamper_signature":
            signature = signature[:-8] + "00000000"
        try:
            response = httpx.post(row["url"], content=body, timeout=5.0, headers={
                "Content-Type": "application/json", "Gateway-Signature": signature, "User-Agent": "sandbox-gateway/1"})
            status = str(response.status_code)
            delivered = response.is_success
            final = delivered or 400 <= response.status_code < 500
        except httpx.HTTPError as error:
            status, delivered, final = type(error).__name__, False, False
        attempts = row["attempts"] + 1
        gave_up = (not delivered) and (final or attempts >= MAX_CALLBACK_ATTEMPTS)
        s.run("UPDATE callbacks SET attempts = ?, last_status = ?, delivered_at = ?, gave_up = ?, next_attempt_at = ? "
              "WHERE id = ?", attempts, status, time.time() if delivered else None, 1 if gave_up else 0,
              time.time() + min(30.0, 0.5 * 2 ** attempts), row["id"])


def _ensure_worker() -> None:
    """Start the simulator's clock on the first request."""
    keep_running("sandbox-payments", _round)


def _round() -> None:
    _advance()
    _deliver_callbacks()


# --- HTTP ----------------------------------------------------------------------------------------------


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(read_body(environ) or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _html(start_response: StartResponse, body: str, status: str = "200 OK") -> Iterable[bytes]:
    data = body.encode()
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store")])
    return [data]


def _redirect(start_response: StartResponse, url: str) -> Iterable[bytes]:
    start_response("303 See Other", [("Location", url), ("Content-Length", "0")])
    return [b""]


def _authorised(environ: dict[str, Any]) -> bool:
    expected = setting("PAYMENT_GATEWAY_API_KEY")
    given = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _amount(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount > 0 and amount == amount.quantize(Decimal("0.001")) else None


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    _ensure_worker()
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    _base["url"] = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}"
    method = environ.get("REQUEST_METHOD", "GET")
    parts = [p for p in environ.get("PATH_INFO", "/").split("/") if p]
    s = store()
    if parts[:1] == ["admin"]:
        return _admin(environ, start_response, method, parts[1:])
    if s.faults()["outage_until"] > time.time():
        return json_response(start_response, 503, {"error": "unavailable", "detail": "the gateway is down"})
    _advance()
    if not parts:
        return _html(start_response, _index_page())
    if parts[0] == "api":
        if not _authorised(environ):
            return json_response(start_response, 401, {"error": "unauthorised"})
        return _api(environ, start_response, method, parts[1:])
    if parts[0] == "checkout" and len(parts) >= 2:
        return _hosted(environ, start_response, method, parts[1], parts[2:])
    return json_response(start_response, 404, {"error": "not_found"})


def _api(environ: dict[str, Any], start_response: StartResponse, method: str, parts: list[str]) -> Iterable[bytes]:
    s = store()
    if parts == ["checkouts"] and method == "POST":
        body = _json_body(environ)
        amount = _amount(body.get("amount"))
        reference = str(body.get("reference") or "").strip()
        if amount is None or not reference or body.get("currency") not in {"OMR"}:
            return json_response(start_response, 422, {"error": "invalid_request",
                                                        "detail": "amount (3 decimals), currency OMR and reference"})
        with s.lock:
            existing = s.one("SELECT * FROM checkouts WHERE reference = ?", reference)
            if existing is not None:
                return json_response(start_response, 200, _checkout_json(existing))
            now = time.time()
            checkout_id = "chk_" + secrets.token_hex(10)
            s.run("INSERT INTO checkouts (id, reference, amount, currency, description, return_url, callback_url, "
                  "status, created_at, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?)",
                  checkout_id, reference, f"{amount:.3f}", body["currency"], str(body.get("description", ""))[:200],
                  str(body.get("return_url", "")), str(body.get("callback_url", "")), now,
                  now + max(1, int(body.get("expires_in") or 900)), now)
            row = s.one("SELECT * FROM checkouts WHERE id = ?", checkout_id)
        assert row is not None
        return json_response(start_response, 201, _checkout_json(row))
    if len(parts) == 2 and parts[0] == "checkouts" and method == "GET":
        row = s.one("SELECT * FROM checkouts WHERE id = ?", parts[1])
        if row is None:
            return json_response(start_response, 404, {"error": "not_found"})
        return json_response(start_response, 200, _checkout_json(row))
    if len(parts) == 3 and parts[0] == "checkouts" and parts[2] == "refunds" and method == "POST":
        return _refund(environ, start_response, parts[1])
    if len(parts) == 2 and parts[0] == "refunds" and method == "GET":
        refund = s.one("SELECT * FROM refunds WHERE id = ?", parts[1])
        if refund is None:
            return json_response(start_response, 404, {"error": "not_found"})
        return json_response(start_response, 200, _refund_json(refund))
    if len(parts) == 2 and parts[0] == "settlements" and parts[1].endswith(".csv") and method == "GET":
        try:
            day = date.fromisoformat(parts[1].removesuffix(".csv"))
        except ValueError:
            return json_response(start_response, 404, {"error": "not_found"})
        data = _settlement_csv(day).encode()
        start_response("200 OK", [("Content-Type", "text/csv; charset=utf-8"), ("Content-Length", str(len(data)))])
        return [data]
    return json_response(start_response, 404, {"error": "not_found"})


def _refund(environ: dict[str, Any], start_response: StartResponse, checkout_id: str) -> Iterable[bytes]:
    s = store()
    body = _json_body(environ)
    amount = _amount(body.get("amount"))
    reference = str(body.get("reference") or "").strip()
    with s.lock:
        checkout = s.one("SELECT * FROM checkouts WHERE id = ?", checkout_id)
        if checkout is None:
            return json_response(start_response, 404, {"error": "not_found"})
        existing = s.one("SELECT * FROM refunds WHERE reference = ?", reference) if reference else None
        if existing is not None:
            return json_response(start_response, 200, _refund_json(existing))
        if amount is None or not reference:
            return json_response(start_response, 422, {"error": "invalid_request"})
        if checkout["status"] != "success":
            return json_response(start_response, 422, {"error": "not_refundable", "detail": checkout["status"]})
        refunded = sum((Decimal(r["amount"]) for r in s.all(
            "SELECT amount FROM refunds WHERE checkout_id = ? AND status != 'error'", checkout_id)), Decimal("0"))
        if refunded + amount > Decimal(checkout["amount"]):
            return json_response(start_response, 422, {"error": "amount_exceeds_payment",
                                                        "detail": f"{refunded} already refunded of {checkout['amount']}"})
        now = time.time()
        refund_id = "rfd_" + secrets.token_hex(10)
        s.run("INSERT INTO refunds (id, checkout_id, reference, amount, status, created_at, complete_at) "
              "VALUES (?, ?, ?, ?, 'submitted', ?, ?)", refund_id, checkout_id, reference, f"{amount:.3f}", now,
              now + float(s.faults()["refund_seconds"]))
        row = s.one("SELECT * FROM refunds WHERE id = ?", refund_id)
    assert row is not None
    return json_response(start_response, 201, _refund_json(row))


def _settlement_csv(day: date) -> str:
    s = store()
    start = datetime(day.year, day.month, day.day, tzinfo=MUSCAT).timestamp()
    end = start + 86400
    lines: list[dict[str, str]] = []
    for row in s.all("SELECT * FROM checkouts WHERE status = 'success' AND succeeded_at >= ? AND succeeded_at < ? "
                     "ORDER BY succeeded_at", start, end):
        lines.append({"record_type": "payment", "gateway_id": row["id"], "merchant_reference": row["reference"],
                      "payment_id": row["id"], "amount": row["amount"], "currency": row["currency"],
                      "settled_at": _iso(row["succeeded_at"]) or ""})
    for row in s.all("SELECT r.*, c.currency FROM refunds r JOIN checkouts c ON c.id = r.checkout_id "
                     "WHERE r.status = 'success' AND r.succeeded_at >= ? AND r.succeeded_at < ? ORDER BY r.succeeded_at",
                     start, end):
        lines.append({"record_type": "refund", "gateway_id": row["id"], "merchant_reference": row["reference"],
                      "payment_id": row["checkout_id"], "amount": f"-{row['amount']}", "currency": row["currency"],
                      "settled_at": _iso(row["succeeded_at"]) or ""})
    for extra in s.all("SELECT * FROM extra_lines WHERE day = ?", day.isoformat()):
        line = json.loads(extra["line"])
        if extra["replaces"]:
            lines = [existing for existing in lines if existing["gateway_id"] != extra["replaces"]]
        lines.append({key: str(line.get(key, "")) for key in
                      ("record_type", "gateway_id", "merchant_reference", "payment_id", "amount", "currency",
                       "settled_at")})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["record_type", "gateway_id", "merchant_reference", "payment_id", "amount",
                                             "currency", "settled_at"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue()


# --- The hosted payment page ---------------------------------------------------------------------------


def _luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _back(row: sqlite3.Row) -> str:
    url = row["return_url"]
    if not url:
        return ""
    return url + ("&" if "?" in url else "?") + urlencode({"gateway_payment": row["id"]})


def _hosted(environ: dict[str, Any], start_response: StartResponse, method: str, checkout_id: str,
            rest: list[str]) -> Iterable[bytes]:
    s = store()
    row = s.one("SELECT * FROM checkouts WHERE id = ?", checkout_id)
    if row is None:
        return _html(start_response, _page("Unknown payment", "<p>No such payment session.</p>"), "404 Not Found")
    if row["status"] not in {"created", "started"} and not (rest == ["3ds"] and row["status"] == "submitted"):
        return _html(start_response, _finished_page(row))
    if method == "GET" and row["status"] == "created":
        _set_status(checkout_id, "started")
    if rest == ["3ds"]:
        if method == "POST":
            code = parse_qs(read_body(environ).decode()).get("code", [""])[0].strip()
            if code == THREE_DS_CODE:
                _set_status(checkout_id, "success")
            else:
                _set_status(checkout_id, "failed", "authentication_failed")
            refreshed = s.one("SELECT * FROM checkouts WHERE id = ?", checkout_id)
            assert refreshed is not None
            return _redirect(start_response, _back(refreshed)) if refreshed["return_url"] else \
                _html(start_response, _finished_page(refreshed))
        return _html(start_response, _three_ds_page(row))
    if method == "POST":
        form = parse_qs(read_body(environ).decode())
        if form.get("action", [""])[0] == "cancel":
            _set_status(checkout_id, "cancelled", "payer_cancelled")
            return _redirect(start_response, _back(row))
        number = "".join(ch for ch in form.get("card_number", [""])[0] if ch.isdigit())
        behaviour = CARDS.get(number, (None, ""))[0]
        if not number or not _luhn_ok(number) or behaviour is None:
            return _html(start_response, _card_page(row, error="Use one of the test cards listed below. "
                                                               "استخدم إحدى بطاقات الاختبار أدناه."))
        s.run("UPDATE checkouts SET card_last4 = ? WHERE id = ?", number[-4:], checkout_id)
        if behaviour == "success":
            _set_status(checkout_id, "success")
        elif behaviour == "silent":
            _set_status(checkout_id, "success", silent=True)
        elif behaviour == "declined":
            _set_status(checkout_id, "failed", "declined")
        elif behaviour == "3ds":
            _set_status(checkout_id, "submitted")
            return _redirect(start_response, f"{_base_url()}/checkout/{checkout_id}/3ds")
        elif behaviour == "timeout":
            s.run("UPDATE checkouts SET finish_at = ?, finish_status = 'error:bank_timeout' WHERE id = ?",
                  time.time() + float(s.faults()["timeout_seconds"]), checkout_id)
            _set_status(checkout_id, "submitted")
        return _redirect(start_response, _back(row))
    return _html(start_response, _card_page(row))


def _page(title: str, body: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)} — Sandbox Pay</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#0b0c0c}}
header{{border-bottom:4px solid #1d70b8;margin-bottom:1rem}} .ar{{direction:rtl;text-align:right;color:#505a5f}}
label{{display:block;font-weight:600;margin-top:.8rem}} input{{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}}
button{{font-size:1rem;padding:.5rem 1rem;margin:1rem .5rem 0 0}} .pay{{background:#00703c;color:#fff;border:0}}
.error{{color:#d4351c;font-weight:600}} table{{border-collapse:collapse;font-size:.85rem}} td{{padding:.2rem .5rem;border-bottom:1px solid #ddd}}
.amount{{font-size:1.6rem;font-weight:700}}</style></head>
<body><header><h1>Sandbox Pay <span class="ar">بوابة الدفع التجريبية</span></h1></header>{body}</body></html>"""


def _cards_table() -> str:
    rows = "".join(f"<tr><td dir='ltr'>{n[:4]} {n[4:8]} {n[8:12]} {n[12:]}</td><td>{html.escape(what)}</td></tr>"
                   for n, (_, what) in CARDS.items())
    return f"<h2>Test cards <span class='ar'>بطاقات الاختبار</span></h2><table>{rows}</table>" \
           "<p>Any future expiry date and any 3-digit security code.</p>"


def _card_page(row: sqlite3.Row, error: str = "") -> str:
    error_html = f"<p class='error' role='alert'>{html.escape(error)}</p>" if error else ""
    return _page("Pay", f"""
<p>{html.escape(row['description'] or '')}</p>
<p>Reference / المرجع: <strong dir="ltr">{html.escape(row['reference'])}</strong></p>
<p class="amount" dir="ltr">{html.escape(row['currency'])} {html.escape(row['amount'])}</p>{error_html}
<form method="post">
<label for="card_number">Card number <span class="ar">رقم البطاقة</span></label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" dir="ltr" required>
<label for="expiry">Expiry (MM/YY) <span class="ar">تاريخ الانتهاء</span></label>
<input id="expiry" name="expiry" dir="ltr" placeholder="12/30">
<label for="cvc">Security code <span class="ar">رمز الأمان</span></label>
<input id="cvc" name="cvc" inputmode="numeric" dir="ltr" placeholder="123">
<button class="pay" type="submit" name="action" value="pay">Pay / ادفع</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel and go back / إلغاء</button>
</form>{_cards_table()}""")


def _three_ds_page(row: sqlite3.Row) -> str:
    return _page("Verify", f"""<h2>Your bank asks you to confirm / يطلب منك مصرفك التأكيد</h2>
<p class="amount" dir="ltr">{html.escape(row['currency'])} {html.escape(row['amount'])}</p>
<form method="post"><label for="code">One-time code sent to your phone (test: {THREE_DS_CODE})
<span class="ar">الرمز المرسل إلى هاتفك</span></label><input id="code" name="code" inputmode="numeric" dir="ltr" required>
<button class="pay" type="submit">Confirm / تأكيد</button></form>""")


def _finished_page(row: sqlite3.Row) -> str:
    back = _back(row)
    link = f"<p><a href='{html.escape(back)}'>Return to the merchant / العودة</a></p>" if back else ""
    return _page("Payment", f"<p>This payment is <strong>{html.escape(row['status'])}</strong>.</p>{link}")


def _index_page() -> str:
    return _page("Sandbox", "<p>A simulated hosted-payment gateway for development and tests.</p>" + _cards_table())


# --- Test controls -------------------------------------------------------------------------------------


def _admin(environ: dict[str, Any], start_response: StartResponse, method: str, parts: list[str]) -> Iterable[bytes]:
    s = store()
    if parts == ["faults"] and method == "POST":
        body = _json_body(environ)
        if "callbacks" in body:
            if body["callbacks"] not in CALLBACK_MODES:
                return json_response(start_response, 422, {"error": "invalid_request", "modes": sorted(CALLBACK_MODES)})
            s.set_fault("callbacks", body["callbacks"])
        if "outage_seconds" in body:
            s.set_fault("outage_until", time.time() + float(body["outage_seconds"]))
        for key in ("timeout_seconds", "refund_seconds"):
            if key in body:
                s.set_fault(key, float(body[key]))
        return json_response(start_response, 200, s.faults())
    if parts == ["faults"] and method == "GET":
        return json_response(start_response, 200, s.faults())
    if parts == ["reset"] and method == "POST":
        with s.lock:
            for table in ("checkouts", "refunds", "callbacks", "extra_lines", "faults"):
                s.run(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        return json_response(start_response, 200, {"reset": True})
    if parts == ["settlement-lines"] and method == "POST":
        body = _json_body(environ)
        try:
            day = date.fromisoformat(str(body.get("date")))
        except ValueError:
            return json_response(start_response, 422, {"error": "invalid_request", "detail": "date YYYY-MM-DD"})
        line = {key: body.get(key, "") for key in ("record_type", "gateway_id", "merchant_reference", "payment_id",
                                                    "amount", "currency", "settled_at")}
        line["record_type"] = line["record_type"] or "payment"
        line["currency"] = line["currency"] or "OMR"
        replaces = body.get("replace") or ""
        if replaces is True:  # the line stands in for the gateway's own line of the same payment
            replaces = line["gateway_id"]
        s.run("INSERT INTO extra_lines (day, line, replaces) VALUES (?, ?, ?)", day.isoformat(), json.dumps(line),
              str(replaces))
        return json_response(start_response, 201, line)
    if parts == ["callbacks"] and method == "GET":
        rows = s.all("SELECT event_id, url, mode, attempts, delivered_at, last_status, gave_up, body FROM callbacks "
                     "ORDER BY id")
        return json_response(start_response, 200, [
            {"event_id": r["event_id"], "url": r["url"], "mode": r["mode"], "attempts": r["attempts"],
             "delivered": r["delivered_at"] is not None, "last_status": r["last_status"], "gave_up": bool(r["gave_up"]),
             "type": json.loads(r["body"])["type"], "status": json.loads(r["body"])["data"]["status"]} for r in rows])
    if parts == ["tick"] and method == "POST":
        _advance()
        _deliver_callbacks()
        return json_response(start_response, 200, {"ok": True})
    return json_response(start_response, 404, {"error": "not_found"})
