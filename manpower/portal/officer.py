"""Officers' pages: search across the register, and an establishment's file with its sanctions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from manpower.core.errors import DomainError, NotFound
from manpower.identity.authz import request_user
from manpower.portal import activity, records


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.role not in records.SEARCHERS:
        raise Http404
    results = records.search(user, request.GET.get("q", ""))
    return render(request, "portal/officer/search.html", {"results": results, "q": request.GET.get("q", "")})


@login_required
def establishment_profile(request: HttpRequest, cr_number: str) -> HttpResponse:
    user = request_user(request)
    if user.role not in records.SEARCHERS:
        raise Http404
    try:
        file = records.establishment_file(user, cr_number, _lang())
    except NotFound:
        raise Http404 from None
    except DomainError:
        raise Http404 from None
    file["entries"] = [(e, activity.who(e, user)) for e in file["events"]]
    return render(request, "portal/officer/establishment.html", file)
