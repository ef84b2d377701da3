"""The sandbox mailbox: a real SMTP server on loopback that keeps every e-mail it receives, and a page to read them.

``manpower run`` points the platform's ``EMAIL_URL`` at it (unless one is configured), so the demo's e-mails can be
read at ``/mail/`` on the sandbox, beside the SMS log at ``/sms/``. Nothing leaves the machine.

SMTP: ``SANDBOX_SMTP_PORT`` (8125 by default), no authentication, no TLS (loopback only).
Pages, below ``/mail``:
  GET /                 the messages received, newest first (``?to=<address>`` for one recipient)
  GET /<id>             one message: headers and its text
  GET /admin/messages   every message as JSON (for tests): id, to, from, subject, language, message_id, received_at
  POST /admin/reset     forget every message

State is kept in SQLite (``MAIL_SANDBOX_DB``, by default var/sandbox-mail.sqlite3).
"""

from __future__ import annotations

import html
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from manpower.sandbox.server import json_response
from manpower.sandbox.store import Store, data_path

PREFIX = "/mail"
MUSCAT = ZoneInfo("Asia/Muscat")
StartResponse = Callable[..., Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, mail_from TEXT, recipients TEXT, subject TEXT, language TEXT,
  message_id TEXT, body TEXT, raw BLOB, received_at REAL);
CREATE INDEX IF NOT EXISTS messages_recipients ON messages (recipients);
"""


def _add(mail_from: str, recipients: list[str], raw: bytes) -> int:
    parsed = message_from_bytes(raw, policy=policy.default)
    body = _text_of(parsed) if isinstance(parsed, EmailMessage) else ""
    return store().run(
        "INSERT INTO messages (mail_from, recipients, subject, language, message_id, body, raw, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        mail_from, ", ".join(recipients), " ".join(str(parsed.get("Subject", "")).split()),
        str(parsed.get("Content-Language", "")), str(parsed.get("Message-ID", "")), body, raw, time.time())


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


_store: Store | None = None
_store_lock = threading.Lock()


def store() -> Store:
    global _store
    with _store_lock:
        if _store is None:
            _store = Store(data_path("MAIL_SANDBOX_DB", "sandbox-mail.sqlite3"), SCHEMA)
        return _store


class _Handler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        _add(envelope.mail_from or "", list(envelope.rcpt_tos), raw if isinstance(raw, bytes) else raw.encode())
        return "250 Message accepted for delivery"


def start_smtp(host: str, port: int) -> Any:
    """Start the SMTP server in its own thread; returns the controller (``.stop()`` ends it)."""
    from aiosmtpd.controller import Controller

    controller = Controller(_Handler(), hostname=host, port=port)
    controller.start()
    print(f"sandbox mailbox (SMTP) listening on {host}:{port}", flush=True)
    return controller


# --- Pages ---------------------------------------------------------------------------------------------


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    method = environ.get("REQUEST_METHOD", "GET")
    parts = [p for p in path.split("/") if p]
    if parts == ["admin", "messages"] and method == "GET":
        rows = store().all("SELECT * FROM messages ORDER BY id")
        return json_response(start_response, 200, [
            {"id": r["id"], "to": r["recipients"], "from": r["mail_from"], "subject": r["subject"],
             "language": r["language"], "message_id": r["message_id"], "body": r["body"],
             "received_at": datetime.fromtimestamp(r["received_at"], MUSCAT).isoformat()} for r in rows])
    if parts == ["admin", "reset"] and method == "POST":
        store().run("DELETE FROM messages")
        return json_response(start_response, 200, {"ok": True})
    if method != "GET":
        return json_response(start_response, 404, {"error": "not_found"})
    if not parts:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        return _html(start_response, _list_page((query.get("to") or [""])[0].strip()))
    if len(parts) == 1 and parts[0].isdigit():
        rows = store().all("SELECT * FROM messages WHERE id = ?", int(parts[0]))
        if rows:
            return _html(start_response, _message_page(rows[0]))
    return _html(start_response, _page("Not found / غير موجودة", "<p>No such message. / لا توجد رسالة بهذا الرقم.</p>"),
                 "404 Not Found")


def _html(start_response: StartResponse, body: str, status: str = "200 OK") -> Iterable[bytes]:
    data = body.encode()
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store")])
    return [data]


def _when(row: sqlite3.Row) -> str:
    return datetime.fromtimestamp(row["received_at"], MUSCAT).strftime("%d/%m/%Y %H:%M:%S")


def _list_page(address: str) -> str:
    if address:
        rows = store().all("SELECT * FROM messages WHERE (', ' || recipients || ',') LIKE ? ORDER BY id DESC LIMIT 200",
                           f"%, {address},%")
    else:
        rows = store().all("SELECT * FROM messages ORDER BY id DESC LIMIT 200")
    lines = "".join(
        f"<tr><td dir='ltr'>{html.escape(_when(r))}</td>"
        f"<td dir='ltr'><a href='?to={html.escape(r['recipients'].split(', ')[0])}'>{html.escape(r['recipients'])}</a></td>"
        f"<td dir='auto'><a href='{r['id']}'>{html.escape(r['subject'] or '(no subject)')}</a></td>"
        f"<td>{html.escape(r['language'] or '—')}</td></tr>" for r in rows)
    heading = f" — {html.escape(address)}" if address else ""
    table = ("<table><caption>Newest first / الأحدث أولاً</caption><thead><tr><th scope='col'>Received / الوقت</th>"
             "<th scope='col'>To / إلى</th><th scope='col'>Subject / الموضوع</th><th scope='col'>Language / اللغة</th>"
             f"</tr></thead><tbody>{lines}</tbody></table>") if rows else "<p>No e-mails yet. / لا توجد رسائل بعد.</p>"
    all_link = "<p><a href='./'>All recipients / كل المستلمين</a></p>" if address else ""
    intro = ("<p>The e-mails the platform sent to this simulated mail server. It refreshes every 10 seconds. "
             "<span class='ar'>رسائل البريد التي أرسلتها المنصة إلى خادم البريد التجريبي.</span></p>")
    return _page(f"Sandbox mailbox{heading}", intro + all_link + table, refresh=True)


def _message_page(row: sqlite3.Row) -> str:
    direction = "rtl" if row["language"] == "ar" else "ltr"
    body = (f"<dl><dt>Received / الوقت</dt><dd dir='ltr'>{html.escape(_when(row))}</dd>"
            f"<dt>From / من</dt><dd dir='ltr'>{html.escape(row['mail_from'])}</dd>"
            f"<dt>To / إلى</dt><dd dir='ltr'>{html.escape(row['recipients'])}</dd>"
            f"<dt>Message-ID</dt><dd dir='ltr'><code>{html.escape(row['message_id'])}</code></dd></dl>"
            f"<article lang='{html.escape(row['language'] or 'und')}' dir='{direction}'>"
            f"<h2>{html.escape(row['subject'])}</h2><div class='text'>{html.escape(row['body'])}</div></article>"
            "<p><a href='./'>All e-mails / كل الرسائل</a></p>")
    return _page(f"{row['subject']} — Sandbox mailbox", body)


def _page(title: str, content: str, refresh: bool = False) -> str:
    meta = '<meta http-equiv="refresh" content="10">' if refresh else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">{meta}
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#0b0c0c}}
header{{border-bottom:4px solid #1d70b8;margin-bottom:1rem}} .ar{{direction:rtl;color:#505a5f}}
table{{border-collapse:collapse;width:100%}} th,td{{text-align:start;vertical-align:top;padding:.4rem;border-bottom:1px solid #ccc}}
.text{{white-space:pre-wrap}} caption{{text-align:start;color:#505a5f}} dt{{font-weight:bold}} dd{{margin:0 0 .5rem}}
article{{border:1px solid #ccc;padding:1rem;margin:1rem 0}}</style></head>
<body><header><h1>Sandbox mailbox <span class="ar">البريد التجريبي</span></h1></header>{content}</body></html>"""
