"""/api/v1/contracts and /api/v1/verify/contract: parse, call a service or selector, serialise."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from manpower.api import MAX_PAGE
from manpower.contracts import documents, presenters, selectors, services, signing
from manpower.contracts.models import Contract
from manpower.contracts.terms import parse_terms
from manpower.core.errors import DomainError, NotFound
from manpower.registry.models import Employment, Person
from manpower.registry.selectors import establishment_get

router = Router(tags=["contracts"])


class CheckOut(Schema):
    id: str
    status: str
    code: str | None
    title: str
    message: str
    fix: str
    citation: str


class LawOut(Schema):
    outcome: str | None
    evaluated_on: str | None
    ruleset_version: str | None
    may_be_sent: bool
    checks: list[CheckOut]


class SignatureOut(Schema):
    role: str
    signer: str
    signed_at: datetime
    timestamp: datetime | None
    certificate_serial: str
    document_sha256: str


class VersionOut(Schema):
    seq: int
    kind: str
    change: str
    state: str
    state_label: str
    occupation: str
    occupation_title: str
    term: str
    start_date: date
    end_date: date | None
    probation_days: int
    pay_basis: str
    basic_wage: str
    housing_allowance: str
    transport_allowance: str
    other_allowances: str
    gross_wage: str
    daily_hours: str
    weekly_hours: str
    rest_days_per_week: int
    annual_leave_days: int
    notice_days: int
    non_renewal_notice_days: int | None
    drafted_at: datetime
    sent_at: datetime | None
    deadline: date | None
    worker_comment: str
    responded_at: datetime | None
    has_document: bool
    law: LawOut | None
    signatures: list[SignatureOut]


class WorkerOut(Schema):
    name: str
    name_latin: str
    nationality: str
    passport_last4: str


class EndOut(Schema):
    reason: str
    reason_label: str
    last_working_day: date
    service_start: str
    basic_wage: str
    gratuity: str
    gratuity_explanation: str
    leave_balance_days: int
    leave_pay: str
    leave_explanation: str
    total: str
    citation: str


class ContractOut(Schema):
    number: str
    status: str
    status_label: str
    cr_number: str
    establishment: str
    worker: WorkerOut
    permit_number: str | None
    registered_version: int | None
    registered_at: datetime | None
    current: VersionOut | None
    open_version: int | None
    history: list[VersionOut]
    end: EndOut | None
    actions: dict[str, bool]


class Page(Schema):
    count: int
    page: int
    page_size: int
    results: list[ContractOut]


class ListFilters(Schema):
    status: str | None = None
    cr_number: str | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=200)


class DraftIn(Schema):
    cr_number: str = Field(..., description="The establishment (commercial registration number).")
    employment_id: int | None = Field(None, description="For a worker already employed.")
    application_number: str | None = Field(None, description="For a worker applied for, e.g. APP-2026-0000012-3.")
    terms: dict[str, Any] = Field(..., description="occupation, duties_ar, duties_en, workplace_ar, workplace_en, "
                                  "qualification, residence, term (fixed|indefinite), start_date, end_date, "
                                  "probation_days, had_probation_before, pay_basis (monthly|other), basic_wage, "
                                  "housing_allowance, transport_allowance, other_allowances, bonuses_ar, bonuses_en, "
                                  "pay_day, daily_hours, weekly_hours, rest_days_per_week, annual_leave_days, "
                                  "notice_days, non_renewal_notice_days, other_terms_ar, other_terms_en")


class TermsIn(Schema):
    terms: dict[str, Any]


class ReviseIn(Schema):
    terms: dict[str, Any] | None = None


class AmendIn(Schema):
    change: str = Field(..., description="wage | occupation | extension | other")
    terms: dict[str, Any]


class CodeIn(Schema):
    code: str = Field(..., description="The six-digit code sent to the signer.")


class CodeSentOut(Schema):
    channel: str
    destination: str
    expires_at: datetime


class CommentIn(Schema):
    comment: str = ""


class EndIn(Schema):
    reason: str = Field(..., description="end_of_contract | resignation | termination | mutual_agreement | "
                        "dismissal_article_40 | death")
    last_working_day: date
    leave_days_taken: int = Field(0, ge=0)


def _view(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    contract.refresh_from_db()
    return presenters.contract_view(contract, request.auth)  # type: ignore[attr-defined]


def _get(request: HttpRequest, number: str) -> Contract:
    return selectors.contract_get(request.auth, number)  # type: ignore[attr-defined]


@router.get("/contracts", response=Page, summary="List contracts you may see")
def contract_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    queryset = selectors.contracts_for(request.auth)  # type: ignore[attr-defined]
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.cr_number:
        queryset = queryset.filter(establishment__cr_number=filters.cr_number)
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(queryset.order_by("-id")[start:start + filters.page_size])
    return {"count": count, "page": filters.page, "page_size": filters.page_size,
            "results": [presenters.contract_view(c, request.auth) for c in rows]}  # type: ignore[attr-defined]


@router.post("/contracts", response={201: ContractOut}, summary="Draft a contract (checked against the law, not sent)")
def contract_create(request: HttpRequest, body: DraftIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    establishment = establishment_get(actor, cr_number=body.cr_number, permission="sign")
    employment = application = None
    if body.employment_id is not None:
        employment = Employment.objects.filter(pk=body.employment_id, establishment=establishment).first()
        if employment is None:
            raise NotFound(field="employment_id")
        person: Person = employment.person
    elif body.application_number:
        from manpower.permits.selectors import applications_for

        application = applications_for(actor).filter(number=body.application_number.strip().upper(),
                                                     establishment=establishment).first()
        if application is None:
            raise NotFound(field="application_number")
        person = application.person
    else:
        raise DomainError("required", field="employment_id")
    contract = services.contract_draft(actor=actor, establishment=establishment, person=person,
                                       terms=parse_terms(body.terms), employment=employment, application=application)
    return Status(201, _view(request, contract))


@router.get("/contracts/{number}", response=ContractOut)
def contract_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    return _view(request, _get(request, number))


@router.put("/contracts/{number}/draft", response=ContractOut, summary="Change the terms of the draft")
def contract_update(request: HttpRequest, number: str, body: TermsIn) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_update_draft(actor=request.auth, contract=contract, terms=parse_terms(body.terms))  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/revise", response=ContractOut,
             summary="A new draft after a change request, a refusal or an ended offer")
def contract_revise(request: HttpRequest, number: str, body: ReviseIn) -> dict[str, Any]:
    contract = _get(request, number)
    terms = parse_terms(body.terms) if body.terms else None
    services.contract_revise(actor=request.auth, contract=contract, terms=terms)  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/amend", response=ContractOut, summary="Draft an amendment of a registered contract")
def contract_amend(request: HttpRequest, number: str, body: AmendIn) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_amend(actor=request.auth, contract=contract, change=body.change, terms=parse_terms(body.terms))  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/signing-code", response=CodeSentOut,
             summary="Send the signer a one-time code (topic signing.otp)")
def signing_code(request: HttpRequest, number: str) -> dict[str, Any]:
    sent = services.signing_code_request(actor=request.auth, contract=_get(request, number))  # type: ignore[attr-defined]
    return {"channel": sent.channel, "destination": sent.destination, "expires_at": sent.expires_at}


@router.post("/contracts/{number}/send", response=ContractOut, summary="The employer signs the draft and sends it")
def contract_send(request: HttpRequest, number: str, body: CodeIn) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_send(actor=request.auth, contract=contract, code=body.code)  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/sign", response=ContractOut, summary="The worker signs the offer")
def contract_sign(request: HttpRequest, number: str, body: CodeIn) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_sign(actor=request.auth, contract=contract, code=body.code)  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/change-request", response=ContractOut, summary="The worker asks for a change")
def contract_change(request: HttpRequest, number: str, body: CommentIn) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_request_change(actor=request.auth, contract=contract, comment=body.comment)  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/reject", response=ContractOut, summary="The worker refuses the offer")
def contract_reject(request: HttpRequest, number: str, body: CommentIn) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_reject(actor=request.auth, contract=contract, comment=body.comment)  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/withdraw", response=ContractOut, summary="The employer withdraws a draft or offer")
def contract_withdraw(request: HttpRequest, number: str) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_withdraw(actor=request.auth, contract=contract)  # type: ignore[attr-defined]
    return _view(request, contract)


@router.post("/contracts/{number}/end", response=ContractOut,
             summary="Record the end of service, with gratuity and leave balance")
def contract_end(request: HttpRequest, number: str, body: EndIn) -> dict[str, Any]:
    contract = _get(request, number)
    services.contract_end(actor=request.auth, contract=contract, reason=body.reason,  # type: ignore[attr-defined]
                          last_working_day=body.last_working_day, leave_days_taken=body.leave_days_taken)
    return _view(request, contract)


@router.get("/contracts/{number}/versions/{seq}/pdf", summary="A version's PDF (signed, or a preview of a draft)")
def contract_pdf(request: HttpRequest, number: str, seq: int) -> HttpResponse:
    contract = _get(request, number)
    version = next((v for v in selectors.versions_for(request.auth, contract) if v.seq == seq), None)  # type: ignore[attr-defined]
    if version is None:
        raise NotFound(field="seq")
    pdf = services.read_document(version) if version.document_sha256 else documents.render(version)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.number}-v{seq}.pdf"'
    return response


class VerifiedSignatureOut(Schema):
    field: str
    role: str
    signer: str
    signer_id: str
    issuer: str
    certificate_serial: str
    signed_at: datetime | None
    timestamp: datetime | None
    valid: bool
    intact: bool
    trusted: bool
    timestamp_valid: bool
    certifying: bool
    modification: str
    problems: list[str]


class VerifyOut(Schema):
    readable: bool
    valid: bool
    changed_after_signing: bool
    problem: str
    signatures: list[VerifiedSignatureOut]
    on_record: dict[str, Any] | None


public = Router(tags=["verification"])


@public.post("/verify/contract", response=VerifyOut, auth=None,
             summary="Check a contract PDF: signatures, signers, time stamps, changes after signing")
def verify_contract(request: HttpRequest, document: File[UploadedFile]) -> dict[str, Any]:
    if document.size and document.size > settings.CONTRACT_VERIFY_MAX_BYTES:
        raise DomainError("invalid", field="document")
    pdf = document.read()
    return presenters.report_view(signing.validate(pdf), selectors.copy_on_record(hashlib.sha256(pdf).hexdigest()))


router.add_router("", public)
