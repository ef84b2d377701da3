"""The worker's own pages: my record (permit, contracts, applications, contact details) and the activity log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manpower.core.errors import DomainError
from manpower.identity.authz import request_user
from manpower.identity.models import Role
from manpower.permits.selectors import applications_for, permits_for
from manpower.portal import activity, records
from manpower.registry.models import Person
from manpower.support import services as support


def _worker(request: HttpRequest) -> Person:
    user = request_user(request)
    if user.role != Role.WORKER or user.person is None:
        raise Http404
    return user.person


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    person = _worker(request)
    user = request_user(request)
    return render(request, "portal/worker/record.html", {
        "person": person,
        "permits": list(permits_for(user).order_by("-valid_until")[:10]),
        "applications": list(applications_for(user).order_by("-id")[:20]),
    })


@login_required
def activity_log(request: HttpRequest) -> HttpResponse:
    person = _worker(request)
    user = request_user(request)
    page = Paginator(records.activity_for(user, person.pk), 50).get_page(request.GET.get("page"))
    return render(request, "portal/worker/activity.html",
                  {"page": page, "entries": activity.entries(list(page.object_list), user)})


class DisputeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("What is wrong with this entry?"), max_length=2000,
                             help_text=gettext_lazy("Say what happened instead. The support desk answers within "
                                                    "five working days; deadlines that depend on this entry "
                                                    "are paused while it is open."),
                             widget=forms.Textarea(attrs={"rows": 5}))


@login_required
def dispute_entry(request: HttpRequest, seq: int) -> HttpResponse:
    _worker(request)
    user = request_user(request)
    try:
        event = records.activity_event(user, seq)
    except DomainError:
        raise Http404 from None
    entry = activity.entries([event], user)[0]
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = support.dispute_open(actor=user, event=event, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message())
        else:
            messages.success(request, _("Your dispute %(number)s is recorded. The support desk will answer it "
                                        "here and tell you.") % {"number": dispute.number})
            return redirect("portal:my_activity")
    return render(request, "portal/worker/dispute.html", {"entry": entry, "form": form})
