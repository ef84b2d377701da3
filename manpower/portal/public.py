"""Public pages, no sign-in: self-assessment, the rules catalogue and the service status."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from manpower import law
from manpower.portal import assessment, status
from manpower.support.selectors import outages_public


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def assess_start(request: HttpRequest) -> HttpResponse:
    """The form; given a kept query (from 'change your answers'), it is filled in with it."""
    form = assessment.AssessmentForm(initial={**assessment.initial(), **request.GET.dict()})
    return render(request, "portal/public/assess_form.html", {"form": form})


def assess_result(request: HttpRequest) -> HttpResponse:
    """The outcome of the case in the query; the link itself keeps the result."""
    form = assessment.AssessmentForm(request.GET)
    result = assessment.assess(form, _lang()) if form.is_valid() else None
    if result is None:
        return render(request, "portal/public/assess_form.html", {"form": form}, status=200 if not request.GET else 400)
    link = request.build_absolute_uri()
    return render(request, "portal/public/assess_result.html",
                  {"form": form, "d": result, "link": link, "query": request.GET.urlencode(),
                   "type_label": dict(assessment.TYPES)[form.cleaned_data["type"]]})


def rules(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    kind = request.GET.get("type", "")
    entries: list[dict[str, Any]] = []
    for item in law.catalogue():
        if kind and kind not in item["applies_to"]:
            continue
        entries.append({"id": item["id"], "kind": item["kind"], "title": item["title"][lang],
                        "citation": item["citation"][lang], "from": item["in_force"]["from"],
                        "until": item["in_force"]["until"], "applies_to": item["applies_to"],
                        "other_title": item["title"]["en" if lang == "ar" else "ar"],
                        "other_citation": item["citation"]["en" if lang == "ar" else "ar"]})
    return render(request, "portal/public/rules.html",
                  {"entries": entries, "version": law.ruleset_version(), "types": law.APPLICATION_TYPES,
                   "selected": kind, "other_lang": "en" if lang == "ar" else "ar"})


def service_status(request: HttpRequest) -> HttpResponse:
    components = status.components()
    worst = max((c.state for c in components), key=[status.UP, status.SLOW, status.DOWN].index)
    return render(request, "portal/public/status.html",
                  {"components": components, "worst": worst, "outages": outages_public(),
                   "checked_at": timezone.now()})
