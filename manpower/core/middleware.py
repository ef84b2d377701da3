"""Every request gets an id (taken from X-Request-ID when a proxy set a sane one), logged and echoed."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from manpower.core.scope import request_scope

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("manpower.request")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        with request_scope():
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        if not request.path.startswith(("/static/", "/healthz")):
            log.info(
                "request",
                method=request.method,
                path=request.path,
                status=response.status_code,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        return response


def accepted_language(header: str) -> str | None:
    """The first language of an Accept-Language header that the platform speaks, or None."""
    from django.utils.translation import get_supported_language_variant
    from django.utils.translation.trans_real import parse_accept_lang_header

    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None


class ApiLanguageMiddleware:
    """The API answers in the language of Accept-Language; paths outside the portal have no language prefix.

    Without the header, the signed-in user's preferred language applies (set by the API's authentication),
    and Arabic otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        if not request.path.startswith("/api/"):
            return self.get_response(request)
        language = accepted_language(request.headers.get("Accept-Language", ""))
        request.api_language_asked = language is not None  # type: ignore[attr-defined]
        translation.activate(language or translation.get_language() or "ar")
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or "ar")
        return response
