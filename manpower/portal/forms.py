from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    username = forms.CharField(label=_("E-mail or civil ID number"), max_length=254)
    error_messages = {
        "invalid_login": _("The e-mail or civil ID number and the password do not match an account."),
        "inactive": _("This account is closed. Ask the support desk to reopen it."),
    }
