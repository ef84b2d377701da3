"""Portal pages of the notifications app, and the gateways' signed delivery-receipt endpoint."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from manpower.core.errors import DomainError
from manpower.notifications import selectors, services
from manpower.notifications.models import ContactPoint

KIND_LABELS = {
    "security": _("Security of your account (sign-in, password, codes)"),
    "legal": _("Legal notices (refusals, expiry, cancellation, deadlines)"),
    "applications": _("Applications and decisions"),
    "payments": _("Invoices, payments and refunds"),
    "permits": _("Work permits"),
    "contracts": _("Employment contracts"),
    "reminders": _("Reminders before a date"),
}


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox(request.user), 50).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    return render(request, "notifications/list.html", {
        "page": page, "unread": selectors.unread_count(request.user)})  # type: ignore[arg-type]


@login_required
@require_POST
def notification_read(request: HttpRequest, reference: str) -> HttpResponse:
    item = get_object_or_404(selectors.inbox(request.user), reference=reference)  # type: ignore[arg-type]
    services.inbox_mark_read(actor=request.user, reference=reference)  # type: ignore[arg-type]
    if item.link:
        language = get_language() or "ar"
        link = item.link if language == "ar" or item.link.startswith(f"/{language}/") else f"/{language}{item.link}"
        if url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
            return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.inbox_mark_read(actor=request.user)  # type: ignore[arg-type]
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        for row in selectors.preferences(request.user):  # type: ignore[arg-type]
            if row["mandatory"]:
                continue
            wanted = (f"{row['kind']}_email" in request.POST, f"{row['kind']}_sms" in request.POST)
            if wanted != (row["email"], row["sms"]):
                services.preference_set(actor=request.user, kind=row["kind"], email=wanted[0],  # type: ignore[arg-type]
                                        sms=wanted[1])
        return redirect("notifications:preferences")
    rows = [{**row, "label": KIND_LABELS[row["kind"]]} for row in selectors.preferences(request.user)]  # type: ignore[arg-type]
    return render(request, "notifications/preferences.html", {"rows": rows, "error": error})


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            services.contact_add(actor=request.user, channel=request.POST.get("channel", ""),  # type: ignore[arg-type]
                                 address=request.POST.get("address", ""))
        except DomainError as failure:
            error = failure.message()
        else:
            return redirect("notifications:contacts")
    points = selectors.contact_points(request.user)  # type: ignore[arg-type]
    return render(request, "notifications/contacts.html", {"points": points, "error": error},
                  status=422 if error else 200)


@login_required
@require_POST
def contact_verify(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(ContactPoint, pk=pk, user=request.user)
    try:
        services.contact_verify(actor=request.user, point=point, code=request.POST.get("code", ""))  # type: ignore[arg-type]
    except DomainError as failure:
        points = selectors.contact_points(request.user)  # type: ignore[arg-type]
        return render(request, "notifications/contacts.html", {"points": points, "error": failure.message()},
                      status=422)
    return redirect("notifications:contacts")


@csrf_exempt
@require_POST
def receipt(request: HttpRequest, provider: str) -> HttpResponse:
    """Delivery receipts, signed by the gateway (HMAC-SHA256 over the raw body); safe to send twice."""
    try:
        outcomes = services.receipt_receive(provider=provider, body=request.body, headers=request.headers)
    except DomainError as failure:
        return JsonResponse(failure.as_dict("en"), status=401)
    return JsonResponse({"outcomes": outcomes})
