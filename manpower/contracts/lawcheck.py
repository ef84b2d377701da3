"""The rule book's view of a contract version: its facts, and the checks it passes or fails."""

from __future__ import annotations

from datetime import date
from typing import Any

from manpower import law
from manpower.contracts.models import Contract, ContractVersion
from manpower.law.dates import complete_months

CONCLUDED = [Contract.Status.REGISTERED, Contract.Status.ENDED]


def _earlier_contracts(version: ContractVersion) -> list[ContractVersion]:
    """The versions in force of this worker's other contracts with the same employer."""
    contract = version.contract
    return [c.registered_version for c in
            Contract.objects.filter(establishment_id=contract.establishment_id, person_id=contract.person_id,
                                    status__in=CONCLUDED, registered_version__isnull=False)
            .exclude(pk=contract.pk).select_related("registered_version") if c.registered_version]


def contract_facts(version: ContractVersion) -> dict[str, Any]:
    contract = version.contract
    earlier = _earlier_contracts(version)
    had_probation = version.had_probation_before or any(v.probation_days for v in earlier)
    previous_months = sum(complete_months(v.start_date, v.end_date) for v in earlier if v.term == "fixed" and v.end_date)
    terms: dict[str, Any] = {
        "is_written": True,
        "has_arabic_text": bool(version.duties_ar and version.workplace_ar),  # the PDF's clauses are always Arabic
        "term": version.term,
        "start_date": version.start_date.isoformat(),
        "end_date": version.end_date.isoformat() if version.end_date else None,
        "pay_basis": version.pay_basis,
        "basic_wage": str(version.basic_wage),
        "probation_days": version.probation_days,
        "had_probation_before": had_probation,
        "daily_hours": str(version.daily_hours),
        "weekly_hours": str(version.weekly_hours),
        "rest_days_per_week": version.rest_days_per_week,
        "annual_leave_days": version.annual_leave_days,
        "notice_days": version.notice_days,
        "previous_fixed_term_months": previous_months,
    }
    if version.term == "fixed":
        terms["non_renewal_notice_days"] = version.non_renewal_notice_days
    return {
        "employer_kind": contract.establishment.kind,
        "worker": {"nationality": contract.person.nationality_id, "date_of_birth": contract.person.date_of_birth.isoformat()},
        "contract": terms,
    }


def check(version: ContractVersion, on: date) -> dict[str, Any]:
    """The rule book's decision on the version's terms, as of ``on``, complete in both languages."""
    facts = contract_facts(version)
    decision = law.evaluate(law.CONTRACT, law.facts_from_dict(law.CONTRACT, facts), on)
    return decision.to_dict()


def may_be_sent(result: dict[str, Any]) -> bool:
    return result.get("outcome") == "approve"


def failures(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in result.get("checks", []) if c.get("status") != "passed"]
