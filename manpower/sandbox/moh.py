"""The sandbox Ministry of Health: the medical-examination results of expatriate workers, over HTTP.

A real health ministry records the result when an accredited centre examines a worker; the labour
platform asks for it by passport. Below ``/moh`` (``Authorization: Bearer <HEALTH_AUTHORITY_API_KEY>``):
  GET  /api/medical-results?country=IN&passport=Z1234567
       200 {"status": "fit" | "unfit", "examined_on": "YYYY-MM-DD", "centre": "...", "reference": "..."}
       404 {"status": "no_result"}  the worker has not been examined yet: ask again later
Every answer echoes the caller's ``X-Correlation-ID``.

Test data (documented so that a tester can pick an outcome by the passport number): a passport ending in
``0`` is unfit, one ending in ``9`` has no result yet, any other is fit. Test controls (no auth, the
sandbox listens on localhost): POST /admin/results {country, passport, status} records a result (status
"none" removes it); POST /admin/faults {outage_seconds} answers 503 for that long; POST /admin/reset;
GET /admin/requests the log of the questions asked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs

from manpower.sandbox.server import json_response

PREFIX = "/moh"
log = logging.getLogger("manpower.sandbox.moh")
StartResponse = Callable[..., Any]
CENTRES = ("Al Amal Medical Centre, Ruwi", "Sohar Expatriate Medical Centre", "Salalah Fitness Examination Centre",
           "Nizwa Medical Fitness Centre")

_lock = threading.Lock()
_results: dict[tuple[str, str], dict[str, Any] | None] = {}  # recorded by a tester; None: no result
_requests: list[dict[str, Any]] = []
_faults: dict[str, float] = {"outage_until": 0.0}


def _api_key() -> str:
    configured = os.environ.get("HEALTH_AUTHORITY_API_KEY", "")
    if configured:
        return configured
    from django.conf import settings

    return str(getattr(settings, "HEALTH_AUTHORITY_API_KEY", ""))


def examination(country: str, passport: str, today: date | None = None) -> dict[str, Any] | None:
    """The result on record for a worker: a tester's, else the documented test data."""
    with _lock:
        if (country, passport) in _results:
            return _results[(country, passport)]
    if passport.endswith("9"):
        return None
    digest = hashlib.sha256(f"{country}:{passport}".encode()).digest()
    examined = (today or date.today()) - timedelta(days=1 + digest[0] % 28)
    return {"status": "unfit" if passport.endswith("0") else "fit", "examined_on": examined.isoformat(),
            "centre": CENTRES[digest[1] % len(CENTRES)], "reference": f"MOH-{digest.hex()[:10].upper()}"}


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except (ValueError, KeyError):
        return {}
    return data if isinstance(data, dict) else {}


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    path, method = environ.get("PATH_INFO", "/"), environ.get("REQUEST_METHOD", "GET")
    if path.startswith("/admin/"):
        return _admin(path[len("/admin/"):], method, environ, start_response)
    if path != "/api/medical-results" or method != "GET":
        return json_response(start_response, 404, {"error": "not_found"})
    correlation = environ.get("HTTP_X_CORRELATION_ID", "")
    headers = [("X-Correlation-ID", correlation)] if correlation else []
    if environ.get("HTTP_AUTHORIZATION", "") != f"Bearer {_api_key()}":
        return json_response(start_response, 401, {"error": "unauthorized"}, headers)
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    country, passport = query.get("country", "").upper(), query.get("passport", "").upper()
    with _lock:
        _requests.append({"country": country, "passport": passport, "correlation_id": correlation, "at": time.time()})
        down = time.time() < _faults["outage_until"]
    if down:
        return json_response(start_response, 503, {"error": "service_unavailable"}, headers)
    if not country or not passport:
        return json_response(start_response, 400, {"error": "country and passport are required"}, headers)
    result = examination(country, passport)
    if result is None:
        return json_response(start_response, 404, {"status": "no_result"}, headers)
    return json_response(start_response, 200, result, headers)


def _admin(action: str, method: str, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if action == "requests" and method == "GET":
        with _lock:
            return json_response(start_response, 200, list(_requests))
    if method != "POST":
        return json_response(start_response, 404, {"error": "not_found"})
    body = _body(environ)
    with _lock:
        if action == "reset":
            _results.clear()
            _requests.clear()
            _faults["outage_until"] = 0.0
        elif action == "faults":
            _faults["outage_until"] = time.time() + float(body.get("outage_seconds", 0))
        elif action == "results":
            key = (str(body.get("country", "")).upper(), str(body.get("passport", "")).upper())
            status = body.get("status")
            if status not in {"fit", "unfit", "none"}:
                return json_response(start_response, 422, {"error": "status must be fit, unfit or none"})
            _results[key] = None if status == "none" else {
                "status": status, "examined_on": str(body.get("examined_on") or date.today().isoformat()),
                "centre": CENTRES[0], "reference": f"MOH-T{len(_results) + 1:05d}"}
        else:
            return json_response(start_response, 404, {"error": "not_found"})
    return json_response(start_response, 200, {"ok": True})
