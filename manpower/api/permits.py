"""/api/v1/applications, /api/v1/permits, /api/v1/verify: parse, call a service or selector, serialise."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict

from manpower.api import ERRORS, MAX_PAGE
from manpower.core.errors import DomainError, InputErrors, register_messages, render_message
from manpower.payments import services as payment_services
from manpower.payments.models import Invoice
from manpower.permits import credentials, selectors, services
from manpower.permits.inputs import KEY_LENGTH, clean_idempotency_key, parse_application
from manpower.permits.models import ApplicationType, State
from manpower.permits.presenters import application_view, permit_view
from manpower.registry.selectors import establishment_get
from manpower.registry.validators import clean_cr_number

router = Router(tags=["applications"])
public = Router(tags=["verification"])

MAX_BULK_ROWS = 1000
BATCH_KEY_LENGTH = KEY_LENGTH - len(f":{MAX_BULK_ROWS}")
KEY_HEADER = "Idempotency-Key"


def _key_header(description: str, maximum: int) -> dict[str, Any]:
    """The Idempotency-Key header in the OpenAPI document (Ninja reads headers only through parameters)."""
    return {"parameters": [{"in": "header", "name": "Idempotency-Key", "required": False, "description": description,
                            "schema": {"type": "string", "maxLength": maximum}}]}


class ApplicationIn(BaseModel):  # a plain pydantic model, as the responses below: the body is a dict
    # Fields it does not know are kept (model_extra), so that parse_application refuses each by name.
    model_config = ConfigDict(extra="allow")

    cr_number: str = Field(..., description="The establishment applying (commercial registration number).")
    type: str = Field("new_permit", description="new_permit | renewal | transfer | cancellation")
    passport_number: str | None = None
    passport_country: str | None = Field(None, description="ISO 3166-1 alpha-2")
    nationality: str | None = Field(None, description="ISO 3166-1 alpha-2")
    name_latin: str | None = None
    name_ar: str | None = None
    date_of_birth: str | None = Field(None, description="YYYY-MM-DD")
    sex: str | None = Field(None, description="F | M")
    passport_expires_on: str | None = Field(None, description="YYYY-MM-DD")
    occupation: str | None = Field(None, description="ISCO-08 unit group, 4 digits")
    job_title: str | None = Field(None, description="ESCO occupation URI within the unit group")
    basic_wage: str | None = Field(None, description="OMR, at most 3 decimals")
    permit_number: str | None = Field(None, description="For renewal, transfer, cancellation")
    email: str | None = None
    phone: str | None = Field(None, description="E.164, e.g. +96891234567")
    idempotency_key: str | None = Field(None, description="For clients that cannot send the Idempotency-Key header.")


class Out(BaseModel):
    """A response built from a presenter's dict: validated by pydantic's core alone (a ninja Schema would first wrap
    every nested dict in its Django-attribute getter, a tenth of a submission's CPU for nothing)."""


class CheckOut(Out):
    id: str
    status: str
    code: str | None
    title: str
    citation: str
    message: str
    fix: str


class FeeOut(Out):
    code: str
    label: str
    amount: str
    explanation: str


class DecisionOut(Out):
    seq: int
    source: str
    outcome: str
    evaluated_on: date
    ruleset_version: str
    checks: list[CheckOut]
    fees: list[FeeOut]
    total: str
    officer_reason: str


class InvoiceRef(Out):
    number: str
    total: str
    status: str
    due_on: date


class WorkerOut(Out):
    name: str
    nationality: str
    passport_last4: str


class ApplicationOut(Out):
    number: str
    type: str
    type_label: str
    state: str
    state_label: str
    cr_number: str
    worker: WorkerOut
    occupation: str
    occupation_title: str
    basic_wage: str
    permit_number: str | None
    created_at: datetime
    state_changed_at: datetime
    decision: DecisionOut | None
    invoice: InvoiceRef | None
    awaiting_worker_consent: bool


class Page(Out):
    count: int
    page: int
    page_size: int
    results: list[ApplicationOut]


class ListFilters(Schema):
    state: str | None = None
    type: str | None = None
    cr_number: str | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=200)


def _single_key(header: str | None, field: Any) -> str | None:
    """The key from the header or, for clients that cannot set headers, the body's ``idempotency_key``."""
    from_header = clean_idempotency_key(header)
    from_body = clean_idempotency_key(field, "idempotency_key")
    if from_header and from_body and from_header != from_body:
        raise DomainError("idempotency_keys_differ", field="idempotency_key")
    return from_header or from_body


@router.post("/applications", response={200: ApplicationOut, 201: ApplicationOut, **ERRORS},
             summary="Submit an application (decided at once)",
             openapi_extra=_key_header("Any unique string per application, e.g. a UUID. Sent again, it returns the first "
                                       "result (200); sent with a different application, it is refused (422).", KEY_LENGTH))
def application_create(request: HttpRequest, body: ApplicationIn) -> Status:
    """Send an `Idempotency-Key` header: the same key returns the first result (200) instead of a second application."""
    payload = body.model_dump()  # with the fields the schema does not know, which parse_application refuses by name
    key = _single_key(request.headers.get("Idempotency-Key"), payload.pop("idempotency_key", None))
    establishment = establishment_get(request.auth, cr_number=clean_cr_number(payload.pop("cr_number", "")),  # type: ignore[attr-defined]
                                      permission="apply", with_places=False)
    data = parse_application({k: v for k, v in payload.items() if v is not None or k in (body.model_extra or {})})
    try:
        submission = services.application_submission(actor=request.auth, establishment=establishment,  # type: ignore[attr-defined]
                                                     data=data, idempotency_key=key)
    except DomainError as error:
        if error.field == "idempotency_key" and request.headers.get("Idempotency-Key"):
            error.field = KEY_HEADER  # name what the caller sent
        raise
    return Status(200 if submission.replayed else 201, application_view(submission.application, latest=submission.decision))


@router.get("/applications", response={200: Page, **ERRORS}, summary="List applications you may see")
def application_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    queryset = selectors.applications_for(request.auth)  # type: ignore[attr-defined]
    errors = [DomainError("unknown_code", field=name, params={"value": value, "list": name})
              for name, value, known in (("state", filters.state, State.values), ("type", filters.type, ApplicationType.values))
              if value and value not in known]
    if errors:
        raise InputErrors(errors)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.type:
        queryset = queryset.filter(type=filters.type)
    if filters.cr_number:
        queryset = queryset.filter(establishment__cr_number=clean_cr_number(filters.cr_number))
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(queryset.order_by("-id")[start:start + filters.page_size])
    return {"count": count, "page": filters.page, "page_size": filters.page_size,
            "results": [application_view(application) for application in rows]}


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="allow")  # unknown top-level fields are refused by name

    cr_number: str
    rows: list[dict[str, Any]] = Field(..., description=f"Up to {MAX_BULK_ROWS} application rows (fields as above).")


class BulkRowOut(Schema):
    row: int
    accepted: bool
    number: str | None = None
    state: str | None = None
    errors: list[dict[str, Any]] = []


class BulkOut(Schema):
    accepted: int
    refused: int
    results: list[BulkRowOut]


def submit_rows(actor: Any, cr_number: str, rows: list[dict[str, Any]], batch_key: str | None, lang: str) -> dict[str, Any]:
    """Submit each row on its own (one row's error never undoes another's); the same batch key and row
    index give the same result when a client sends the batch again after a failure."""
    if len(rows) > MAX_BULK_ROWS:
        raise DomainError("too_many_rows", field="rows", params={"maximum": MAX_BULK_ROWS, "count": len(rows)})
    # Row keys are "<batch key>:<row>", so the batch key leaves room for the row number.
    batch_key = clean_idempotency_key(batch_key, maximum=BATCH_KEY_LENGTH)
    establishment = establishment_get(actor, cr_number=clean_cr_number(cr_number), permission="apply")
    results = []
    for index, row in enumerate(rows, start=1):
        fields = {k: ("" if v is None else str(v)) for k, v in row.items() if k not in {"cr_number", "idempotency_key"}}
        try:
            if str(row.get("cr_number") or "").strip() and clean_cr_number(row["cr_number"]) != establishment.cr_number:
                raise DomainError("row_of_other_establishment", field="cr_number",
                                  params={"row": row["cr_number"], "batch": establishment.cr_number})
            key = clean_idempotency_key(row.get("idempotency_key"), "idempotency_key") or (
                f"{batch_key}:{index}" if batch_key else None)
            data = parse_application(fields)
            # Each row is its own transaction (inside application_submit): a refused row undoes nothing else.
            application = services.application_submit(actor=actor, establishment=establishment, data=data,
                                                      idempotency_key=key)
            results.append({"row": index, "accepted": True, "number": application.number, "state": application.state})
        except InputErrors as errors:
            results.append({"row": index, "accepted": False, "errors": errors.as_list(lang)})
        except DomainError as error:
            results.append({"row": index, "accepted": False, "errors": [error.as_dict(lang)]})
    accepted = sum(1 for result in results if result["accepted"])
    return {"accepted": accepted, "refused": len(results) - accepted, "results": results}


@router.post("/applications/bulk", response={200: BulkOut, **ERRORS}, summary=f"Submit up to {MAX_BULK_ROWS} applications",
             openapi_extra=_key_header("One key per batch: sending the batch again returns each row's first result. "
                                       "A row's own idempotency_key takes precedence.", BATCH_KEY_LENGTH))
def application_bulk(request: HttpRequest, body: BulkIn) -> dict[str, Any]:
    from django.utils import translation

    if body.model_extra:
        raise InputErrors([DomainError("unknown_field", field=name, params={"value": name}) for name in body.model_extra])
    key = request.headers.get("Idempotency-Key")
    return submit_rows(request.auth, body.cr_number, body.rows, key, translation.get_language() or "ar")  # type: ignore[attr-defined]


@router.get("/applications/{number}", response={200: ApplicationOut, **ERRORS})
def application_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    return application_view(selectors.application_get(request.auth, number))  # type: ignore[attr-defined]


@router.post("/applications/{number}/withdraw", response={200: ApplicationOut, **ERRORS})
def application_withdraw(request: HttpRequest, number: str) -> dict[str, Any]:
    application = selectors.application_get(request.auth, number)  # type: ignore[attr-defined]
    return application_view(services.application_withdraw(actor=request.auth, application=application))  # type: ignore[attr-defined]


@router.post("/applications/{number}/consent", response=ApplicationOut, summary="The worker consents to a transfer")
def application_consent(request: HttpRequest, number: str) -> dict[str, Any]:
    application = selectors.application_get(request.auth, number)  # type: ignore[attr-defined]
    services.transfer_consent(actor=request.auth, application=application)  # type: ignore[attr-defined]
    application.refresh_from_db()
    return application_view(application)


class OfficerDecisionIn(Schema):
    approve: bool
    reason: str


@router.post("/applications/{number}/officer-decision", response=ApplicationOut, tags=["officers"])
def officer_decision(request: HttpRequest, number: str, body: OfficerDecisionIn) -> dict[str, Any]:
    application = selectors.application_get(request.auth, number)  # type: ignore[attr-defined]
    services.referral_decide(actor=request.auth, application=application, approve=body.approve,  # type: ignore[attr-defined]
                             reason=body.reason)
    application.refresh_from_db()
    return application_view(application)


class OverrideIn(Schema):
    confirm: bool


@router.post("/applications/{number}/override", response=ApplicationOut, tags=["officers"])
def override(request: HttpRequest, number: str, body: OverrideIn) -> dict[str, Any]:
    application = selectors.application_get(request.auth, number)  # type: ignore[attr-defined]
    services.override_confirm(actor=request.auth, application=application, confirm=body.confirm)  # type: ignore[attr-defined]
    application.refresh_from_db()
    return application_view(application)


class PermitOut(Schema):
    number: str
    status: str
    status_label: str
    valid_from: date
    valid_until: date
    cr_number: str
    establishment: str
    occupation: str
    occupation_title: str
    credential: str


@router.get("/permits/{number}", response=PermitOut, tags=["permits"])
def permit_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    return permit_view(selectors.permit_get(request.auth, number))  # type: ignore[attr-defined]


class PaymentIn(Schema):
    amount: Decimal
    method: str = Field(..., description="counter | bank_transfer")
    reference: str


class InvoiceOut(Schema):
    number: str
    status: str
    total: str
    due_on: date


@router.post("/invoices/{number}/payments", response=InvoiceOut, tags=["payments"],
             summary="Record a payment received at a counter or by bank transfer (ministry staff)")
def invoice_payment(request: HttpRequest, number: str, body: PaymentIn) -> dict[str, Any]:
    invoice = Invoice.objects.filter(number=number).first()
    if invoice is None:
        raise DomainError("not_found", field="number")
    payment_services.invoice_record_payment(actor=request.auth, invoice=invoice, amount=body.amount,  # type: ignore[attr-defined]
                                            method=body.method, reference=body.reference)
    invoice.refresh_from_db()
    return {"number": invoice.number, "status": invoice.status, "total": str(invoice.total_omr), "due_on": invoice.due_on}


class VerifyOut(Schema):
    found: bool
    signature_valid: bool | None = None
    number: str | None = None
    status: str | None = None
    status_label: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    cr_number: str | None = None
    occupation: str | None = None
    problem: str | None = None
    problem_code: str | None = Field(None, description="credential_not_genuine | no_such_permit | credential_replaced")


def verify(number: str | None = None, token: str | None = None) -> dict[str, Any]:
    """The live status of a permit by its number or by the credential from its QR code."""
    signature_valid = None
    problem = None
    if token:
        checked = credentials.verify_token(token)
        signature_valid = checked.valid
        if not checked.valid:
            return {"found": False, "signature_valid": False, **_problem("credential_not_genuine")}
        number = checked.claims.get("pn")
    permit = selectors.permit_public_status(number or "")
    if permit is None:
        return {"found": False, "signature_valid": signature_valid, **_problem("no_such_permit")}
    if token and permit.credential != token.strip():
        problem = "credential_replaced"
    return {"found": True, "signature_valid": signature_valid, "number": permit.number, "status": permit.status,
            "status_label": permit.get_status_display(), "valid_from": permit.valid_from,
            "valid_until": permit.valid_until, "cr_number": permit.establishment.cr_number,
            "occupation": permit.occupation_id, **_problem(problem)}


register_messages({
    "credential_not_genuine": _("This credential is not genuine: it is not a permit credential, or its signature "
                                "does not match the Ministry's key."),
    "no_such_permit": _("There is no permit with this number."),
    "credential_replaced": _("This credential was replaced by a newer one (the permit was renewed): the status "
                             "shown is the permit's current one."),
})


def _problem(code: str | None) -> dict[str, str | None]:
    """What stands in the way of trusting the answer: a stable code and its words in the caller's language."""
    return {"problem_code": code, "problem": render_message(code) if code else None}


@public.get("/verify", response=VerifyOut, auth=None, summary="Check a permit (public)")
def verify_endpoint(request: HttpRequest, number: str | None = None, token: str | None = None) -> dict[str, Any]:
    return verify(number=number, token=token)
