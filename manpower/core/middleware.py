"""Every request gets an id (taken from X-Request-ID when a proxy set a sane one), logged and echoed."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse

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
        if response.status_code in {404, 405} and not response.get("Content-Type", "").startswith("application/json"):
            response = self._in_error_shape(request, response)
        response.headers.setdefault("Content-Language", translation.get_language() or "ar")
        return response

    @staticmethod
    def _in_error_shape(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """An unknown API address (404) or method (405) answers as every other API error does."""
        from manpower.core.errors import render_message

        if response.status_code == 404:
            error = {"code": "not_found", "field": None, "message": render_message("not_found")}
        else:
            allowed = response.get("Allow", "")
            error = {"code": "method_not_allowed", "field": None,
                     "message": render_message("method_not_allowed", {"method": request.method, "allowed": allowed})}
        shaped = JsonResponse({"errors": [error]}, status=response.status_code, json_dumps_params={"ensure_ascii": False})
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped


def _first_nul(value: object, path: str = "") -> str | None:
    """Where in a parsed JSON value the first NUL character is (a dotted path, "" for the top), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            if (found := _first_nul(item, where)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _first_nul(item, f"{path}.{index}" if path else str(index))) is not None:
                return found
    return None


class InputGuardMiddleware:
    """Refuse, before any view reads it, input no column can hold or no server should accept whole: a NUL character
    (PostgreSQL's text cannot store it) in the path, the query, a form or a JSON body, and a body over the limit.
    The API answers in its error shape (422 or 413), pages with a plain 400 or 413."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return HttpResponseNotFound()
        try:
            field = self._nul_field(request)
        except RequestDataTooBig:
            return self._refuse(request, 413, "request_too_large", None,
                                {"maximum": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1_000_000} MB"})
        if field is not None:
            return self._refuse(request, 422 if self._is_api(request) else 400, "nul_character", field or None, {})
        return self.get_response(request)

    @staticmethod
    def _is_api(request: HttpRequest) -> bool:
        return request.path.startswith("/api/")

    @staticmethod
    def _nul_field(request: HttpRequest) -> str | None:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return key
        content_type = request.content_type or ""
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return None
        if content_type == "application/json":
            body = request.body
            if b"\\u0000" in body.lower() or b"\x00" in body:
                try:
                    return _first_nul(json.loads(body)) or ""
                except ValueError:
                    return ""
        elif content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            for key, values in request.POST.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return key
        return None

    def _refuse(self, request: HttpRequest, status: int, code: str, field: str | None,
                params: dict[str, str]) -> HttpResponse:
        from manpower.core.errors import render_message

        message = render_message(code, params)
        if self._is_api(request):
            return JsonResponse({"errors": [{"code": code, "field": field, "message": message}]}, status=status,
                                json_dumps_params={"ensure_ascii": False})
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
