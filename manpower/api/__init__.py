"""The REST API (Django Ninja): routers by domain, mounted in ``main``."""

from ninja import Schema

# A list's page number beyond this is refused (422) before it reaches the database as an offset.
MAX_PAGE = 100_000


class ErrorOut(Schema):
    code: str
    field: str | None = None
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorOut]


# The refusals every call may answer, documented in the OpenAPI document (the handlers in ``main`` write them).
ERRORS: dict[int, type[Schema]] = {401: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}
