"""The REST API: Django Ninja, versioned under /api/v1/, OpenAPI at /api/docs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from manpower.api.auth import BasicAuth, SessionAuth, TokenAuth
from manpower.core.errors import DomainError, InputErrors, register_messages, render_message

api = NinjaAPI(
    title="Manpower API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    auth=[TokenAuth(), BasicAuth(), SessionAuth()],
    description="Work permits, applications and decisions. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `manpower api-token EMAIL`), HTTP Basic (e-mail or civil ID and password) or the portal session. "
    "Errors are `{code, field, message}` in the language of Accept-Language (Arabic by default).",
)


register_messages({
    "not_authenticated": _("Sign in first: send Authorization: Bearer <token>, HTTP Basic credentials or a portal session."),
    "csrf_failed": _("The portal session needs the X-CSRFToken header on this request; systems should use a token."),
    "malformed_request": _("The request body could not be read: send JSON encoded in UTF-8."),
    "too_many_requests": _("Too many requests: wait a moment and try again."),
    "value_too_small": _("Enter %(limit)s or more."),
    "value_too_large": _("Enter %(limit)s or less."),
})


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, {"errors": [error.as_dict(translation.get_language())]}, status=error.status)


@api.exception_handler(InputErrors)
def input_errors(request: HttpRequest, error: InputErrors) -> HttpResponse:
    return api.create_response(request, {"errors": error.as_list(translation.get_language())}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"errors": [{"code": "not_authenticated", "field": None, "message": render_message("not_authenticated")}]},
        status=401)
    response["WWW-Authenticate"] = 'Bearer realm="manpower"'
    return response


@api.exception_handler(RequestDataTooBig)
def request_too_large(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    maximum = {"maximum": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1_000_000} MB"}
    return api.create_response(
        request, {"errors": [{"code": "request_too_large", "field": None,
                              "message": render_message("request_too_large", maximum)}]}, status=413)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """Ninja's own refusals (a failed CSRF check on a session call, a malformed body) in the same shape as ours."""
    code = {400: "malformed_request", 403: "csrf_failed" if "CSRF" in str(error) else "not_permitted",
            429: "too_many_requests"}.get(error.status_code)
    message = render_message(code) if code else str(error)
    return api.create_response(request, {"errors": [{"code": code or "invalid", "field": None, "message": message}]},
                               status=error.status_code)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """Ninja's own schema errors, in the same shape as ours."""
    errors = []
    for item in error.errors:
        location = [str(part) for part in item.get("loc", []) if part not in {"body", "query", "path", "payload", "filters"}]
        code, params = _SCHEMA_ERRORS.get(str(item.get("type", ""))), dict(item.get("ctx") or {})
        if code is None:
            code = "invalid"
        params = {"limit": params.get("ge", params.get("le", ""))}
        errors.append({"code": code, "field": ".".join(location) or None, "message": render_message(code, params)})
    return api.create_response(request, {"errors": errors}, status=422)


# Pydantic's error types, as our codes (their messages are English only).
_SCHEMA_ERRORS = {"missing": "required", "greater_than_equal": "value_too_small", "less_than_equal": "value_too_large"}


class WhoAmI(Schema):
    email: str
    full_name: str
    role: str
    language: str


@api.get("/v1/me", response=WhoAmI, tags=["identity"])
def me(request: HttpRequest) -> dict[str, str]:
    user = request.auth  # type: ignore[attr-defined]
    return {"email": user.email, "full_name": user.full_name, "role": user.role, "language": user.preferred_language}


from manpower.api.contracts import router as contracts_router  # noqa: E402
from manpower.api.payments import router as payments_router  # noqa: E402
from manpower.api.permits import public as public_router  # noqa: E402
from manpower.api.permits import router as permits_router  # noqa: E402

api.add_router("/v1", permits_router)
api.add_router("/v1", public_router)
api.add_router("/v1", payments_router)
api.add_router("/v1", contracts_router)
