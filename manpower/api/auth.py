"""API authentication: the portal session (with CSRF) or HTTP Basic with e-mail/civil ID and password."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBasicAuth, HttpBearer

from manpower.identity.tokens import user_for_token


class BasicAuth(HttpBasicAuth):
    def authenticate(self, request: HttpRequest, username: str, password: str) -> Any:
        user = authenticate(request, username=username, password=password)
        if user is not None:
            request.user = user
        return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mpw_…` — for systems; create tokens with `manpower api-token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


def decode_basic(header: str) -> tuple[str, str] | None:
    try:
        scheme, value = header.split(" ", 1)
        if scheme.lower() != "basic":
            return None
        username, password = base64.b64decode(value).decode().split(":", 1)
        return username, password
    except (ValueError, UnicodeDecodeError):
        return None
