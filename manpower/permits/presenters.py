"""Turning applications and permits into what people read: one language, plain words, the reasons."""

from __future__ import annotations

import json
from typing import Any

from django.utils import translation

from manpower.payments.models import Invoice
from manpower.permits.models import Application, Decision, Permit, State
from manpower.registry import codes

# Before its first approval an application has neither an invoice nor a permit: nothing to look up. (A rejected
# one may: a paid application that could no longer be delivered is rejected and refunded.)
_NOT_YET_APPROVED = {State.SUBMITTED, State.AWAITING_VERIFICATION, State.REFERRED}


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def result_view(result: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stored or fresh rule-book result (``Decision.to_dict()``) in one language: checks worst first,
    fees, and the parameters read with the values in force and their references."""
    checks = [
        {"id": check["id"], "status": check["status"], "code": check.get("code"),
         "title": check.get("title", {}).get(lang, ""), "citation": check.get("citation", {}).get(lang, ""),
         "message": check.get("message", {}).get(lang, ""), "fix": check.get("fix", {}).get(lang, "")}
        for check in result.get("checks", [])
    ]
    order = {"failed": 0, "refer": 1, "unknown": 2, "passed": 3}
    checks.sort(key=lambda check: order.get(check["status"], 4))
    return {
        "checks": checks,
        "fees": [{"code": fee["code"], "label": fee["label"][lang], "amount": fee["amount"],
                  "explanation": fee.get("explanation", {}).get(lang, ""),
                  "citation": fee.get("citation", {}).get(lang, "")} for fee in result.get("fees", [])],
        "total": result.get("total", "0.000"),
        "trace": [{**item, "shown": _shown(item.get("value"))} for item in result.get("trace", [])],
    }


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "—" if value is None else str(value)


def decision_view(decision: Decision | None, lang: str | None = None) -> dict[str, Any] | None:
    if decision is None:
        return None
    lang = lang or _lang()
    return {
        "seq": decision.seq, "source": decision.source, "outcome": decision.outcome,
        "evaluated_on": decision.evaluated_on, "ruleset_version": decision.ruleset_version,
        **result_view(decision.result, lang),
        "officer_reason": decision.reason,
        "created_at": decision.created_at,
    }


def application_view(application: Application, *, with_decisions: bool = False,
                     latest: Decision | None = None) -> dict[str, Any]:
    """``latest``: the application's latest decision when the caller has just taken it (saves reading it back)."""
    invoice = issued = None
    if application.state not in _NOT_YET_APPROVED:
        invoice = (Invoice.objects.filter(subject_type="permits.application", subject_id=application.number)
                   .order_by("-id").first())
        issued = Permit.objects.filter(issued_by_application=application).values_list("number", flat=True).first()
    decisions = [latest] if latest is not None and not with_decisions else list(application.decisions.order_by("seq"))
    view: dict[str, Any] = {
        "number": application.number, "type": application.type, "type_label": application.get_type_display(),
        "state": application.state, "state_label": application.get_state_display(),
        "cr_number": application.establishment.cr_number,
        "worker": {"name": application.person.name, "nationality": application.person.nationality_id,
                   "passport_last4": application.person.passport_number[-4:]},
        "occupation": application.occupation_id, "occupation_title": codes.occupation_name(application.occupation_id),
        "basic_wage": str(application.basic_wage_omr),
        "permit_number": application.permit.number if application.permit_id else issued,  # type: ignore[union-attr]
        "created_at": application.created_at, "state_changed_at": application.state_changed_at,
        "decision": decision_view(decisions[-1] if decisions else None),
        "invoice": {"number": invoice.number, "total": str(invoice.total_omr), "status": invoice.status,
                    "due_on": invoice.due_on} if invoice else None,
        "awaiting_worker_consent": application.type == "transfer" and application.worker_consent_at is None
        and application.is_open,
    }
    if with_decisions:
        view["history"] = [decision_view(decision) for decision in decisions]
    return view


def permit_view(permit: Permit) -> dict[str, Any]:
    return {"number": permit.number, "status": permit.status, "status_label": permit.get_status_display(),
            "valid_from": permit.valid_from, "valid_until": permit.valid_until,
            "cr_number": permit.establishment.cr_number, "establishment": permit.establishment.name,
            "occupation": permit.occupation_id, "occupation_title": permit.occupation.name,
            "worker": {"name": permit.person.name, "nationality": permit.person.nationality_id},
            "credential": permit.credential}
