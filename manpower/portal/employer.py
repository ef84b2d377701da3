"""The employer's pages: the dashboard, applying step by step from a saved draft, bulk upload, the users.

Each view parses the request, calls a selector or a service, and renders; the rules live in the services.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from manpower.api.permits import MAX_BULK_ROWS, submit_rows
from manpower.core.errors import DomainError, InputErrors
from manpower.identity import services as identity_services
from manpower.identity.authz import request_user
from manpower.identity.models import EstablishmentPermission, Role
from manpower.permits.forms import ApplicationForm
from manpower.permits.models import ApplicationType
from manpower.portal import charts, selectors, services
from manpower.portal.models import ApplicationDraft
from manpower.registry.models import Country
from manpower.registry.selectors import acts_for_any, establishment_get, establishments_for

PENDING = "portal.pending_draft_answers"  # session key: answers posted after the session had expired


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


# ------------------------------------------------------------------------------------------- dashboard
def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    today = timezone.localdate()
    rtl = translation.get_language_bidi()
    boards = []
    for establishment in establishments_for(user):
        board = selectors.employer_dashboard(establishment, today)
        boards.append({
            "board": board,
            "nationality_chart": charts.bar_chart(board.by_nationality, rtl=rtl),
            "occupation_chart": charts.bar_chart(board.by_occupation, rtl=rtl),
            "expiry_chart": charts.bar_chart(_expiry_bars(board), rtl=rtl),
            "omanisation_gauge": charts.gauge(board.ratio, board.target, rtl=rtl),
        })
    return {"boards": boards, "drafts": list(selectors.drafts_for(user)[:10]), "today": today,
            "may_apply": acts_for_any(user, "apply")}


def _expiry_bars(board: selectors.Dashboard) -> list[selectors.Bar]:
    total = board.active_permits

    def bar(label: str, count: int) -> selectors.Bar:
        return selectors.Bar(label, count, selectors.share_of(count, total))

    return [bar(_("Within 30 days"), board.expiring_30), bar(_("Within 60 days"), board.expiring_60)]


# ------------------------------------------------------------------------------------- applying, step by step
STEP_TITLES = {
    "start": gettext_lazy("What do you want to do?"),
    "permit": gettext_lazy("Which permit?"),
    "worker": gettext_lazy("The worker"),
    "job": gettext_lazy("The job"),
    "check": gettext_lazy("Check your answers"),
}


def keeps_answers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; an answer posted after the session timed out is kept and saved once the user is back."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.method == "POST" and "draft" in kwargs:
                answers = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
                request.session[PENDING] = {"draft": str(kwargs["draft"]), "step": kwargs.get("step", ""),
                                            "answers": answers}
            return redirect_to_login(request.get_full_path())
        if request.user.role != Role.EMPLOYER:  # type: ignore[union-attr]
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _step_form(request: HttpRequest, step: str, data: Any = None, initial: dict[str, Any] | None = None) -> ApplicationForm:
    user = request_user(request)
    establishments = [(e.cr_number, f"{e.name} ({e.cr_number})") for e in establishments_for(user, "apply")]
    countries: list[tuple[str, str]] = []
    if step == "worker":
        name = "name_ar" if _lang() == "ar" else "name_en"
        countries = list(Country.objects.order_by(name).values_list("code", name))
    form = ApplicationForm(data, establishments=establishments, countries=countries, initial=initial or {})
    for name in list(form.fields):
        if name not in services.STEP_FIELDS[step]:
            del form.fields[name]
    for name in ("occupation", "basic_wage", "permit_number", "passport_number", "name_latin", "date_of_birth",
                 "passport_expires_on", "passport_country", "nationality", "sex"):
        if name in form.fields:
            form.fields[name].widget.attrs["aria-required"] = "true"
    if "phone" in form.fields:
        form.fields["phone"].widget.attrs.update({"type": "tel", "autocomplete": "tel", "dir": "ltr"})
    if "email" in form.fields:
        form.fields["email"].widget.attrs.update({"autocomplete": "email", "dir": "ltr"})
    for name in ("passport_number", "permit_number", "occupation", "basic_wage"):
        if name in form.fields:
            form.fields[name].widget.attrs["dir"] = "ltr"
    if "basic_wage" in form.fields:
        form.fields["basic_wage"].widget.attrs["inputmode"] = "decimal"
    return form


def _attach(form: ApplicationForm, errors: list[DomainError], fields: tuple[str, ...]) -> None:
    for error in errors:
        if error.field in fields and error.field in form.fields:
            form.add_error(error.field, error.message(_lang()))


def _next_step(draft: ApplicationDraft, step: str) -> str:
    steps = services.steps_for(draft.type)
    return steps[min(steps.index(step) + 1, len(steps) - 1)] if step in steps else steps[0]


def _previous_step(draft: ApplicationDraft, step: str) -> str | None:
    steps = services.steps_for(draft.type)
    return steps[steps.index(step) - 1] if step in steps and steps.index(step) > 0 else None


def _describe(form: ApplicationForm) -> None:
    """Tie each input to its hint and its error message, so a screen reader reads them with the field."""
    for name, field in form.fields.items():
        ids = []
        if field.help_text:
            ids.append(f"id_{name}-hint")
        if form.is_bound and form.errors.get(name):
            ids.append(f"id_{name}-error")
            field.widget.attrs["aria-invalid"] = "true"
        if ids and not isinstance(field.widget, forms.RadioSelect):
            field.widget.attrs["aria-describedby"] = " ".join(ids)


def _render_step(request: HttpRequest, draft: ApplicationDraft | None, step: str, form: ApplicationForm | None,
                 **extra: Any) -> HttpResponse:
    if form is not None:
        _describe(form)
    application_type = draft.type if draft else request.GET.get("type", ApplicationType.NEW_PERMIT)
    steps = services.steps_for(application_type if application_type in ApplicationType.values else "new_permit")
    previous = _previous_step(draft, step) if draft else None
    return render(request, "portal/apply_step.html", {
        "draft": draft, "step": step, "form": form, "title": STEP_TITLES[step],
        "number": steps.index(step) + 1 if step in steps else 1, "count": len(steps),
        "back": reverse("portal:apply_step", args=[draft.public_id, previous]) if draft and previous
        else reverse("portal:dashboard"), **extra})


@keeps_answers
def apply_start(request: HttpRequest) -> HttpResponse:
    """The first step of a new draft; the draft is saved as soon as the first answers are posted."""
    user = request_user(request)
    if not establishments_for(user, "apply").exists():
        raise Http404
    initial = {"type": request.GET.get("type", ApplicationType.NEW_PERMIT)}
    form = _step_form(request, "start", request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        establishment = establishment_get(user, cr_number=form.cleaned_data["cr_number"], permission="apply")
        draft = services.draft_start(actor=user, establishment=establishment,
                                     application_type=form.cleaned_data["type"],
                                     permit_number=request.POST.get("permit_number", ""))
        return redirect("portal:apply_step", draft=draft.public_id, step=_next_step(draft, "start"))
    permit = request.GET.get("permit", "")
    return _render_step(request, None, "start", form, permit_number=permit)


@keeps_answers
def apply_step(request: HttpRequest, draft: Any, step: str) -> HttpResponse:
    user = request_user(request)
    found = selectors.draft_get(user, draft)
    if found is None and (number := selectors.submitted_draft_number(user, draft)):
        return redirect("portal:application", number=number)  # submitted already: Submit pressed twice, or Back
    if found is None or step not in services.STEP_FIELDS:
        raise Http404
    pending = request.session.get(PENDING)
    if request.method == "GET" and pending and pending.get("draft") == str(found.public_id):
        # Back after a time-out: save what was posted then, and show the step it was posted to.
        del request.session[PENDING]
        step = pending.get("step") if pending.get("step") in services.STEP_FIELDS else step
        found = services.draft_save(actor=user, draft=found, step=step, answers=pending.get("answers", {}))
        messages.info(request, _("Your session had timed out. We kept what you typed: check it and continue."))
    if step not in services.steps_for(found.type):
        return redirect("portal:apply_step", draft=found.public_id, step=services.steps_for(found.type)[0])
    if step == "check":
        return _check(request, found)
    fields = services.STEP_FIELDS[step]
    if request.method == "POST":
        form = _step_form(request, step, request.POST)
        establishment = None
        if step == "start" and request.POST.get("cr_number"):
            try:
                establishment = establishment_get(user, cr_number=request.POST["cr_number"], permission="apply")
            except DomainError:
                establishment = None
        found = services.draft_save(actor=user, draft=found, step=step, answers=request.POST.dict(),
                                    establishment=establishment)
        if request.POST.get("action") == "later":
            messages.success(request, _("Your draft is saved. You can come back to it from your dashboard at any time."))
            return redirect("portal:dashboard")
        if form.is_valid():
            _attach(form, services.draft_errors(found), fields)
        if not form.errors:
            return redirect("portal:apply_step", draft=found.public_id, step=_next_step(found, step))
    else:
        form = _step_form(request, step, initial=dict(found.data))
        if request.GET.get("check"):
            form = _step_form(request, step, dict(found.data))
            form.is_valid()
            _attach(form, services.draft_errors(found), fields)
    return _render_step(request, found, step, form)


def _answers(draft: ApplicationDraft) -> list[dict[str, Any]]:
    """The answers of each step as the check page lists them, with the link to change them."""
    form = ApplicationForm(establishments=[], countries=[])
    choices: dict[str, dict[Any, Any]] = {"type": dict(ApplicationType.choices), "sex": {"F": _("female"), "M": _("male")}}
    country_codes = {draft.data.get("passport_country"), draft.data.get("nationality")} - {None, ""}
    name = "name_ar" if _lang() == "ar" else "name_en"
    choices["passport_country"] = choices["nationality"] = dict(
        Country.objects.filter(code__in=country_codes).values_list("code", name))
    rows = []
    for step in services.steps_for(draft.type):
        for field in services.STEP_FIELDS[step]:
            if field == "cr_number":
                value = draft.establishment.name if draft.establishment else ""
                label = _("Establishment")
            else:
                raw = str(draft.data.get(field, ""))
                value = str(choices.get(field, {}).get(raw, raw))
                label = str(form.fields[field].label)
            rows.append({"field": field, "label": label, "value": value, "step": step,
                         "ltr": field in {"passport_number", "permit_number", "occupation", "basic_wage", "phone",
                                          "email", "date_of_birth", "passport_expires_on"}})
    return rows


def _check(request: HttpRequest, draft: ApplicationDraft) -> HttpResponse:
    user = request_user(request)
    errors = services.draft_errors(draft)
    if request.method == "POST" and not errors:
        try:
            application = services.draft_submit(actor=user, draft=draft)
        except InputErrors as found:
            errors = list(found.errors)
        except DomainError as error:
            errors = [error]
        else:
            return redirect("portal:application", number=application.number)
    field_step = {field: step for step in services.steps_for(draft.type) for field in services.STEP_FIELDS[step]}
    problems = [{"message": error.message(_lang()), "step": field_step.get(error.field or "", "start"),
                 "field": error.field or ""} for error in errors]
    return _render_step(request, draft, "check", None, answers=_answers(draft), problems=problems)


@keeps_answers
@require_POST
def apply_discard(request: HttpRequest, draft: Any) -> HttpResponse:
    found = selectors.draft_get(request_user(request), draft)
    if found is None:
        raise Http404
    services.draft_discard(actor=request_user(request), draft=found)
    messages.success(request, _("The draft is deleted."))
    return redirect("portal:dashboard")


# ------------------------------------------------------------------------------------------- bulk upload
def _read_rows(upload: Any) -> list[dict[str, Any]]:
    raw = upload.read(5_000_000 + 1)
    if len(raw) > 5_000_000:
        raise DomainError("malformed_file", field="file", params={"file": upload.name, "line": 0,
                                                                  "reason": _("the file is larger than 5 MB")})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("malformed_file", field="file", params={"file": upload.name, "line": 1,
                                                                  "reason": _("save the file as UTF-8")}) from None
    if upload.name.lower().endswith(".json"):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as error:
            raise DomainError("malformed_file", field="file",
                              params={"file": upload.name, "line": error.lineno, "reason": error.msg}) from None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise DomainError("malformed_file", field="file", params={
                "file": upload.name, "line": 1, "reason": _("expected a list of objects")})
        return rows
    try:
        return [dict(row) for row in csv.DictReader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise DomainError("malformed_file", field="file", params={"file": upload.name, "line": 0,
                                                                  "reason": str(error)}) from None


@keeps_answers
def bulk_upload(request: HttpRequest) -> HttpResponse:
    """A CSV or JSON file of applications, one per row; each row gets its own result (the API's bulk service)."""
    user = request_user(request)
    establishments = list(establishments_for(user, "apply"))
    if not establishments:
        raise Http404
    errors: dict[str, str] = {}
    result = None
    chosen = request.POST.get("cr_number") or establishments[0].cr_number
    if request.method == "POST":
        upload = request.FILES.get("file")
        if chosen not in {e.cr_number for e in establishments}:
            errors["cr_number"] = _("Choose one of your establishments.")
        if upload is None:
            errors["file"] = _("Choose a CSV or JSON file to upload.")
        if upload is not None and not errors:
            try:
                rows = _read_rows(upload)
                if not rows:
                    raise DomainError("malformed_file", field="file",
                                      params={"file": upload.name, "line": 1, "reason": _("the file has no rows")})
                result = submit_rows(user, chosen, rows, request.POST.get("form_token") or None, _lang())
            except DomainError as error:
                errors[error.field or "file"] = error.message(_lang())
    return render(request, "portal/bulk_upload.html", {
        "establishments": establishments, "chosen": chosen, "errors": errors, "result": result,
        "maximum": MAX_BULK_ROWS, "form_token": request.POST.get("form_token") or _token()})


def _token() -> str:
    import secrets

    return secrets.token_urlsafe(16)


# ------------------------------------------------------------------------------------------- users
@keeps_answers
def establishment_users(request: HttpRequest, cr_number: str) -> HttpResponse:
    user = request_user(request)
    try:
        establishment = establishment_get(user, cr_number=cr_number)
    except DomainError:
        raise Http404 from None
    manages = establishments_for(user, "manage_users").filter(pk=establishment.pk).exists()
    if request.method == "POST":
        if not manages:
            raise Http404
        chosen_member = request.POST.get("membership", "")
        if not chosen_member.isdigit():
            raise Http404
        member = selectors.establishment_members(establishment).filter(pk=int(chosen_member)).first()
        if member is None:
            raise Http404
        try:
            identity_services.membership_set_permissions(actor=user, membership=member,
                                                         permissions=request.POST.getlist("permissions"))
        except DomainError as error:
            messages.error(request, error.message(_lang()))
        else:
            messages.success(request, _("The permissions of %(name)s are saved.") % {"name": member.user.full_name})
        return redirect("portal:establishment_users", cr_number=establishment.cr_number)
    permissions = [(value, label) for value, label in EstablishmentPermission.choices
                   if value != EstablishmentPermission.VIEW]
    members = [{"membership": m, "granted": set(m.permissions)} for m in selectors.establishment_members(establishment)]
    return render(request, "portal/establishment_users.html", {
        "establishment": establishment, "members": members, "permissions": permissions, "manages": manages})
