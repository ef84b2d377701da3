"""Fact sets that pass every rule, per application type; tests change only what matters to them."""

from __future__ import annotations

import copy
from typing import Any

ESCO = "http://data.europa.eu/esco/occupation/"
TITLES = {
    "building electrician": ESCO + "33960bab-4423-4808-af6c-ec2b485dba41",
    "forklift operator": ESCO + "eeac6251-1974-42f5-91ed-513c6c883755",
    "ICT system analyst": ESCO + "a6a0b60f-08da-4faa-bf54-942987efb471",
    "software developer": ESCO + "f2b15a0e-e65a-438a-affb-29b9d50b77d1",
    "web developer": ESCO + "c40a2919-48a9-40ea-b506-1f34f693496d",
    "human resources manager": ESCO + "f605bcd2-90b6-45a0-a558-d05016d68a77",
    "taxi driver": ESCO + "6f7c1e84-8162-4c20-a575-b57ff624eef5",
    "data analyst": ESCO + "d3edb8f8-3a06-47a0-8fb9-9b212c006aa2",
}
DELETE = "$delete"


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if value == DELETE:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and not value.get("$replace"):
            out[key] = merge(out[key], value)
        elif isinstance(value, dict) and value.get("$replace"):
            out[key] = {k: v for k, v in value.items() if k != "$replace"}
        else:
            out[key] = copy.deepcopy(value)
    return out


def establishment(**overrides: Any) -> dict[str, Any]:
    base = {
        "cr_number": "1234567", "cr_status": "active", "cr_issue_date": "2018-03-01",
        "cr_expiry_date": "2030-03-01", "kind": "company", "legal_person": "juridical", "activity": "4321",
        "omani_employees": 12, "non_omani_employees": 30, "omanisation_target": "25",
        "has_unpaid_dues": False, "has_wps_breach": False, "services_suspended": False,
    }
    return merge(base, overrides)


def worker() -> dict[str, Any]:
    return {"nationality": "IN", "date_of_birth": "1990-05-17", "passport_expiry_date": "2035-01-31",
            "medical_fitness": "fit", "has_active_permit_elsewhere": False, "has_abandonment_report": False}


def permit() -> dict[str, Any]:
    return {"number": "WP-1", "expiry_date": "2030-12-31", "employment_start": "2019-01-01",
            "occupation_isco08": "7411", "basic_wage": "220.000", "is_cancelled": False}


BASE: dict[str, dict[str, Any]] = {
    "new_permit": {
        "establishment": establishment(), "worker": worker(),
        "occupation": {"isco08": "7411", "esco_uri": TITLES["building electrician"]}, "basic_wage": "220.000",
    },
    "renewal": {
        "establishment": establishment(), "worker": worker(),
        "occupation": {"isco08": "7411", "esco_uri": TITLES["building electrician"]}, "basic_wage": "220.000",
        "permit": permit(),
    },
    "transfer": {
        "establishment": establishment(omanisation_target=None, omani_employees=8, non_omani_employees=20,
                                       cr_number="7654321"),
        "worker": worker(),
        "occupation": {"isco08": "7411", "esco_uri": TITLES["building electrician"]}, "basic_wage": "220.000",
        "permit": merge(permit(), {"expiry_date": "2030-01-01", "has_registered_contract": True}),
        "current_employer": establishment(cr_number="1112223", omanisation_target=None, omani_employees=5,
                                          non_omani_employees=40),
        "transfer": {"kind": "permanent", "basis": "contract_ended", "worker_consents": True},
    },
    "cancellation": {
        "establishment": establishment(), "worker": worker(),
        "permit": permit(), "has_open_labour_complaint": False,
    },
    "contract": {
        "employer_kind": "company",
        "worker": {"nationality": "PH", "date_of_birth": "1996-04-12"},
        "contract": {
            "is_written": True, "has_arabic_text": True, "term": "fixed", "start_date": "2025-12-01",
            "end_date": "2027-11-30", "pay_basis": "monthly", "basic_wage": "350.000", "probation_days": 90,
            "had_probation_before": False, "daily_hours": 8, "weekly_hours": 40, "rest_days_per_week": 2,
            "annual_leave_days": 30, "notice_days": 30, "non_renewal_notice_days": 30,
        },
    },
}

TEMPORARY = {"kind": "temporary", "basis": None, "worker_consents": True, "start_date": "2026-02-01",
             "end_date": "2026-06-30", "prior_months_this_year": 0, "sender_transferred_out": 2,
             "receiver_received": 0}


def facts(application: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The passing fact set of an application type with ``overrides`` merged in (``$delete`` removes a fact)."""
    return merge(copy.deepcopy(BASE[application]), overrides or {})
