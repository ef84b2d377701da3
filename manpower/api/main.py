"""The REST API: Django Ninja, versioned under /api/v1/, OpenAPI at /api/docs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI, Schema

from manpower.api.auth import BasicAuth, SessionAuth
from manpower.core.errors import DomainError, InputErrors

api = NinjaAPI(
    title="Manpower API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    auth=[BasicAuth(), SessionAuth()],
    description="Work permits, applications and decisions. Errors are `{code, field, message}` in the language of "
    "Accept-Language (Arabic by default).",
)


class ErrorOut(Schema):
    code: str
    field: str | None = None
    message: str


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, {"errors": [error.as_dict(translation.get_language())]}, status=error.status)


@api.exception_handler(InputErrors)
def input_errors(request: HttpRequest, error: InputErrors) -> HttpResponse:
    return api.create_response(request, {"errors": error.as_list(translation.get_language())}, status=422)


class WhoAmI(Schema):
    email: str
    full_name: str
    role: str
    language: str


@api.get("/v1/me", response=WhoAmI, tags=["identity"])
def me(request: HttpRequest) -> dict[str, str]:
    user = request.auth  # type: ignore[attr-defined]
    return {"email": user.email, "full_name": user.full_name, "role": user.role, "language": user.preferred_language}
