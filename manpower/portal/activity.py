"""Audit events told in plain words for the person whose record they concern."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from manpower.audit.models import AuditEvent
from manpower.identity.models import Role, User

ACTIONS: dict[str, Promise] = {
    "person.registered": _("Your record was created in the register."),
    "person.contact_changed": _("Your contact details were changed."),
    "account.claimed": _("You opened your account."),
    "account.claim_code_sent": _("A code to open your account was sent to you."),
    "application.submitted": _("An application about you was submitted."),
    "application.approve": _("An application about you was approved by the rules."),
    "application.reject": _("An application about you was refused by the rules."),
    "application.refer": _("An application about you was sent to an officer to decide."),
    "application.await": _("An application about you is waiting for information from another authority."),
    "application.approved": _("An officer approved an application about you."),
    "application.rejected": _("An officer refused an application about you."),
    "application.withdrawn": _("An application about you was withdrawn by the employer."),
    "application.paid": _("The fees of an application about you were paid."),
    "application.completed": _("An application about you was completed."),
    "application.lapsed": _("An application about you lapsed because its fees were not paid in time."),
    "application.not_delivered": _("An application about you could not be carried out after it was paid; the fees "
                                   "were refunded."),
    "application.override_requested": _("An officer asked to approve an application about you against a rule."),
    "application.override_confirmed": _("A second officer confirmed an approval against a rule."),
    "application.override_declined": _("A second officer declined an approval against a rule."),
    "transfer.consented": _("You agreed to the transfer of your work permit."),
    "permit.issued": _("A work permit was issued to you."),
    "permit.renewed": _("Your work permit was renewed."),
    "permit.cancelled": _("Your work permit was cancelled."),
    "permit.expired": _("Your work permit expired."),
    "permit.transferred": _("Your work permit was transferred to a new employer."),
    "contract.drafted": _("An employer drafted an employment contract for you."),
    "contract.draft_updated": _("The draft of your employment contract was changed."),
    "contract.sent": _("An employment contract was sent to you to sign."),
    "contract.revised": _("The employer revised your contract after your request."),
    "contract.amendment_drafted": _("The employer drafted a change to your contract."),
    "contract.change_requested": _("You asked for a change to your contract."),
    "contract.rejected": _("A contract offer was refused."),
    "contract.withdrawn": _("The employer withdrew a contract offer."),
    "contract.signed": _("Your employment contract was signed."),
    "contract.offer_ended": _("A contract offer ended without being signed."),
    "contract.permit_linked": _("Your contract was linked to your work permit."),
    "contract.ended": _("Your employment contract ended."),
    "signing.code_sent": _("A signing code was sent to you."),
    "signer.certificate_issued": _("A signing certificate was issued to you."),
    "dispute.opened": _("You disputed an entry of this log."),
    "dispute.answered": _("The support desk answered your dispute."),
}


@dataclass(frozen=True)
class Entry:
    seq: int
    occurred_at: datetime
    what: str
    who: str
    reference: str
    event: AuditEvent
    disputes: list[Any]

    @property
    def open_dispute(self) -> Any:
        return next((d for d in self.disputes if d.state == "open"), None)


def who(event: AuditEvent, viewer: User) -> str:
    actor = event.actor
    if actor is None:
        return gettext("The platform, automatically") if event.actor_label in ("", "system") else event.actor_label
    if actor.pk == viewer.pk:
        return gettext("You")
    if actor.role == Role.EMPLOYER:
        return gettext("%(name)s, for the employer") % {"name": actor.full_name}
    if actor.role == Role.WORKER:
        return actor.full_name
    return gettext("%(role)s of the Ministry of Labour") % {"role": actor.get_role_display()}


def describe(event: AuditEvent) -> str:
    text = ACTIONS.get(event.action)
    if text is not None:
        return str(text)
    return gettext("Recorded: %(action)s") % {"action": event.action}


def reference(event: AuditEvent) -> str:
    data = event.data or {}
    for key in ("number", "application", "permit", "contract", "invoice"):
        if isinstance(data.get(key), str):
            return str(data[key])
    return f"#{event.seq}"


def entries(events: list[AuditEvent], viewer: User) -> list[Entry]:
    return [Entry(seq=e.seq, occurred_at=e.occurred_at, what=describe(e), who=who(e, viewer), reference=reference(e),
                  event=e, disputes=list(e.disputes.all())) for e in events]
