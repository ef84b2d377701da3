"""The REST API: Django Ninja, versioned under /api/v1/, OpenAPI at /api/docs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError

from manpower.api.auth import BasicAuth, SessionAuth, TokenAuth
from manpower.core.errors import DomainError, InputErrors

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


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """Ninja's own schema errors, in the same shape as ours."""
    errors = []
    for item in error.errors:
        location = [str(part) for part in item.get("loc", []) if part not in {"body", "query", "path", "payload"}]
        errors.append({"code": "invalid", "field": ".".join(location) or None, "message": str(item.get("msg", ""))})
    return api.create_response(request, {"errors": errors}, status=422)


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
