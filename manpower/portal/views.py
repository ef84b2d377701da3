"""Portal pages: parse the request, call a selector or service, render. No business rules here."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from manpower.identity.models import Role
from manpower.permits.selectors import applications_for, permits_for
from manpower.portal.forms import SignInForm
from manpower.registry.selectors import employments_for


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


class SignInView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {}
    if user.role == Role.EMPLOYER:  # type: ignore[union-attr]
        from manpower.portal.employer import dashboard_context

        context.update(dashboard_context(request))
    elif user.role == Role.WORKER:  # type: ignore[union-attr]
        context["employments"] = list(employments_for(user))  # type: ignore[arg-type]
        context["permits"] = list(permits_for(user))  # type: ignore[arg-type]
        context["applications"] = list(applications_for(user).order_by("-id")[:20])  # type: ignore[arg-type]
    return render(request, "portal/dashboard.html", context)
