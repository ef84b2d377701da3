"""Contract pages: drafting, the two-party loop, signing with a one-time code, amendments, end of service,
the public check of a contract PDF, and claiming a worker account. Each view parses, calls a service or
selector, and renders."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manpower.contracts import claims, documents, presenters, selectors, services, signing
from manpower.contracts.forms import (
    AmendmentForm,
    ClaimFinishForm,
    ClaimStartForm,
    CodeForm,
    CommentForm,
    EndForm,
    RejectForm,
    TermsForm,
    VerifyUploadForm,
)
from manpower.contracts.models import Contract, ContractVersion
from manpower.contracts.terms import parse_terms, terms_of
from manpower.core.errors import DomainError, InputErrors
from manpower.identity.authz import request_user
from manpower.identity.models import Role, User
from manpower.registry.models import Country, Employment
from manpower.registry.selectors import establishments_for


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def _add_errors(form: Any, errors: list[DomainError]) -> None:
    for error in errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message(_lang()))


def _user(request: HttpRequest) -> User:
    return request_user(request)


def _contract(request: HttpRequest, number: str) -> Contract:
    try:
        return selectors.contract_get(_user(request), number)
    except DomainError:
        raise Http404 from None


def _terms_data(form: TermsForm) -> dict[str, Any]:
    return {name: form.data.get(name, "") for name in form.fields if name != "change"} | {
        "had_probation_before": form.data.get("had_probation_before") in ("on", "true", "1")}


# --- Lists and drafting ----------------------------------------------------------------------------------


def _candidates(user: User) -> dict[str, list[Any]]:
    """Workers an employer may draft a contract for: current employees and permit applicants."""
    if user.role != Role.EMPLOYER:
        return {"employments": [], "applications": []}
    establishments = list(establishments_for(user, "sign").values_list("pk", flat=True))
    busy = set(Contract.objects.filter(establishment_id__in=establishments,
                                       status__in=[Contract.Status.NEGOTIATING, Contract.Status.REGISTERED])
               .values_list("person_id", "establishment_id"))
    employments = [e for e in Employment.objects.current().filter(establishment_id__in=establishments, is_omani=False)
                   .select_related("person", "establishment", "occupation").order_by("person__name_latin")
                   if (e.person_id, e.establishment_id) not in busy]
    from manpower.permits.models import Application

    applications = [a for a in Application.objects.filter(
        establishment_id__in=establishments, type="new_permit",
        state__in=["submitted", "awaiting_verification", "referred", "approved", "paid", "issued"],
    ).select_related("person", "establishment").order_by("-id")[:100] if (a.person_id, a.establishment_id) not in busy]
    return {"employments": employments, "applications": applications}


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    contracts = list(selectors.contracts_for(user).order_by("-id")[:200])
    rows = []
    for contract in contracts:
        open_version = contract.open_version
        rows.append({"contract": contract, "open": open_version,
                     "waiting_for_me": bool(open_version and open_version.state == ContractVersion.State.OFFERED
                                            and user.role == Role.WORKER)})
    return render(request, "contracts/contract_list.html", {"rows": rows, "candidates": _candidates(user),
                                                             "can_draft": user.role == Role.EMPLOYER})


def _prefill(employment: Employment | None, application: Any) -> dict[str, Any]:
    source = employment or application
    establishment = source.establishment
    initial = dict(TermsForm.DEFAULTS)
    initial.update({
        "occupation": source.occupation_id,
        "basic_wage": str(employment.basic_wage_omr if employment else application.basic_wage_omr),
        "start_date": timezone.localdate().isoformat(),
        "workplace_ar": f"{establishment.wilayat.name_ar}، {establishment.governorate.name_ar}",
        "workplace_en": f"{establishment.wilayat.name_en}, {establishment.governorate.name_en}",
    })
    return initial


@login_required
def contract_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role != Role.EMPLOYER:
        raise Http404
    employment = application = None
    candidates = _candidates(user)
    if employment_id := (request.GET.get("employment") or request.POST.get("employment")):
        employment = next((e for e in candidates["employments"] if str(e.pk) == employment_id), None)
    elif number := (request.GET.get("application") or request.POST.get("application")):
        application = next((a for a in candidates["applications"] if a.number == number), None)
    if employment is None and application is None:
        return render(request, "contracts/contract_choose.html", {"candidates": candidates})
    source = employment or application
    form = TermsForm(request.POST or None, initial=_prefill(employment, application))
    if request.method == "POST":
        try:
            terms = parse_terms(_terms_data(form))
            contract = services.contract_draft(actor=user, establishment=source.establishment, person=source.person,  # type: ignore[union-attr]
                                               terms=terms, employment=employment, application=application)
        except InputErrors as errors:
            _add_errors(form, errors.errors)
        except DomainError as error:
            _add_errors(form, [error])
        else:
            messages.success(request, _("Draft saved. Check it against the law, then sign and send it."))
            return redirect("portal:contract", number=contract.number)
    return render(request, "contracts/contract_form.html", {
        "form": form, "person": source.person, "establishment": source.establishment,  # type: ignore[union-attr]
        "employment": employment, "application": application, "title": _("Draft an employment contract")})


@login_required
def contract_edit(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    contract = _contract(request, number)
    version = contract.open_version
    if version is None or version.state != ContractVersion.State.DRAFT or services.party_of(user, contract) != "employer":
        raise Http404
    form = TermsForm(request.POST or None, initial=terms_of(version))
    if request.method == "POST":
        try:
            services.contract_update_draft(actor=user, contract=contract, terms=parse_terms(_terms_data(form)))
        except InputErrors as errors:
            _add_errors(form, errors.errors)
        except DomainError as error:
            _add_errors(form, [error])
        else:
            messages.success(request, _("Draft saved."))
            return redirect("portal:contract", number=contract.number)
    return render(request, "contracts/contract_form.html", {
        "form": form, "person": contract.person, "establishment": contract.establishment, "contract": contract,
        "title": _("Edit the draft (version %(seq)s)") % {"seq": version.seq}})


@login_required
def contract_amend(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    contract = _contract(request, number)
    if contract.registered_version is None or services.party_of(user, contract) != "employer":
        raise Http404
    form = AmendmentForm(request.POST or None, initial=terms_of(contract.registered_version))
    if request.method == "POST":
        try:
            services.contract_amend(actor=user, contract=contract, change=request.POST.get("change", ""),
                                    terms=parse_terms(_terms_data(form)))
        except InputErrors as errors:
            _add_errors(form, errors.errors)
        except DomainError as error:
            _add_errors(form, [error])
        else:
            messages.success(request, _("Amendment drafted. Check it, then sign and send it to the worker."))
            return redirect("portal:contract", number=contract.number)
    return render(request, "contracts/contract_form.html", {
        "form": form, "person": contract.person, "establishment": contract.establishment, "contract": contract,
        "title": _("Amend contract %(number)s") % {"number": contract.number}})


# --- The contract and the loop ---------------------------------------------------------------------------


@login_required
def contract_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    contract = _contract(request, number)
    versions = selectors.versions_for(user, contract)
    view = presenters.contract_view(contract, user, versions=versions)
    shown = next((v for v in versions if view["current"] and v.seq == view["current"]["seq"]), None)
    code_sent = request.session.get(f"contract-code:{contract.number}")
    return render(request, "contracts/contract_detail.html", {
        "contract": contract, "view": view,
        "text_html": render_to_string("contracts/_contract_text.html", documents.contract_context(shown)) if shown else "",
        "code_form": CodeForm() if code_sent else None, "code_sent": code_sent, "comment_form": CommentForm(),
        "reject_form": RejectForm(), "party": services.party_of(user, contract)})


def _act(request: HttpRequest, number: str, action: Callable[[Contract], Any], done: str | None = None,
         then: str = "portal:contract") -> HttpResponse:
    contract = _contract(request, number)
    try:
        action(contract)
    except InputErrors as errors:
        for error in errors.errors:
            messages.error(request, error.message(_lang()))
    except DomainError as error:
        messages.error(request, error.message(_lang()))
    else:
        if done:
            messages.success(request, done)
        if then != "portal:contract":
            return redirect(then, number=contract.number)
    return redirect("portal:contract", number=contract.number)


@login_required
@require_POST
def contract_code(request: HttpRequest, number: str) -> HttpResponse:
    def send_code(contract: Contract) -> None:
        sent = services.signing_code_request(actor=_user(request), contract=contract)
        request.session[f"contract-code:{contract.number}"] = sent.destination
        messages.info(request, _("We sent a six-digit code to %(destination)s. It is valid for %(minutes)s minutes.") % {
            "destination": sent.destination, "minutes": settings.SIGNING_CODE_VALID_SECONDS // 60})

    return _act(request, number, send_code)


def _with_code(request: HttpRequest, number: str, service: Callable[..., Any], done: str) -> HttpResponse:
    code = request.POST.get("code", "")

    def run(contract: Contract) -> None:
        service(actor=_user(request), contract=contract, code=code)
        request.session.pop(f"contract-code:{contract.number}", None)

    return _act(request, number, run, done)


@login_required
@require_POST
def contract_send(request: HttpRequest, number: str) -> HttpResponse:
    return _with_code(request, number, services.contract_send,
                      _("Signed and sent. The worker has been invited to read and sign it."))


@login_required
@require_POST
def contract_sign(request: HttpRequest, number: str) -> HttpResponse:
    return _with_code(request, number, services.contract_sign,
                      _("Signed. The contract is registered with the Ministry; download your copy below."))


@login_required
@require_POST
def contract_change(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, lambda c: services.contract_request_change(
        actor=_user(request), contract=c, comment=request.POST.get("comment", "")),
        _("Your request was sent to the employer. You will be told when they answer."))


@login_required
@require_POST
def contract_reject(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, lambda c: services.contract_reject(
        actor=_user(request), contract=c, comment=request.POST.get("comment", "")), _("You refused the offer."))


@login_required
@require_POST
def contract_withdraw(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, lambda c: services.contract_withdraw(actor=_user(request), contract=c),
                _("Withdrawn."))


@login_required
@require_POST
def contract_revise(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, lambda c: services.contract_revise(actor=_user(request), contract=c),
                _("A new draft was made from the last version: change what was asked, then sign and send it."),
                then="portal:contract_edit")


@login_required
def contract_end(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    contract = _contract(request, number)
    if contract.status != Contract.Status.REGISTERED or services.party_of(user, contract) != "employer":
        raise Http404
    form = EndForm(request.POST or None, initial={"last_working_day": timezone.localdate().isoformat()})
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_end(actor=user, contract=contract, reason=form.cleaned_data["reason"],
                                  last_working_day=form.cleaned_data["last_working_day"],
                                  leave_days_taken=form.cleaned_data["leave_days_taken"])
        except DomainError as error:
            _add_errors(form, [error])
        else:
            messages.success(request, _("The end of service is recorded; both parties can see the figures."))
            return redirect("portal:contract", number=contract.number)
    return render(request, "contracts/contract_end.html", {"form": form, "contract": contract})


@login_required
def contract_pdf(request: HttpRequest, number: str, seq: int) -> FileResponse:
    user = _user(request)
    contract = _contract(request, number)
    version = next((v for v in selectors.versions_for(user, contract) if v.seq == seq), None)
    if version is None:
        raise Http404
    try:
        pdf = services.read_document(version) if version.document_sha256 else documents.render(version)
    except DomainError as error:
        raise Http404(error.message()) from None
    suffix = "" if version.document_sha256 else "-draft"
    return FileResponse(io.BytesIO(pdf), content_type="application/pdf", as_attachment=False,
                        filename=f"{contract.number}-v{version.seq}{suffix}.pdf")


# --- Public verification -----------------------------------------------------------------------------------


def verify_contract(request: HttpRequest) -> HttpResponse:
    """Anyone may upload a contract PDF and see whether its signatures hold, who signed and when."""
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        if upload.size > settings.CONTRACT_VERIFY_MAX_BYTES:
            form.add_error("document", _("The file is larger than %(size)s MB.") % {
                "size": settings.CONTRACT_VERIFY_MAX_BYTES // (1024 * 1024)})
        else:
            pdf = upload.read()
            result = presenters.report_view(signing.validate(pdf),
                                            selectors.copy_on_record(hashlib.sha256(pdf).hexdigest()))
    return render(request, "contracts/verify.html", {"form": form, "result": result})


# --- Claiming a worker account ------------------------------------------------------------------------------


CLAIM_SESSION = "contract-claim"


def account_claim(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:contracts")
    name = "name_ar" if _lang() == "ar" else "name_en"
    countries = list(Country.objects.order_by(name).values_list("code", name))
    form = ClaimStartForm(request.POST or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = claims.claim_start(**form.cleaned_data)
        except InputErrors as errors:
            _add_errors(form, errors.errors)
        else:
            request.session[CLAIM_SESSION] = {"person_id": ticket.person_id, "at": timezone.now().isoformat()}
            return redirect("portal:account_claim_finish")
    return render(request, "contracts/claim_start.html", {"form": form})


def account_claim_finish(request: HttpRequest) -> HttpResponse:
    state = request.session.get(CLAIM_SESSION)
    if state is None:
        return redirect("portal:account_claim")
    form = ClaimFinishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = claims.claim_complete(ticket=claims.ClaimTicket(state.get("person_id")), code=form.cleaned_data["code"],
                                         email=form.cleaned_data["email"], password=form.cleaned_data["password"],
                                         language=_lang())
        except DomainError as error:
            _add_errors(form, [error])
        else:
            request.session.pop(CLAIM_SESSION, None)
            login(request, user, backend="manpower.identity.backends.EmailOrCivilIdBackend")
            messages.success(request, _("Your account is open. Here are the contracts offered to you."))
            return redirect("portal:contracts")
    return render(request, "contracts/claim_finish.html", {"form": form})
