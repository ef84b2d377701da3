"""Forms of the contract pages. They render the fields; checking is done by ``parse_terms`` and the
services, so the portal and the API give the same errors for the same input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from manpower.contracts.models import Contract, ContractVersion


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _area(rows: int = 3, **attrs: str) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class TermsForm(forms.Form):
    occupation = forms.CharField(label=_("Occupation (ISCO-08 code)"), help_text=_("Four digits, e.g. 7112 for bricklayers."))
    duties_ar = forms.CharField(label=_("Type of work and conditions, in Arabic"), widget=_area(dir="rtl", lang="ar"),
                                help_text=_("The Arabic text is the authoritative one."))
    duties_en = forms.CharField(label=_("Type of work and conditions, in English"), required=False,
                                widget=_area(dir="ltr", lang="en"))
    workplace_ar = forms.CharField(label=_("Workplace address, in Arabic"), widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}))
    workplace_en = forms.CharField(label=_("Workplace address, in English"), required=False,
                                   widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    qualification = forms.CharField(label=_("Worker's qualification"), required=False)
    residence = forms.CharField(label=_("Worker's residence in Oman"), required=False)
    term = forms.ChoiceField(label=_("Term"), choices=ContractVersion.Term.choices, widget=forms.RadioSelect)
    start_date = forms.CharField(label=_("Start date"), widget=_date(), help_text=_("YYYY-MM-DD"))
    end_date = forms.CharField(label=_("End date (fixed term only)"), required=False, widget=_date(),
                               help_text=_("A fixed term may not exceed 5 years."))
    probation_days = forms.CharField(label=_("Probation (days)"), required=False,
                                     help_text=_("0 for none; at most 3 months for monthly pay, 2 months otherwise."))
    had_probation_before = forms.BooleanField(label=_("The worker has already served a probation with us"), required=False)
    pay_basis = forms.ChoiceField(label=_("The wage is paid"), choices=ContractVersion.PayBasis.choices, widget=forms.RadioSelect)
    basic_wage = forms.CharField(label=_("Basic monthly wage (OMR)"), help_text=_("e.g. 250.000"))
    housing_allowance = forms.CharField(label=_("Housing allowance (OMR a month)"), required=False)
    transport_allowance = forms.CharField(label=_("Transport allowance (OMR a month)"), required=False)
    other_allowances = forms.CharField(label=_("Other allowances (OMR a month)"), required=False)
    bonuses_ar = forms.CharField(label=_("Bonuses, in Arabic"), required=False, widget=_area(2, dir="rtl", lang="ar"))
    bonuses_en = forms.CharField(label=_("Bonuses, in English"), required=False, widget=_area(2, dir="ltr", lang="en"))
    pay_day = forms.CharField(label=_("Wages paid by this day of the following month"), required=False)
    daily_hours = forms.CharField(label=_("Working hours a day"))
    weekly_hours = forms.CharField(label=_("Working hours a week"))
    rest_days_per_week = forms.CharField(label=_("Paid rest days a week"))
    annual_leave_days = forms.CharField(label=_("Paid annual leave (days a year)"))
    notice_days = forms.CharField(label=_("Notice to end the contract (days)"))
    non_renewal_notice_days = forms.CharField(label=_("Notice of non-renewal (days, fixed term)"), required=False)
    other_terms_ar = forms.CharField(label=_("Other terms, in Arabic"), required=False, widget=_area(dir="rtl", lang="ar"))
    other_terms_en = forms.CharField(label=_("Other terms, in English"), required=False, widget=_area(dir="ltr", lang="en"))

    DEFAULTS = {"term": "indefinite", "pay_basis": "monthly", "probation_days": "0", "pay_day": "7", "daily_hours": "8",
                "weekly_hours": "40", "rest_days_per_week": "2", "annual_leave_days": "30", "notice_days": "30",
                "non_renewal_notice_days": "30", "housing_allowance": "0.000", "transport_allowance": "0.000",
                "other_allowances": "0.000"}


class AmendmentForm(TermsForm):
    change = forms.ChoiceField(label=_("What does the amendment change?"), choices=ContractVersion.Change.choices,
                               widget=forms.RadioSelect)

    field_order = ["change"]


class CodeForm(forms.Form):
    code = forms.CharField(label=_("The six-digit code we sent you"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("What would you like changed?"), max_length=2000, widget=_area(4))


class RejectForm(forms.Form):
    comment = forms.CharField(label=_("Why do you refuse (optional)"), max_length=2000, required=False, widget=_area(3))


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why does the service end?"), choices=Contract.EndReason.choices,
                               widget=forms.RadioSelect)
    last_working_day = forms.DateField(label=_("Last working day"), widget=_date())
    leave_days_taken = forms.IntegerField(label=_("Paid annual leave days already taken during the whole service"),
                                          min_value=0, initial=0)


class VerifyUploadForm(forms.Form):
    document = forms.FileField(label=_("Contract PDF"), help_text=_("The file as you received or downloaded it."))


class ClaimStartForm(forms.Form):
    passport_number = forms.CharField(label=_("Passport number"), max_length=20)
    nationality = forms.ChoiceField(label=_("Nationality"))
    date_of_birth = forms.CharField(label=_("Date of birth"), widget=_date(), help_text=_("YYYY-MM-DD"))

    def __init__(self, *args: object, countries: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["nationality"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]


class ClaimFinishForm(forms.Form):
    code = forms.CharField(label=_("The six-digit code we sent you"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    email = forms.EmailField(label=_("Your e-mail address (to sign in with)"))
    password = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput, min_length=10,
                               help_text=_("At least 10 characters, not only digits."))
