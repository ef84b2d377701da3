"""Permit pages: the application form, the application and its reasons, the officers' queue, the permit
card and the public check. Each view parses, calls a service or selector, and renders."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manpower.api.permits import verify
from manpower.core.errors import DomainError, InputErrors
from manpower.identity.authz import request_user
from manpower.payments import selectors as payment_selectors
from manpower.payments import services as payment_services
from manpower.payments.models import Invoice
from manpower.permits import credentials, selectors, services
from manpower.permits.documents import permit_card_pdf
from manpower.permits.forms import ApplicationForm, OfficerDecisionForm, PaymentForm, VerifyForm
from manpower.permits.inputs import KEY_LENGTH, parse_application
from manpower.permits.presenters import application_view
from manpower.registry.models import Country
from manpower.registry.selectors import establishment_get, establishments_for


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def _add_errors(form: Any, errors: list[DomainError]) -> None:
    for error in errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message(_lang()))


@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    establishments = [(e.cr_number, f"{e.name} ({e.cr_number})") for e in establishments_for(user, "apply")]  # type: ignore[arg-type]
    if not establishments:
        raise Http404
    name = "name_ar" if _lang() == "ar" else "name_en"
    countries = [(code, label) for code, label in Country.objects.order_by(name).values_list("code", name)]
    form = ApplicationForm(request.POST or None, establishments=establishments, countries=countries,
                           initial={"type": request.GET.get("type", "new_permit"),
                                    "permit_number": request.GET.get("permit", "")})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "cr_number"}
        if data["type"] != "new_permit":
            for key in ("passport_number", "passport_country", "nationality", "name_latin", "name_ar", "date_of_birth",
                        "sex", "passport_expires_on", "phone", "email"):
                data.pop(key, None)
        try:
            establishment = establishment_get(user, cr_number=form.cleaned_data["cr_number"], permission="apply")  # type: ignore[arg-type]
            parsed = parse_application(data)
            try:
                application = services.application_submit(actor=user, establishment=establishment,  # type: ignore[arg-type]
                                                          data=parsed, idempotency_key=_form_key(request))
            except DomainError as error:
                if error.code != "idempotency_key_reused":
                    raise
                # Back, changed and sent again after the first was recorded: another application, not a double click.
                application = services.application_submit(actor=user, establishment=establishment,  # type: ignore[arg-type]
                                                          data=parsed, idempotency_key=None)
        except InputErrors as errors:
            _add_errors(form, errors.errors)
        except DomainError as error:
            _add_errors(form, [error])
        else:
            return redirect("portal:application", number=application.number)
    return render(request, "permits/application_form.html", {"form": form, "form_token": _form_token(request)})


def _form_key(request: HttpRequest) -> str | None:
    """The form's token as the submission's idempotency key; one we did not issue (too long) is not used."""
    token = (request.POST.get("form_token") or "").strip()
    return token if 0 < len(token) <= KEY_LENGTH else None


def _form_token(request: HttpRequest) -> str:
    """A fresh key per form view, so pressing Submit twice records one application."""
    import secrets

    return _form_key(request) or secrets.token_urlsafe(16)


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    applications = selectors.applications_for(request.user).order_by("-id")[:200]  # type: ignore[arg-type]
    return render(request, "permits/application_list.html", {"applications": applications})


@login_required
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        application = selectors.application_get(request.user, number)  # type: ignore[arg-type]
    except DomainError:
        raise Http404 from None
    view = application_view(application, with_decisions=True)
    context: dict[str, Any] = {"application": application, "view": view}
    # Link only what this user may open: a new employer does not see the old employer's permit, nor a worker invoices.
    user = request.user
    context["permit_visible"] = bool(view.get("permit_number")) and selectors.permits_for(user).filter(  # type: ignore[arg-type]
        number=view["permit_number"]).exists()
    context["invoice_visible"] = bool(view.get("invoice")) and payment_selectors.invoices_for(user).filter(  # type: ignore[arg-type]
        number=view["invoice"]["number"]).exists()
    if request.user.role in {"officer", "admin"}:  # type: ignore[union-attr]
        context["decision_form"] = OfficerDecisionForm()
        context["payment_form"] = PaymentForm()
        context["pending_override"] = application.override_requests.filter(resolution="").first()
    return render(request, "permits/application_detail.html", context)


def _act(request: HttpRequest, number: str, action: Any) -> HttpResponse:
    try:
        application = selectors.application_get(request.user, number)  # type: ignore[arg-type]
    except DomainError:
        raise Http404 from None
    try:
        action(application)
    except InputErrors as errors:
        for error in errors.errors:
            messages.error(request, error.message(_lang()))
    except DomainError as error:
        messages.error(request, error.message(_lang()))
    return redirect("portal:application", number=application.number)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, lambda a: services.application_withdraw(actor=request_user(request), application=a))


@login_required
@require_POST
def application_consent(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, lambda a: services.transfer_consent(actor=request_user(request), application=a))


@login_required
@require_POST
def officer_decide(request: HttpRequest, number: str) -> HttpResponse:
    form = OfficerDecisionForm(request.POST)

    def decide(application: Any) -> None:
        if not form.is_valid():
            raise DomainError("reason_required", field="reason")
        services.referral_decide(actor=request_user(request), application=application, approve=form.cleaned_data["approve"],
                                 reason=form.cleaned_data["reason"])

    return _act(request, number, decide)


@login_required
@require_POST
def officer_override(request: HttpRequest, number: str) -> HttpResponse:
    if "reason" in request.POST:
        reason = request.POST.get("reason", "")
        return _act(request, number, lambda a: services.override_request(actor=request_user(request), application=a, reason=reason))
    confirm = request.POST.get("confirm") == "1"
    return _act(request, number, lambda a: services.override_confirm(actor=request_user(request), application=a, confirm=confirm))


@login_required
@require_POST
def invoice_record_payment(request: HttpRequest, number: str) -> HttpResponse:
    form = PaymentForm(request.POST)

    def pay(application: Any) -> None:
        invoice = Invoice.objects.filter(subject_type="permits.application", subject_id=application.number,
                                         status=Invoice.Status.DUE).first()
        if invoice is None or not form.is_valid():
            raise DomainError("required", field="reference")
        payment_services.invoice_record_payment(actor=request_user(request), invoice=invoice, amount=Decimal(invoice.total_omr),
                                                method=form.cleaned_data["method"], reference=form.cleaned_data["reference"])
        messages.success(request, _("Payment recorded. The permit is issued within seconds."))

    return _act(request, number, pay)


REVIEW_PAGE_SIZE = 50


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if request.user.role not in {"officer", "admin"}:  # type: ignore[union-attr]
        raise Http404
    page = Paginator(selectors.review_queue(request.user), REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    return render(request, "permits/review_queue.html", {"queue": page.object_list, "page": page})


@login_required
def permit_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        permit = selectors.permit_get(request.user, number)  # type: ignore[arg-type]
    except DomainError:
        raise Http404 from None
    from manpower.permits.documents import qr_svg

    return render(request, "permits/permit_detail.html", {"permit": permit, "qr": qr_svg(permit.credential)})


@login_required
def permit_card(request: HttpRequest, number: str) -> FileResponse:
    try:
        permit = selectors.permit_get(request.user, number)  # type: ignore[arg-type]
    except DomainError:
        raise Http404 from None
    return FileResponse(io.BytesIO(permit_card_pdf(permit)), content_type="application/pdf",
                        filename=f"{permit.number}.pdf", as_attachment=False)


def verify_page(request: HttpRequest) -> HttpResponse:
    """Public: enter a permit number or paste/scan the QR text; the QR links here with ?token=."""
    query = (request.GET.get("token") or request.GET.get("query") or "").strip()
    form = VerifyForm(request.GET if query else None)
    result = None
    if query:
        token = credentials.token_in(query)
        result = verify(token=token) if token else verify(number=query.upper().replace(" ", ""))
        if token and result.get("signature_valid"):
            claims = credentials.verify_token(token).claims
            result["holder"] = {"name": claims.get("name"), "nationality": claims.get("nat"),
                                "passport_last4": claims.get("pp4")}
            result["replaced"] = result.get("problem_code") == "credential_replaced"
    return render(request, "permits/verify.html", {"form": form, "result": result, "query": query})


def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(credentials.public_jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response

