"""The support desk's pages: open disputes, oldest first, and the answer to one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manpower.core.errors import DomainError
from manpower.identity.authz import request_user
from manpower.portal import activity
from manpower.support import selectors, services
from manpower.support.models import Dispute


class AnswerForm(forms.Form):
    finding = forms.ChoiceField(label=gettext_lazy("Finding"), choices=Dispute.Finding.choices,
                                widget=forms.RadioSelect)
    answer = forms.CharField(label=gettext_lazy("Answer to the worker"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 5}))


def _agent(request: HttpRequest) -> None:
    if request_user(request).role not in services.AGENTS:
        raise Http404


@login_required
def dispute_queue(request: HttpRequest) -> HttpResponse:
    _agent(request)
    open_disputes = list(selectors.disputes_for(request_user(request)).filter(state=Dispute.State.OPEN)
                         .order_by("created_at", "id")[:200])
    return render(request, "support/queue.html", {"disputes": open_disputes})


@login_required
def dispute_detail(request: HttpRequest, number: str) -> HttpResponse:
    _agent(request)
    user = request_user(request)
    try:
        dispute = selectors.dispute_get(user, number)
    except DomainError:
        raise Http404 from None
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_answer(actor=user, dispute=dispute, finding=form.cleaned_data["finding"],
                                    answer=form.cleaned_data["answer"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message())
        else:
            messages.success(request, _("The answer is recorded and the worker can read it."))
            return redirect("portal:dispute_queue")
    return render(request, "support/dispute.html",
                  {"dispute": dispute, "form": form, "what": activity.describe(dispute.event),
                   "who": activity.who(dispute.event, user)})
