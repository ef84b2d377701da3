"""Self-assessment: a member of the public describes a case and the rule book decides it, as it would a
real application. The form only gathers facts; every check, fee and message comes from ``manpower.law``.

The case travels in the URL query (the form is sent with GET), so a result is kept by keeping its link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from manpower import law
from manpower.law.errors import FactError, LawError
from manpower.permits.presenters import result_view
from manpower.registry.models import Country, Establishment

TYPES = [(law.NEW_PERMIT, _("A new work permit")), (law.RENEWAL, _("Renewing a work permit"))]
YES_NO = [("no", _("No")), ("yes", _("Yes"))]
HOUSEHOLD = {"individual", "farm"}


def _yes_no(label: Any, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect, help_text=help_text)


def _date(label: Any, help_text: Any = "", required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class AssessmentForm(forms.Form):
    """The case, grouped as the law groups it: the application, the employer, the worker, the job."""

    type = forms.ChoiceField(label=_("What would you apply for?"), choices=TYPES, widget=forms.RadioSelect)
    on = _date(_("Date of the application"), _("The rules in force on this day are applied."))
    # the employer
    kind = forms.ChoiceField(label=_("Kind of employer"), choices=Establishment.Kind.choices)
    cr_status = forms.ChoiceField(label=_("State of the commercial registration"), widget=forms.RadioSelect,
                                  choices=Establishment.Status.choices)
    cr_issue_date = _date(_("Commercial registration issued on"), _("Leave empty for a household employer."),
                          required=False)
    cr_expiry_date = _date(_("Commercial registration expires on"), _("Leave empty for a household employer."),
                           required=False)
    activity = forms.CharField(label=_("Main economic activity (ISIC Rev.4 class)"), max_length=4,
                               help_text=_("Four digits, e.g. 4100 for construction of buildings."))
    omani_employees = _count(_("Omani employees now"))
    non_omani_employees = _count(_("Non-Omani employees now"))
    has_unpaid_dues = _yes_no(_("Does the employer owe fees or fines to the Ministry?"))
    has_wps_breach = _yes_no(_("Is there an uncleared breach of the Wage Protection System?"))
    services_suspended = _yes_no(_("Has the Ministry suspended its services to the employer?"))
    # the worker
    nationality = forms.ChoiceField(label=_("Worker's nationality"))
    date_of_birth = _date(_("Worker's date of birth"))
    passport_expiry_date = _date(_("Passport expiry date"))
    medical_fitness = forms.ChoiceField(
        label=_("Result of the medical examination"), widget=forms.RadioSelect,
        choices=[("fit", _("fit")), ("unfit", _("unfit")), ("unknown", _("not examined yet"))])
    has_active_permit_elsewhere = _yes_no(_("Does the worker hold a work permit with another employer?"))
    has_abandonment_report = _yes_no(_("Is there an open work-abandonment report against the worker?"))
    # the job
    occupation = forms.CharField(label=_("Occupation (ISCO-08 unit group)"), max_length=4,
                                 help_text=_("Four digits, e.g. 7112 for bricklayers."))
    basic_wage = forms.DecimalField(label=_("Basic monthly wage (OMR)"), min_value=0, max_digits=10, decimal_places=3,
                                    help_text=_("e.g. 250.000"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    # renewal only: the permit being renewed
    permit_expiry_date = _date(_("The current permit expires on"), _("For a renewal."), required=False)
    employment_start = _date(_("The worker started with this employer on"), _("For a renewal."), required=False)
    current_wage = forms.DecimalField(label=_("Basic monthly wage now (OMR)"), required=False, min_value=0,
                                      max_digits=10, decimal_places=3, help_text=_("For a renewal."),
                                      widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    SECTIONS = (
        (_("The application"), ("type", "on")),
        (_("The employer"), ("kind", "cr_status", "cr_issue_date", "cr_expiry_date", "activity", "omani_employees",
                             "non_omani_employees", "has_unpaid_dues", "has_wps_breach", "services_suspended")),
        (_("The worker"), ("nationality", "date_of_birth", "passport_expiry_date", "medical_fitness",
                           "has_active_permit_elsewhere", "has_abandonment_report")),
        (_("The job"), ("occupation", "basic_wage")),
        (_("For a renewal: the current permit"), ("permit_expiry_date", "employment_start", "current_wage")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = "name_ar" if translation.get_language() == "ar" else "name_en"
        countries = Country.objects.exclude(code="OM").order_by(name).values_list("code", name)
        self.fields["nationality"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("type") == law.RENEWAL:
            for name in ("permit_expiry_date", "employment_start", "current_wage"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("This field is required for a renewal."))
        if data.get("kind") not in HOUSEHOLD:
            for name in ("cr_issue_date", "cr_expiry_date"):
                if name in data and data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("This field is required unless the employer is a household."))
        return data


# A fact named by the rule book (FactError.fact) → the form field that supplies it.
FACT_FIELDS = {
    "establishment.kind": "kind", "establishment.cr_status": "cr_status",
    "establishment.cr_issue_date": "cr_issue_date", "establishment.cr_expiry_date": "cr_expiry_date",
    "establishment.activity": "activity", "establishment.omani_employees": "omani_employees",
    "establishment.non_omani_employees": "non_omani_employees",
    "establishment.has_unpaid_dues": "has_unpaid_dues", "establishment.has_wps_breach": "has_wps_breach",
    "establishment.services_suspended": "services_suspended",
    "worker.nationality": "nationality", "worker.date_of_birth": "date_of_birth",
    "worker.passport_expiry_date": "passport_expiry_date", "worker.medical_fitness": "medical_fitness",
    "worker.has_active_permit_elsewhere": "has_active_permit_elsewhere",
    "worker.has_abandonment_report": "has_abandonment_report",
    "occupation.isco08": "occupation", "basic_wage": "basic_wage",
    "permit.expiry_date": "permit_expiry_date", "permit.employment_start": "employment_start",
    "permit.basic_wage": "current_wage", "permit.occupation_isco08": "occupation",
}


def case_facts(data: dict[str, Any]) -> dict[str, Any]:
    """The facts of the case, in the shape ``law.facts_from_dict`` reads, from the cleaned form."""

    def iso(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    kind = data["kind"]
    facts: dict[str, Any] = {
        "establishment": {
            "cr_number": "self-assessment", "cr_status": data["cr_status"],
            "cr_issue_date": iso(data.get("cr_issue_date")), "cr_expiry_date": iso(data.get("cr_expiry_date")),
            "kind": kind, "legal_person": "natural" if kind in HOUSEHOLD else "juridical",
            "activity": data["activity"].strip(), "omani_employees": data["omani_employees"],
            "non_omani_employees": data["non_omani_employees"], "omanisation_target": None,
            "has_unpaid_dues": data["has_unpaid_dues"] == "yes", "has_wps_breach": data["has_wps_breach"] == "yes",
            "services_suspended": data["services_suspended"] == "yes",
        },
        "worker": {
            "nationality": data["nationality"], "date_of_birth": iso(data["date_of_birth"]),
            "passport_expiry_date": iso(data["passport_expiry_date"]),
            "medical_fitness": None if data["medical_fitness"] == "unknown" else data["medical_fitness"],
            "has_active_permit_elsewhere": data["has_active_permit_elsewhere"] == "yes",
            "has_abandonment_report": data["has_abandonment_report"] == "yes",
        },
        "occupation": {"isco08": data["occupation"].strip()},
        "basic_wage": f"{data['basic_wage']:.3f}",
    }
    if data["type"] == law.RENEWAL:
        facts["permit"] = {
            "number": "self-assessment", "expiry_date": iso(data["permit_expiry_date"]),
            "employment_start": iso(data["employment_start"]), "occupation_isco08": data["occupation"].strip(),
            "basic_wage": f"{data['current_wage']:.3f}", "is_cancelled": False,
        }
    return facts


def assess(form: AssessmentForm, lang: str) -> dict[str, Any] | None:
    """Decide the case with the rule book; errors the rule book finds are put at their fields."""
    data = form.cleaned_data
    try:
        facts = law.facts_from_dict(data["type"], case_facts(data))
        decision = law.evaluate(data["type"], facts, data["on"])
    except FactError as error:
        field = FACT_FIELDS.get(error.fact)
        label = form.fields[field].label if field else error.fact
        expected = error.expected_ar if lang == "ar" else error.expected
        message = (f"{label}: {expected}" if error.code != "code_unknown"
                   else f"{label}: {error.params.get('value')} — {expected}")
        form.add_error(field, message)
        return None
    except LawError as error:
        form.add_error("on", error.message(lang))
        return None
    view = result_view(decision.to_dict(), lang)
    view.update(seq="assessment", source="rules", outcome=decision.outcome, evaluated_on=decision.date,
                ruleset_version=decision.ruleset_version)
    return view


def initial() -> dict[str, Any]:
    return {"type": law.NEW_PERMIT, "on": timezone.localdate(), "kind": "company", "cr_status": "active"}
