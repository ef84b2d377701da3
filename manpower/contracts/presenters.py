"""Turning contracts into what people read (pages and API): one language, the reasons, what to do next."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation

from manpower.contracts import services
from manpower.contracts.models import OPEN_STATES, Contract, ContractVersion, Signature
from manpower.contracts.signing import Report
from manpower.identity.models import User

ORDER = {"failed": 0, "refer": 1, "unknown": 2, "passed": 3}


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def checks_view(result: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    lang = lang or _lang()
    checks = [{"id": c["id"], "status": c["status"], "code": c.get("code"), "title": c["title"][lang],
               "message": c["message"][lang], "fix": c["fix"][lang], "citation": c["citation"][lang]}
              for c in result.get("checks", [])]
    checks.sort(key=lambda c: ORDER.get(c["status"], 4))
    return {"outcome": result.get("outcome"), "evaluated_on": result.get("date"),
            "ruleset_version": result.get("ruleset_version"), "may_be_sent": result.get("outcome") == "approve",
            "checks": checks, "not_passed": [c for c in checks if c["status"] != "passed"],
            "notes": [c for c in checks if c["status"] == "passed" and c["code"]]}


def signature_view(signature: Signature) -> dict[str, Any]:
    return {"role": signature.role, "role_label": signature.get_role_display(), "signer": signature.credential.common_name,
            "signed_at": signature.signed_at, "timestamp": signature.timestamp,
            "certificate_serial": signature.credential.serial, "document_sha256": signature.document_sha256}


def version_view(version: ContractVersion, lang: str | None = None) -> dict[str, Any]:
    lang = lang or _lang()
    return {
        "seq": version.seq, "kind": version.kind, "kind_label": version.get_kind_display(), "change": version.change,
        "change_label": version.get_change_display() if version.change else "", "state": version.state,
        "state_label": version.get_state_display(),
        "occupation": version.occupation_id,
        "occupation_title": (version.occupation.name_ar if lang == "ar" and version.occupation.name_ar
                             else version.occupation.name_en),
        "term": version.term, "start_date": version.start_date, "end_date": version.end_date,
        "probation_days": version.probation_days, "pay_basis": version.pay_basis, "basic_wage": str(version.basic_wage),
        "housing_allowance": str(version.housing_allowance), "transport_allowance": str(version.transport_allowance),
        "other_allowances": str(version.other_allowances), "gross_wage": str(version.gross_wage),
        "daily_hours": str(version.daily_hours), "weekly_hours": str(version.weekly_hours),
        "rest_days_per_week": version.rest_days_per_week, "annual_leave_days": version.annual_leave_days,
        "notice_days": version.notice_days, "non_renewal_notice_days": version.non_renewal_notice_days,
        "drafted_at": version.drafted_at, "sent_at": version.sent_at, "deadline": version.deadline,
        "worker_comment": version.worker_comment, "responded_at": version.responded_at,
        "has_document": bool(version.document_sha256),
        "law": checks_view(version.law_check, lang) if version.law_check else None,
        "signatures": [signature_view(s) for s in version.signatures.all()],
    }


def actions_for(user: User, contract: Contract, open_version: ContractVersion | None,
                latest: ContractVersion | None) -> dict[str, bool]:
    party = services.party_of(user, contract)
    ended = contract.status == Contract.Status.ENDED
    state = open_version.state if open_version else None
    employer, worker = party == Signature.Role.EMPLOYER, party == Signature.Role.WORKER
    before_deadline = bool(open_version and open_version.deadline and timezone.localdate() <= open_version.deadline)
    revisable = (state == ContractVersion.State.CHANGE_REQUESTED
                 or (open_version is None and latest is not None and latest.state != ContractVersion.State.SIGNED))
    return {
        "edit": employer and state == ContractVersion.State.DRAFT,
        "send": employer and state == ContractVersion.State.DRAFT and bool(
            open_version and open_version.law_check.get("outcome") == "approve"),
        "withdraw": employer and state in (ContractVersion.State.DRAFT, ContractVersion.State.OFFERED),
        "revise": employer and not ended and revisable,
        "amend": employer and contract.status == Contract.Status.REGISTERED and open_version is None,
        "end": employer and contract.status == Contract.Status.REGISTERED,
        "answer": worker and state == ContractVersion.State.OFFERED and before_deadline,
    }


def contract_view(contract: Contract, user: User, *, versions: list[ContractVersion] | None = None,
                  lang: str | None = None) -> dict[str, Any]:
    lang = lang or _lang()
    from manpower.contracts.selectors import versions_for

    versions = versions if versions is not None else versions_for(user, contract)
    open_version = next((v for v in reversed(versions) if v.state in OPEN_STATES), None)
    latest = versions[-1] if versions else None
    current = open_version or contract.registered_version or latest
    person, establishment = contract.person, contract.establishment
    end = None
    if contract.end_figures:
        figures = contract.end_figures
        end = {"reason": contract.end_reason, "reason_label": contract.get_end_reason_display(),
               "last_working_day": contract.last_working_day, "service_start": figures["service_start"],
               "basic_wage": figures["basic_wage"], "gratuity": figures["gratuity"]["amount"],
               "gratuity_explanation": figures["gratuity"]["explanation"][lang],
               "leave_balance_days": figures["leave"]["balance_days"], "leave_pay": figures["leave"]["pay"],
               "leave_explanation": figures["leave"]["explanation"][lang], "total": figures["total"],
               "citation": figures["citation"][lang]}
    return {
        "number": contract.number, "status": contract.status, "status_label": contract.get_status_display(),
        "cr_number": establishment.cr_number, "establishment": establishment.name_ar if lang == "ar" else (
            establishment.name_en or establishment.name_ar),
        "worker": {"name": person.name_ar if lang == "ar" and person.name_ar else person.name_latin,
                   "name_latin": person.name_latin, "nationality": person.nationality_id,
                   "passport_last4": person.passport_number[-4:]},
        "permit_number": contract.permit.number if contract.permit_id else None,  # type: ignore[union-attr]
        "registered_version": contract.registered_version.seq if contract.registered_version else None,
        "registered_at": contract.registered_at,
        "current": version_view(current, lang) if current else None,
        "open_version": open_version.seq if open_version else None,
        "history": [version_view(v, lang) for v in versions],
        "end": end,
        "actions": actions_for(user, contract, open_version, latest),
    }


def report_view(report: Report, on_record: Any = None) -> dict[str, Any]:
    """What the verification page and API say about an uploaded file."""
    roles = {"EmployerSignature": "employer", "WorkerSignature": "worker"}
    record = None
    if on_record is not None:
        contract, version, stage = on_record
        record = {"contract": contract.number, "version": version.seq, "stage": stage, "status": contract.status}
    return {
        "readable": report.readable, "valid": report.valid, "changed_after_signing": report.changed_after_signing,
        "problem": report.problem,
        "signatures": [{"field": s.field, "role": roles.get(s.field, ""), "signer": s.signer,
                        "signer_id": s.signer_serial, "issuer": s.issuer, "certificate_serial": s.certificate_serial,
                        "signed_at": s.signed_at, "timestamp": s.timestamp, "valid": s.valid, "intact": s.intact,
                        "trusted": s.trusted, "timestamp_valid": s.timestamp_valid, "certifying": s.certifying,
                        "modification": s.modification, "problems": s.problems} for s in report.signatures],
        "on_record": record,
    }
