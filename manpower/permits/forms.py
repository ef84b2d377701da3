from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from manpower.permits.models import ApplicationType


class ApplicationForm(forms.Form):
    """The fields of an application; checking is done by ``parse_application`` so all ways in agree."""

    type = forms.ChoiceField(label=_("What do you want to do?"), choices=ApplicationType.choices,
                             initial=ApplicationType.NEW_PERMIT, widget=forms.RadioSelect)
    cr_number = forms.ChoiceField(label=_("Establishment"))
    permit_number = forms.CharField(label=_("Permit number"), required=False,
                                    help_text=_("For a renewal, transfer or cancellation, e.g. WP-2026-0000123-4."))
    passport_number = forms.CharField(label=_("Passport number"), required=False)
    passport_country = forms.ChoiceField(label=_("Passport issued by"), required=False)
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    name_latin = forms.CharField(label=_("Name in Latin letters, as in the passport"), required=False)
    name_ar = forms.CharField(label=_("Name in Arabic letters (if known)"), required=False)
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False, help_text=_("YYYY-MM-DD"),
                                    widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), ("F", _("female")), ("M", _("male"))])
    passport_expires_on = forms.CharField(label=_("Passport expiry date"), required=False, help_text=_("YYYY-MM-DD"),
                                          widget=forms.DateInput(attrs={"type": "date"}))
    occupation = forms.CharField(label=_("Occupation (ISCO-08 code)"), required=False,
                                 help_text=_("Four digits, e.g. 7112 for bricklayers."))
    basic_wage = forms.CharField(label=_("Basic monthly wage (OMR)"), required=False, help_text=_("e.g. 250.000"))
    phone = forms.CharField(label=_("Worker's mobile phone"), required=False, help_text=_("e.g. +968 9123 4567"))
    email = forms.EmailField(label=_("Worker's e-mail"), required=False)

    def __init__(self, *args: object, establishments: list[tuple[str, str]], countries: list[tuple[str, str]],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cr_number"].choices = establishments  # type: ignore[attr-defined]
        self.fields["passport_country"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]
        self.fields["nationality"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]


class OfficerDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("Decision"), choices=[("1", _("Approve")), ("0", _("Reject"))],
                                     coerce=lambda value: value == "1", widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason (shown to the applicant)"), widget=forms.Textarea(attrs={"rows": 4}))


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("Paid by"), choices=[("counter", _("at a counter")),
                                                            ("bank_transfer", _("bank transfer"))])
    reference = forms.CharField(label=_("Receipt or bank reference"), max_length=80)


class VerifyForm(forms.Form):
    query = forms.CharField(label=_("Permit number, or the text of its QR code"), max_length=2000)
