"""API authentication: the portal session (with CSRF) or HTTP Basic with e-mail/civil ID and password."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBasicAuth, HttpBearer

from manpower.identity.tokens import user_for_token


def _signed_in(request: HttpRequest, user: Any) -> Any:
    """Remember the caller; without an Accept-Language header, answer in the caller's own language."""
    if user is not None:
        request.user = user
        preferred = getattr(user, "preferred_language", "")
        if not getattr(request, "api_language_asked", True) and preferred in dict(settings.LANGUAGES):
            translation.activate(preferred)
    return user


class BasicAuth(HttpBasicAuth):
    def __call__(self, request: HttpRequest) -> Any:
        # Another scheme (a Bearer token) or a malformed value is simply not Basic: no traceback in the log.
        credentials = decode_basic(request.headers.get(self.header) or "")
        return None if credentials is None else self.authenticate(request, *credentials)

    def authenticate(self, request: HttpRequest, username: str, password: str) -> Any:
        return _signed_in(request, authenticate(request, username=username, password=password))


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mpw_…` — for systems; create tokens with `manpower api-token`."""

    def __call__(self, request: HttpRequest) -> Any:
        # Ninja's own logs the whole header when the scheme is not Bearer: that would put Basic credentials in the log.
        scheme, _, token = (request.headers.get(self.header) or "").partition(" ")
        return self.authenticate(request, token.strip()) if scheme.lower() == "bearer" and token.strip() else None

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _signed_in(request, user_for_token(token))


class SessionAuth(APIKeyCookie):
    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in session this is not a session call: no CSRF check, so a caller whose token or
        # password was refused (even one carrying an expired session cookie) is told 401, not "CSRF check failed".
        user = getattr(request, "user", None)
        if self.param_name not in request.COOKIES or user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return _signed_in(request, user) if user is not None and user.is_authenticated else None


def decode_basic(header: str) -> tuple[str, str] | None:
    try:
        scheme, value = header.split(" ", 1)
        if scheme.lower() != "basic":
            return None
        username, password = base64.b64decode(value).decode().split(":", 1)
        return username, password
    except (ValueError, UnicodeDecodeError):
        return None
