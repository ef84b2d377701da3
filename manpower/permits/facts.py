"""Gathering the facts the rule book reads, from the register, in a bounded number of queries.

What another authority must still supply stays ``None`` (medical fitness until the health ministry
reports); the rules answer "unknown" and the application waits, visibly.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q

from manpower.contracts.selectors import has_registered_contract
from manpower.permits.models import Application, ApplicationType, Permit
from manpower.registry.models import Employment, Establishment, Person


def establishment_facts(establishment: Establishment, on: date) -> dict[str, Any]:
    counts = Employment.objects.current(on).filter(establishment=establishment).aggregate(
        total=Count("id"), omani=Count("id", filter=Q(is_omani=True))
    )
    return {
        "cr_number": establishment.cr_number,
        "cr_status": establishment.status,
        "cr_issue_date": establishment.cr_issued_on.isoformat(),
        "cr_expiry_date": establishment.cr_expires_on.isoformat(),
        "kind": establishment.kind,
        "legal_person": "natural" if establishment.kind in {"individual", "farm"} else "juridical",
        "activity": establishment.activity_id,
        "omani_employees": counts["omani"] or 0,
        "non_omani_employees": (counts["total"] or 0) - (counts["omani"] or 0),
        "omanisation_target": str(establishment.omanisation_target) if establishment.omanisation_target is not None else None,
        "has_unpaid_dues": establishment.unpaid_dues_omr > 0,
        "has_wps_breach": establishment.wps_breach,
        "services_suspended": establishment.services_suspended,
    }


def worker_facts(person: Person, *, establishment_id: int, exclude_permit: int | None = None,
                 holds_no_permit: bool = False) -> dict[str, Any]:
    """``holds_no_permit``: the caller knows the person holds none (first known in this very transaction)."""
    elsewhere = False
    if not holds_no_permit:
        permits = Permit.objects.filter(person=person, status=Permit.Status.ACTIVE).exclude(establishment_id=establishment_id)
        if exclude_permit is not None:
            permits = permits.exclude(pk=exclude_permit)
        elsewhere = permits.exists()
    return {
        "nationality": person.nationality_id,
        "date_of_birth": person.date_of_birth.isoformat(),
        "passport_expiry_date": person.passport_expires_on.isoformat() if person.passport_expires_on else None,
        "medical_fitness": person.medical_fitness or None,
        "has_active_permit_elsewhere": elsewhere,
        "has_abandonment_report": person.abandonment_reported,
    }


def permit_facts(permit: Permit, on: date) -> dict[str, Any]:
    employment = (Employment.objects.filter(person_id=permit.person_id, establishment_id=permit.establishment_id)
                  .order_by("-start_date").values("start_date", "basic_wage_omr").first())
    issuing = permit.issued_by_application
    renewed = permit.applications.filter(type=ApplicationType.RENEWAL, state="issued").order_by("-id").first()
    return {
        "number": permit.number,
        "expiry_date": permit.valid_until.isoformat(),
        "employment_start": (employment["start_date"] if employment else permit.valid_from).isoformat(),
        "occupation_isco08": permit.occupation_id,
        "basic_wage": str(employment["basic_wage_omr"] if employment else issuing.basic_wage_omr),
        "is_cancelled": permit.status == Permit.Status.CANCELLED,
        # A contract signed by both parties on the platform and in force on the day (Labour Law Art 33: every
        # expatriate's contract is registered with the Ministry); without one, a renewal frees the worker to move
        # to another employer 30 days later (the transfer rules read this fact).
        "has_registered_contract": has_registered_contract(permit.person_id, permit.establishment_id, on),
        "renewed_on": renewed.state_changed_at.date().isoformat() if renewed else None,
    }


def gather_facts(application: Application, *, on: date, establishment: Establishment | None = None,
                 person: Person | None = None, holds_no_permit: bool = False) -> dict[str, Any]:
    """The facts for the rules; pass the establishment and person when the caller has them already, and
    ``holds_no_permit`` when the person was created in this transaction."""
    if establishment is None or establishment.pk != application.establishment_id:
        establishment = Establishment.objects.get(pk=application.establishment_id)
    if person is None or person.pk != application.person_id:
        person = Person.objects.get(pk=application.person_id)
    kind = application.type
    facts: dict[str, Any] = {
        "establishment": establishment_facts(establishment, on),
        "worker": worker_facts(person, establishment_id=establishment.pk,
                               exclude_permit=application.permit_id if kind == ApplicationType.TRANSFER else None,
                               holds_no_permit=holds_no_permit),
    }
    if kind != ApplicationType.CANCELLATION:
        facts["occupation"] = {"isco08": application.occupation_id,
                               "esco_uri": application.job_title_id if application.job_title_id else None}
        facts["basic_wage"] = str(application.basic_wage_omr)
    if kind == ApplicationType.NEW_PERMIT:
        return facts
    if application.permit_id is None:
        raise ValueError(f"{application.number}: a {kind} application must name the permit it concerns")
    permit = Permit.objects.select_related("issued_by_application").get(pk=application.permit_id)
    facts["permit"] = permit_facts(permit, on)
    if kind == ApplicationType.TRANSFER:
        facts["current_employer"] = establishment_facts(Establishment.objects.get(pk=permit.establishment_id), on)
        facts["transfer"] = {"kind": "permanent", "worker_consents": True if application.worker_consent_at is not None else None,
                             "basis": application.input.get("transfer_basis") or "employer_consent"}
    if kind == ApplicationType.CANCELLATION:
        facts["has_open_labour_complaint"] = False  # no complaint register on the platform yet
    return facts
