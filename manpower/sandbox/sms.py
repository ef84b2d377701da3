"""The sandbox SMS gateway: what a real bulk-SMS provider offers, over HTTP, with test numbers.

Client API (``Authorization: Bearer <SMS_GATEWAY_API_KEY>``), below ``/sms``:
  POST /api/messages        submit one message or a batch {"messages": [{reference, to, body, sender, callback_url}]};
                            a reference already received returns the message it names (nothing is sent twice)
  GET  /api/messages/<id>   one message and its status: accepted, delivered, temporary-failure, permanent-failure
Delivery receipts: POST to the message's callback URL, JSON {"receipts": [{id, message_id, reference, status,
failure_code, at}]}, header ``Gateway-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>." + body>`` with
SMS_GATEWAY_SECRET; retried with back-off until the client answers 2xx.
Test numbers: ending in 0000 the subscriber is unknown (permanent failure); ending in 0001 the phone is off
(temporary failure); anything not in international form is rejected at once.
The message log: GET /sms/ lists the messages received, newest first (the demo's "phone").
Test controls (no auth, the sandbox listens on localhost): POST /admin/faults {fail_seconds, fail_status,
receipts: deliver|drop|duplicate|early, receipt_seconds}, POST /admin/reset, GET /admin/messages, GET /admin/stats
(counts only), POST /admin/tick.

State is kept in SQLite (``SMS_SANDBOX_DB``, by default var/sandbox-sms.sqlite3), so a restarted gateway still
knows the references it has seen and the receipts it owes.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from manpower.sandbox.server import json_response, keep_running, read_body
from manpower.sandbox.store import Store, data_path, setting

PREFIX = "/sms"
MUSCAT = ZoneInfo("Asia/Muscat")
log = logging.getLogger("manpower.sandbox.sms")
StartResponse = Callable[..., Any]
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
RECEIPT_MODES = {"deliver", "drop", "duplicate", "early"}
DEFAULT_FAULTS: dict[str, Any] = {"fail_until": 0.0, "fail_status": 500, "receipts": "deliver", "receipt_seconds": 0.3}
MAX_RECEIPT_ATTEMPTS = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY, reference TEXT UNIQUE, to_number TEXT, sender TEXT, body TEXT, encoding TEXT, segments INTEGER,
  callback_url TEXT, status TEXT, failure_code TEXT DEFAULT '', received_at REAL, deliver_at REAL, done_at REAL,
  submissions INTEGER DEFAULT 1);
CREATE TABLE IF NOT EXISTS receipts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, receipt_id TEXT, message_id TEXT, url TEXT, item TEXT, attempts INTEGER DEFAULT 0,
  next_attempt_at REAL, delivered_at REAL, last_status TEXT DEFAULT '', gave_up INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_due ON messages (status, deliver_at);
CREATE INDEX IF NOT EXISTS receipts_due ON receipts (delivered_at, gave_up, next_attempt_at);
"""


_store: Store | None = None
_store_lock = threading.Lock()


def store() -> Store:
    global _store
    with _store_lock:
        if _store is None:
            _store = Store(data_path("SMS_SANDBOX_DB", "sandbox-sms.sqlite3"), SCHEMA, DEFAULT_FAULTS)
        return _store


def segments(text: str) -> tuple[str, int]:
    from manpower.notifications.segments import sms_length

    length = sms_length(text)
    return length.encoding, length.segments


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, MUSCAT).isoformat() if ts else None


def _message_json(row: sqlite3.Row, duplicate: bool = False) -> dict[str, Any]:
    return {"id": row["id"], "reference": row["reference"], "to": row["to_number"], "status": row["status"],
            "failure_code": row["failure_code"] or None, "segments": row["segments"], "encoding": row["encoding"],
            "received_at": _iso(row["received_at"]), "duplicate": duplicate}


def _outcome(number: str) -> tuple[str, str]:
    if number.endswith("0000"):
        return "permanent-failure", "unknown_subscriber"
    if number.endswith("0001"):
        return "temporary-failure", "absent_subscriber"
    return "delivered", ""


def _queue_receipt(s: Store, row: sqlite3.Row, status: str, failure_code: str, now: float) -> None:
    if not row["callback_url"]:
        return
    mode = s.faults()["receipts"]
    item = {"id": "dlr_" + secrets.token_hex(10), "message_id": row["id"], "reference": row["reference"],
            "status": status, "failure_code": failure_code or None, "at": _iso(now)}
    copies = 2 if mode == "duplicate" else 1
    for _ in range(copies):
        s.db.execute("INSERT INTO receipts (receipt_id, message_id, url, item, next_attempt_at, gave_up) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (item["id"], row["id"], row["callback_url"], json.dumps(item), now,
                                                   1 if mode == "drop" else 0))


def _submit(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    s = store()
    now = time.time()
    faults = s.faults()
    early = []
    out: list[dict[str, Any]] = []
    with s.lock:
        s.db.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                reference = str(item.get("reference") or "").strip()[:80]
                number = str(item.get("to") or "").strip()
                body = str(item.get("body") or "")
                if not reference:
                    out.append({"reference": reference, "status": "rejected", "error": "reference_required"})
                    continue
                existing = s.db.execute("SELECT * FROM messages WHERE reference = ?", (reference,)).fetchone()
                if existing is not None:
                    s.db.execute("UPDATE messages SET submissions = submissions + 1 WHERE id = ?", (existing["id"],))
                    out.append(_message_json(existing, duplicate=True))
                    continue
                if not E164.match(number) or not body:
                    out.append({"reference": reference, "status": "rejected",
                                "error": "invalid_number" if body else "empty_body"})
                    continue
                encoding, parts = segments(body)
                message_id = "sms_" + secrets.token_hex(10)
                s.db.execute(
                    "INSERT INTO messages (id, reference, to_number, sender, body, encoding, segments, callback_url, "
                    "status, received_at, deliver_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?)",
                    (message_id, reference, number, str(item.get("sender") or "")[:11], body, encoding, parts,
                     str(item.get("callback_url") or ""), now, now + float(faults["receipt_seconds"])))
                row = s.db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
                out.append(_message_json(row))
                if faults["receipts"] == "early":
                    early.append(message_id)
            s.db.execute("COMMIT")
        except Exception:
            s.db.execute("ROLLBACK")
            raise
    if early:  # the receipt reaches the client before our answer does
        _advance(now + 3600, only=early)
        _deliver_receipts()
    return out


def _advance(now: float | None = None, only: list[str] | None = None) -> None:
    """The network decides: accepted messages are delivered to the phone (or not) and a receipt is owed."""
    now = now or time.time()
    s = store()
    with s.lock:
        if only:
            marks = ",".join("?" * len(only))
            rows = s.db.execute(f"SELECT * FROM messages WHERE status = 'accepted' AND id IN ({marks})",  # noqa: S608
                                only).fetchall()
        else:
            rows = s.db.execute("SELECT * FROM messages WHERE status = 'accepted' AND deliver_at <= ? LIMIT 1000",
                                (now,)).fetchall()
        if not rows:
            return
        s.db.execute("BEGIN IMMEDIATE")
        try:
            for row in rows:
                status, code = _outcome(row["to_number"])
                s.db.execute("UPDATE messages SET status = ?, failure_code = ?, done_at = ? WHERE id = ?",
                             (status, code, time.time(), row["id"]))
                _queue_receipt(s, row, status, code, time.time())
            s.db.execute("COMMIT")
        except Exception:
            s.db.execute("ROLLBACK")
            raise


def _sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_deliver_lock = threading.Lock()


def _deliver_receipts(now: float | None = None) -> None:
    with _deliver_lock:
        now = now or time.time()
        s = store()
        secret = setting("SMS_GATEWAY_SECRET")
        rows = s.all("SELECT * FROM receipts WHERE delivered_at IS NULL AND gave_up = 0 AND next_attempt_at <= ? "
                     "ORDER BY id LIMIT 500", now)
        by_url: dict[str, list[sqlite3.Row]] = {}
        for row in rows:
            by_url.setdefault(row["url"], []).append(row)
        for url, group in by_url.items():
            for start in range(0, len(group), 100):
                chunk = group[start:start + 100]
                body = json.dumps({"receipts": [json.loads(r["item"]) for r in chunk]}).encode()
                try:
                    response = httpx.post(url, content=body, timeout=5.0, headers={
                        "Content-Type": "application/json", "Gateway-Signature": _sign(secret, int(time.time()), body),
                        "User-Agent": "sandbox-sms/1"})
                    status, delivered = str(response.status_code), response.is_success
                    final = delivered or 400 <= response.status_code < 500
                except httpx.HTTPError as error:
                    status, delivered, final = type(error).__name__, False, False
                with s.lock:
                    s.db.execute("BEGIN IMMEDIATE")
                    for row in chunk:
                        attempts = row["attempts"] + 1
                        gave_up = (not delivered) and (final or attempts >= MAX_RECEIPT_ATTEMPTS)
                        s.db.execute("UPDATE receipts SET attempts = ?, last_status = ?, delivered_at = ?, gave_up = ?, "
                                     "next_attempt_at = ? WHERE id = ?",
                                     (attempts, status, time.time() if delivered else None, 1 if gave_up else 0,
                                      time.time() + min(60.0, 0.5 * 2 ** attempts), row["id"]))
                    s.db.execute("COMMIT")


def _ensure_worker() -> None:
    """Start the simulator's clock on the first request."""
    keep_running("sandbox-sms", _round)


def _round() -> None:
    _advance()
    _deliver_receipts()


# --- HTTP ----------------------------------------------------------------------------------------------


def _json_body(environ: dict[str, Any]) -> Any:
    try:
        return json.loads(read_body(environ) or b"{}")
    except ValueError:
        return None


def _authorised(environ: dict[str, Any]) -> bool:
    expected = setting("SMS_GATEWAY_API_KEY")
    given = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    _ensure_worker()
    method = environ.get("REQUEST_METHOD", "GET")
    parts = [p for p in environ.get("PATH_INFO", "/").split("/") if p]
    s = store()
    if parts[:1] == ["admin"]:
        return _admin(environ, start_response, method, parts[1:])
    if not parts and method == "GET":
        return _html(start_response, _log_page(environ))
    if parts[:1] == ["api"]:
        faults = s.faults()
        if faults["fail_until"] > time.time():
            status = int(faults["fail_status"])
            return json_response(start_response, status, {"error": "unavailable"})
        if not _authorised(environ):
            return json_response(start_response, 401, {"error": "unauthorised"})
        if parts[1:] == ["messages"] and method == "POST":
            body = _json_body(environ)
            if not isinstance(body, dict):
                return json_response(start_response, 400, {"error": "invalid_json"})
            batch = body.get("messages")
            items: list[Any] = batch if isinstance(batch, list) else [body]
            if len(items) > 1000:
                return json_response(start_response, 422, {"error": "batch_too_large", "maximum": 1000})
            return json_response(start_response, 200, {"messages": _submit([i for i in items if isinstance(i, dict)])})
        if len(parts) == 3 and parts[1] == "messages" and method == "GET":
            row = s.one("SELECT * FROM messages WHERE id = ?", parts[2])
            if row is None:
                return json_response(start_response, 404, {"error": "not_found"})
            return json_response(start_response, 200, _message_json(row))
    return json_response(start_response, 404, {"error": "not_found"})


def _admin(environ: dict[str, Any], start_response: StartResponse, method: str, parts: list[str]) -> Iterable[bytes]:
    s = store()
    if parts == ["faults"] and method == "POST":
        body = _json_body(environ) or {}
        if "fail_seconds" in body:
            s.set_fault("fail_until", time.time() + float(body["fail_seconds"]))
        if "fail_status" in body:
            s.set_fault("fail_status", int(body["fail_status"]))
        if "receipts" in body:
            if body["receipts"] not in RECEIPT_MODES:
                return json_response(start_response, 422, {"error": "invalid_request", "modes": sorted(RECEIPT_MODES)})
            s.set_fault("receipts", body["receipts"])
        if "receipt_seconds" in body:
            s.set_fault("receipt_seconds", float(body["receipt_seconds"]))
        return json_response(start_response, 200, s.faults())
    if parts == ["reset"] and method == "POST":
        with s.lock:
            for table in ("messages", "receipts", "faults"):
                s.run(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        return json_response(start_response, 200, {"reset": True})
    if parts == ["messages"] and method == "GET":
        rows = s.all("SELECT * FROM messages ORDER BY received_at, id")
        return json_response(start_response, 200, [
            {**_message_json(r), "body": r["body"], "sender": r["sender"], "submissions": r["submissions"]}
            for r in rows])
    if parts == ["stats"] and method == "GET":  # cheap to poll: counts only
        row = s.one("SELECT COUNT(*) AS messages, COALESCE(SUM(submissions), 0) AS submissions, "
                    "MAX(received_at) AS last FROM messages")
        return json_response(start_response, 200, {"messages": row["messages"] if row else 0,
                                                   "submissions": row["submissions"] if row else 0,
                                                   "last_received_at": _iso(row["last"]) if row else None})
    if parts == ["receipts"] and method == "GET":
        rows = s.all("SELECT * FROM receipts ORDER BY id")
        return json_response(start_response, 200, [
            {"receipt_id": r["receipt_id"], "message_id": r["message_id"], "attempts": r["attempts"],
             "delivered": r["delivered_at"] is not None, "gave_up": bool(r["gave_up"]), "last_status": r["last_status"]}
            for r in rows])
    if parts == ["tick"] and method == "POST":
        _advance()
        _deliver_receipts()
        return json_response(start_response, 200, {"ok": True})
    return json_response(start_response, 404, {"error": "not_found"})


def _html(start_response: StartResponse, body: str, status: str = "200 OK") -> Iterable[bytes]:
    data = body.encode()
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store")])
    return [data]


STATUS_LABELS = {"accepted": "accepted / مقبولة", "delivered": "delivered / سُلّمت",
                 "temporary-failure": "phone off / الهاتف مغلق", "permanent-failure": "unknown number / رقم غير معروف"}


def _log_page(environ: dict[str, Any]) -> str:
    query = environ.get("QUERY_STRING", "")
    number = ""
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == "to":
            from urllib.parse import unquote_plus

            number = unquote_plus(value).strip()
    s = store()
    if number:
        rows = s.all("SELECT * FROM messages WHERE to_number = ? ORDER BY received_at DESC LIMIT 200", number)
    else:
        rows = s.all("SELECT * FROM messages ORDER BY received_at DESC LIMIT 200")
    lines = "".join(
        f"<tr><td dir='ltr'>{html.escape(datetime.fromtimestamp(r['received_at'], MUSCAT).strftime('%d/%m/%Y %H:%M:%S'))}"
        f"</td><td dir='ltr'><a href='?to={html.escape(r['to_number'])}'>{html.escape(r['to_number'])}</a></td>"
        f"<td dir='ltr'>{html.escape(r['sender'] or '')}</td><td dir='auto' class='text'>{html.escape(r['body'])}</td>"
        f"<td>{r['segments']} × {html.escape(r['encoding'])}</td>"
        f"<td>{html.escape(STATUS_LABELS.get(r['status'], r['status']))}</td>"
        f"<td dir='ltr'><code>{html.escape(r['reference'])}</code></td></tr>" for r in rows)
    empty = "" if rows else "<p>No messages yet. / لا توجد رسائل بعد.</p>"
    heading = f" — {html.escape(number)}" if number else ""
    table = ("<table><caption>Newest first / الأحدث أولاً</caption><thead><tr><th scope='col'>Received / الوقت</th>"
             "<th scope='col'>To / إلى</th><th scope='col'>Sender / المرسل</th><th scope='col'>Text / النص</th>"
             "<th scope='col'>Parts / الأجزاء</th><th scope='col'>Status / الحالة</th><th scope='col'>Reference</th>"
             f"</tr></thead><tbody>{lines}</tbody></table>") if rows else ""
    all_link = "<p><a href='./'>All numbers / كل الأرقام</a></p>" if number else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="10">
<title>Messages{heading} — Sandbox SMS</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#0b0c0c}}
header{{border-bottom:4px solid #1d70b8;margin-bottom:1rem}} .ar{{direction:rtl;color:#505a5f}}
table{{border-collapse:collapse;width:100%}} th,td{{text-align:start;vertical-align:top;padding:.4rem;border-bottom:1px solid #ccc}}
td.text{{white-space:pre-wrap;max-width:32rem}} caption{{text-align:start;color:#505a5f}}</style></head>
<body><header><h1>Sandbox SMS{heading} <span class="ar">رسائل نصية تجريبية</span></h1></header>
<p>The text messages this simulated gateway has received. It refreshes every 10 seconds.
<span class="ar">الرسائل النصية التي استقبلتها البوابة التجريبية.</span></p>{all_link}{empty}{table}</body></html>"""
