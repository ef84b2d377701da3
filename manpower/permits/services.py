"""Work-permit applications from submission to issued permit, and the permit's life after.

Every transition is one function, one transaction, one audit event and its outbox messages. The
decision itself comes from the rule book (``manpower.law``); this module gathers the facts, stores the
decision, and applies its outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower import law
from manpower.audit.services import appended_at_end, record
from manpower.core import outbox
from manpower.core.errors import DomainError, PermissionDenied, register_messages
from manpower.core.numbers import next_number
from manpower.core.queries import unique_or_none
from manpower.identity.authz import authorize
from manpower.identity.models import EstablishmentPermission, Role, User
from manpower.payments import services as payments
from manpower.payments.models import Invoice
from manpower.permits import credentials
from manpower.permits.facts import gather_facts
from manpower.permits.inputs import ApplicationInput
from manpower.permits.models import (
    OPEN_STATES,
    Application,
    ApplicationType,
    Decision,
    OverrideRequest,
    Permit,
    State,
)
from manpower.registry.models import Establishment, Person

register_messages({
    "permit_not_found": _("There is no permit %(number)s."),
    "permit_not_active": _("Permit %(number)s is %(status)s: only an active permit can be renewed, transferred or cancelled."),
    "permit_of_other_establishment": _("Permit %(number)s belongs to another establishment."),
    "permit_already_with_establishment": _("Permit %(number)s is already with this establishment."),
    "application_in_progress": _("Permit %(number)s already has an application in progress (%(application)s)."),
    "worker_holds_active_permit": _(
        "This worker already holds an active permit with another employer: apply for a transfer instead, with the "
        "permit number the worker gives you."),
    "worker_holds_permit_here": _("This worker already holds active permit %(number)s with your establishment: renew it instead."),
    "passport_details_differ": _(
        "Passport %(passport)s is on record with other details (name, sex, date of birth or nationality): check them "
        "against the passport, or ask the support desk."),
    "cannot_withdraw": _("Application %(number)s can no longer be withdrawn: it is %(state)s."),
    "not_referred": _("Application %(number)s is not waiting for an officer: it is %(state)s."),
    "not_rejected": _("Only a rejected application can be approved against the rules; %(number)s is %(state)s."),
    "override_pending": _("An override of %(number)s is already waiting for a second officer."),
    "reason_required": _("Give the reason for the decision, in Arabic or English."),
    "override_needs_second_officer": _("The officer who asked for the override cannot confirm it: a second officer must."),
    "no_pending_override": _("There is no override waiting for confirmation on %(number)s."),
    "consent_not_needed": _("Application %(number)s does not wait for your consent."),
    "idempotency_key_reused": _(
        "This idempotency key was used for application %(application)s with other details: use a new key for a new application."),
    "worker_application_in_progress": _(
        "Your establishment already has an application in progress for this worker (%(application)s)."),
    "submission_conflict": _("Another submission changed the same records at the same moment: send it again."),
})

log = structlog.get_logger("manpower.permits")

LAW_TYPES = {ApplicationType.NEW_PERMIT: "new_permit", ApplicationType.RENEWAL: "renewal",
             ApplicationType.TRANSFER: "transfer", ApplicationType.CANCELLATION: "cancellation"}
OUTCOME_STATE = {"approve": State.APPROVED, "reject": State.REJECTED, "refer": State.REFERRED,
                 "await": State.AWAITING_VERIFICATION}


# --- Submission ------------------------------------------------------------------------------------------


def _permit_for_update(number: str) -> Permit:
    permit = Permit.objects.select_for_update().filter(number=number).first()
    if permit is None:
        raise DomainError("permit_not_found", field="permit_number", params={"number": number})
    return permit


def _name_key(name: str) -> str:
    """A Latin name as compared: case, accents, spacing and punctuation aside (passports print it in capitals)."""
    import unicodedata

    letters = unicodedata.normalize("NFKD", name).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in letters if not unicodedata.combining(ch)).split())


def _person_for(worker: Any) -> tuple[Person, bool]:
    """The person with this passport, created on first application (and whether it was); a mismatch is
    explained, not overwritten."""
    person = unique_or_none(Person.objects.filter(passport_country_id=worker.passport_country,
                                                  passport_number=worker.passport_number))
    if person is None:
        return Person.objects.create(
            passport_number=worker.passport_number, passport_country_id=worker.passport_country,
            nationality_id=worker.nationality, name_latin=worker.name_latin, name_ar=worker.name_ar,
            date_of_birth=worker.date_of_birth, sex=worker.sex, passport_expires_on=worker.passport_expires_on,
            email=worker.email, phone=worker.phone,
        ), True
    # The details a passport fixes must match the record. Which one differs is not said: an employer must not be
    # able to find a worker's date of birth by trying dates.
    if (person.date_of_birth != worker.date_of_birth or person.nationality_id != worker.nationality
            or person.sex != worker.sex or _name_key(person.name_latin) != _name_key(worker.name_latin)):
        raise DomainError("passport_details_differ", field="passport_number", params={"passport": worker.passport_number})
    if worker.passport_expires_on and worker.passport_expires_on != person.passport_expires_on:
        person.passport_expires_on = worker.passport_expires_on
        person.save(update_fields=["passport_expires_on", "updated_at"])
    return person, False


@dataclass(frozen=True)
class Submission:
    """What a submission gave: the application, the decision taken now, or the first result of the same key."""

    application: Application
    decision: Decision | None
    replayed: bool


def application_submit(*, actor: User, establishment: Establishment, data: ApplicationInput,
                       idempotency_key: str | None = None, on: date | None = None) -> Application:
    """Record an application and decide it at once where the rules allow; the same key returns the first result."""
    return application_submission(actor=actor, establishment=establishment, data=data,
                                  idempotency_key=idempotency_key, on=on).application


def application_submission(*, actor: User, establishment: Establishment, data: ApplicationInput,
                           idempotency_key: str | None = None, on: date | None = None) -> Submission:
    """``application_submit``, telling also the decision taken and whether the key returned an earlier result.

    Its audit events are chained at the end (``appended_at_end``): submissions from many clients then wait for
    the chain's head only for the last moment of each, not for the whole decision.

    Two submissions racing for the same row (the same key, the same new passport, the same permit) meet at a
    unique constraint: the one that loses is rolled back whole and tried once more, and then finds what the
    winner wrote (the first result of the key, the person, the application in progress).
    """
    for attempt in (1, 2):
        try:
            with transaction.atomic(), appended_at_end(), outbox.written_together():
                return _submission(actor=actor, establishment=establishment, data=data,
                                   idempotency_key=idempotency_key, on=on)
        except IntegrityError:
            if attempt == 2:
                log.warning("application.submission_conflict", establishment=establishment.pk,
                            idempotency_key=idempotency_key)
                raise DomainError("submission_conflict") from None
    raise AssertionError("unreachable")


def _replay(earlier: Application, data: ApplicationInput) -> Submission:
    """The first result of a key, if the key came with the same application; a key is never reused for another."""
    if earlier.input != data.as_json():
        raise DomainError("idempotency_key_reused", field="idempotency_key", params={"application": earlier.number})
    return Submission(earlier, None, replayed=True)


def _submission(*, actor: User, establishment: Establishment, data: ApplicationInput, idempotency_key: str | None,
                on: date | None) -> Submission:
    authorize(actor, EstablishmentPermission.APPLY, establishment)
    if idempotency_key:
        earlier = unique_or_none(Application.objects.filter(establishment=establishment, idempotency_key=idempotency_key))
        if earlier is not None:
            return _replay(earlier, data)
    today = on or timezone.localdate()
    permit = None
    new_person = False
    if data.type == ApplicationType.NEW_PERMIT:
        assert data.worker is not None
        person, new_person = _person_for(data.worker)
        # A person first known now holds no permit anywhere: nothing to look up.
        held = None if new_person else Permit.objects.filter(person=person, status=Permit.Status.ACTIVE).first()
        if held is not None:  # another employer's permit number is the worker's to give (for a transfer), not ours
            if held.establishment_id == establishment.pk:
                raise DomainError("worker_holds_permit_here", field="passport_number", params={"number": held.number})
            raise DomainError("worker_holds_active_permit", field="passport_number")
        if not new_person:
            pending = Application.objects.filter(person=person, establishment=establishment, type=ApplicationType.NEW_PERMIT,
                                                 state__in=OPEN_STATES).only("number").first()
            if pending is not None:
                raise DomainError("worker_application_in_progress", field="passport_number",
                                  params={"application": pending.number})
    else:
        permit = _permit_for_update(data.permit_number or "")
        if permit.status != Permit.Status.ACTIVE:
            raise DomainError("permit_not_active", field="permit_number",
                              params={"number": permit.number, "status": permit.get_status_display()})
        own = permit.establishment_id == establishment.pk
        if data.type == ApplicationType.TRANSFER and own:
            raise DomainError("permit_already_with_establishment", field="permit_number", params={"number": permit.number})
        if data.type != ApplicationType.TRANSFER and not own:
            raise DomainError("permit_of_other_establishment", field="permit_number", params={"number": permit.number})
        person = permit.person
    open_one = Application.objects.filter(permit=permit, state__in=OPEN_STATES).first() if permit else None
    if open_one is not None:
        raise DomainError("application_in_progress", field="permit_number",
                          params={"number": permit.number, "application": open_one.number})  # type: ignore[union-attr]
    occupation_code = data.occupation or (permit.occupation_id if permit else "")
    application = Application(
        type=data.type, state=State.SUBMITTED, establishment=establishment,
        person=person, occupation_id=occupation_code, job_title_id=data.job_title or None,
        basic_wage_omr=data.basic_wage, permit=permit, submitted_by=actor,
        idempotency_key=idempotency_key or None, input=data.as_json(),
    )
    # Decided before it is stored, so it is written once, at its decided state; the audit trail still shows
    # it submitted, then decided.
    facts, verdict = _evaluate(application, on=today, establishment=establishment, person=person,
                               holds_no_permit=new_person)
    application.number = next_number("APP", today.year, gap_free=False)
    application.state = OUTCOME_STATE[verdict.outcome]
    # A race for the same key or permit ends here in an IntegrityError, which application_submission retries.
    application.save(force_insert=True)
    record(actor, "application.submitted", application, subject_person_id=person.pk,
           after={"type": data.type, "state": State.SUBMITTED})
    outbox.emit("application.submitted", key=f"application.submitted:{application.number}",
                application=application.number)
    if data.type == ApplicationType.TRANSFER:  # the worker is asked; nothing moves without their consent
        outbox.emit("transfer.consent_needed", key=f"transfer.consent_needed:{application.number}",
                    application=application.number)
    decision = _store_decision(application, facts, verdict, on=today, actor=actor, previous=None,
                               stored_after=State.SUBMITTED)
    return Submission(application, decision, replayed=False)


# --- The decision pipeline -------------------------------------------------------------------------------


def _transition(application: Application, state: str, actor: User | None, action: str, **data: Any) -> None:
    before = application.state
    application.state = state
    application.state_changed_at = timezone.now()
    application.save(update_fields=["state", "state_changed_at"])
    record(actor, action, application, subject_person_id=application.person_id, before={"state": before},
           after={"state": state}, **data)


def _evaluate(application: Application, *, on: date, establishment: Establishment | None = None,
              person: Person | None = None, holds_no_permit: bool = False) -> tuple[dict[str, Any], law.Decision]:
    """The facts of the application and the rule book's decision on them (nothing written)."""
    facts = gather_facts(application, on=on, establishment=establishment, person=person, holds_no_permit=holds_no_permit)
    law_type = LAW_TYPES[application.type]  # type: ignore[index]
    return facts, law.evaluate(law_type, law.facts_from_dict(law_type, facts), on)


def _decide(application: Application, *, on: date, actor: User | None) -> Decision:
    """Ask the rule book, store its decision, apply the outcome; inside the caller's transaction."""
    facts, verdict = _evaluate(application, on=on)
    return _store_decision(application, facts, verdict, on=on, actor=actor, previous=application.latest_decision)


def _store_decision(application: Application, facts: dict[str, Any], verdict: law.Decision, *, on: date,
                    actor: User | None, previous: Decision | None, stored_after: str | None = None) -> Decision:
    """Store the decision and apply its outcome. ``stored_after``: the application was saved at its decided state
    already, and this was its state before the decision."""
    stored = Decision.objects.create(
        application=application, seq=(previous.seq + 1) if previous else 1, outcome=verdict.outcome,
        evaluated_on=on, ruleset_version=verdict.ruleset_version, facts=facts, result=verdict.to_dict(),
    )
    _apply_outcome(application, stored, actor=actor, on=on, fees=stored.result.get("fees", []), stored_after=stored_after)
    if previous is None or previous.outcome != stored.outcome:
        outbox.emit("application.decided", key=f"application.decided:{application.number}:{stored.seq}",
                    application=application.number, outcome=stored.outcome, decision=stored.seq)
    return stored


def _apply_outcome(application: Application, decision: Decision, *, actor: User | None, on: date,
                   fees: list[dict[str, Any]], stored_after: str | None = None) -> None:
    state = OUTCOME_STATE[decision.outcome]
    action = f"application.{decision.outcome}"
    if stored_after is not None:  # the row holds the new state already: the event alone
        if state == stored_after:
            return
        record(actor, action, application, subject_person_id=application.person_id, before={"state": stored_after},
               after={"state": state}, decision=decision.seq, source=decision.source)
    elif state == application.state:
        return
    else:
        _transition(application, state, actor, action, decision=decision.seq, source=decision.source)
    if state == State.APPROVED:
        lines = [payments.Line(code=fee["code"], label_ar=fee["label"]["ar"], label_en=fee["label"]["en"],
                               amount=Decimal(fee["amount"]), citation=fee.get("citation", {}).get("en", ""))
                 for fee in fees]
        total = sum((line.amount for line in lines), Decimal("0"))
        if total > 0:
            lapse_days = int(law.parameter("permits.lapse_days", on))
            payments.invoice_create(establishment=application.establishment, subject_type="permits.application",
                                    subject_id=application.number, lines=lines, due_on=on + timedelta(days=lapse_days),
                                    actor=actor)
        else:
            _complete(application, actor=actor, on=on)


def application_redecide(*, application: Application, on: date | None = None, actor: User | None = None) -> Decision:
    """Decide again when facts have changed (an authority answered, the worker consented)."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.state not in {State.SUBMITTED, State.AWAITING_VERIFICATION}:
            return application.latest_decision  # type: ignore[return-value]
        return _decide(application, on=on or timezone.localdate(), actor=actor)


# --- Applicant's actions ---------------------------------------------------------------------------------


@transaction.atomic
def application_withdraw(*, actor: User, application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    authorize(actor, EstablishmentPermission.APPLY, application.establishment)
    if application.state not in {State.SUBMITTED, State.AWAITING_VERIFICATION, State.REFERRED, State.APPROVED}:
        raise DomainError("cannot_withdraw", field="state",
                          params={"number": application.number, "state": application.get_state_display()})
    _transition(application, State.WITHDRAWN, actor, "application.withdrawn")
    for invoice in Invoice.objects.filter(subject_type="permits.application", subject_id=application.number,
                                          status=Invoice.Status.DUE):
        payments.invoice_cancel(invoice=invoice, reason="application withdrawn", actor=actor)
    outbox.emit("application.withdrawn", key=f"application.withdrawn:{application.number}", application=application.number)
    return application


@transaction.atomic
def transfer_consent(*, actor: User, application: Application) -> Decision:
    """The worker agrees, in their own account, to move to the new employer."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if actor.role != Role.WORKER or actor.person_id != application.person_id:
        raise PermissionDenied()
    if application.type != ApplicationType.TRANSFER or application.worker_consent_at is not None or \
            application.state not in {State.SUBMITTED, State.AWAITING_VERIFICATION}:
        raise DomainError("consent_not_needed", params={"number": application.number})
    application.worker_consent_at = timezone.now()
    application.save(update_fields=["worker_consent_at"])
    record(actor, "transfer.consented", application, subject_person_id=application.person_id)
    return _decide(application, on=timezone.localdate(), actor=actor)


# --- Officers --------------------------------------------------------------------------------------------


def _officer(actor: User) -> None:
    if actor.role not in {Role.OFFICER, Role.ADMIN}:
        raise PermissionDenied()


@transaction.atomic
def referral_decide(*, actor: User, application: Application, approve: bool, reason: str,
                    on: date | None = None) -> Application:
    """An officer decides a referred application, with the reason the applicant will read."""
    _officer(actor)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state != State.REFERRED:
        raise DomainError("not_referred", params={"number": application.number, "state": application.get_state_display()})
    if not (reason or "").strip():
        raise DomainError("reason_required", field="reason")
    _record_officer_decision(application, actor=actor, approve=approve, reason=reason, on=on or timezone.localdate())
    return application


@transaction.atomic
def override_request(*, actor: User, application: Application, reason: str) -> OverrideRequest:
    """An officer asks to approve an application the rules rejected; a second officer must confirm (four eyes)."""
    _officer(actor)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state != State.REJECTED:
        raise DomainError("not_rejected", params={"number": application.number, "state": application.get_state_display()})
    if not (reason or "").strip():
        raise DomainError("reason_required", field="reason")
    if application.override_requests.filter(resolution="").exists():
        raise DomainError("override_pending", params={"number": application.number})
    latest = application.latest_decision
    failed = [check["id"] for check in (latest.checks if latest else []) if check.get("status") == "failed"]
    request = OverrideRequest.objects.create(application=application, requested_by=actor, overridden_checks=failed,
                                             reason=reason.strip())
    record(actor, "application.override_requested", application, subject_person_id=application.person_id,
           checks=failed, reason=reason.strip(), request=request.pk)
    return request


def _record_officer_decision(application: Application, *, actor: User, approve: bool, reason: str, on: date,
                             second: User | None = None) -> Decision:
    latest = application.latest_decision
    law_type = LAW_TYPES[application.type]  # type: ignore[index]
    facts = latest.facts if latest else gather_facts(application, on=on)
    result = dict(latest.result) if latest else {}
    fees = law.fees_due(law_type, law.facts_from_dict(law_type, facts), on) if approve else []
    result.update({"fees": fees, "total": str(sum((Decimal(fee["amount"]) for fee in fees), Decimal("0.000"))),
                   "officer": {"approve": approve, "reason": reason.strip(),
                               "overridden": [c["id"] for c in result.get("checks", []) if c.get("status") == "failed"]}})
    decision = Decision.objects.create(
        application=application, seq=(latest.seq + 1) if latest else 1, source=Decision.Source.OFFICER,
        outcome="approve" if approve else "reject", evaluated_on=on, ruleset_version=law.ruleset_version(),
        facts=facts, result=result, officer=actor, second_officer=second, reason=reason.strip(),
    )
    _apply_outcome(application, decision, actor=actor, on=on, fees=fees)
    outbox.emit("application.decided", key=f"application.decided:{application.number}:{decision.seq}",
                application=application.number, outcome=decision.outcome, decision=decision.seq)
    return decision


@transaction.atomic
def override_confirm(*, actor: User, application: Application, confirm: bool, on: date | None = None) -> Application:
    _officer(actor)
    application = Application.objects.select_for_update().get(pk=application.pk)
    request = application.override_requests.filter(resolution="").first()
    if request is None:
        raise DomainError("no_pending_override", params={"number": application.number})
    if request.requested_by_id == actor.pk:
        raise DomainError("override_needs_second_officer")
    request.resolution = "confirmed" if confirm else "declined"
    request.resolved_by, request.resolved_at = actor, timezone.now()
    request.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    record(actor, f"application.override_{request.resolution}", application, subject_person_id=application.person_id,
           request=request.pk)
    if confirm:
        _record_officer_decision(application, actor=request.requested_by, approve=True, reason=request.reason,
                                 on=on or timezone.localdate(), second=actor)
    return application


# --- Payment and issue -----------------------------------------------------------------------------------


@transaction.atomic
def application_paid(*, application_number: str, on: date | None = None) -> Application:
    """The invoice was paid: issue the permit (or complete the renewal, transfer). Idempotent."""
    application = Application.objects.select_for_update().get(number=application_number)
    if application.state != State.APPROVED:
        return application
    _transition(application, State.PAID, None, "application.paid")
    reason = _undeliverable(application)
    if reason is not None:
        # Something changed between approval and payment: the service cannot be delivered, so nobody pays for it.
        _transition(application, State.REJECTED, None, "application.not_delivered", reason=reason)
        invoice = Invoice.objects.filter(subject_type="permits.application", subject_id=application.number,
                                         status=Invoice.Status.PAID).first()
        if invoice is not None:
            payments.invoice_refund_undeliverable(invoice=invoice, reason=reason)
        return application
    _complete(application, actor=None, on=on or timezone.localdate())
    return application


def _undeliverable(application: Application) -> str | None:
    """Why a paid application can no longer be carried out, or None: the permit it concerns was cancelled or
    transferred meanwhile, or the worker now holds an active permit with another employer."""
    kind = application.type
    permit = application.permit
    if kind != ApplicationType.NEW_PERMIT and permit is not None and \
            permit.status in (Permit.Status.CANCELLED, Permit.Status.TRANSFERRED):
        return f"permit {permit.number} is {permit.status}"
    if kind in (ApplicationType.NEW_PERMIT, ApplicationType.TRANSFER):
        elsewhere = Permit.objects.filter(person_id=application.person_id, status=Permit.Status.ACTIVE)
        if application.permit_id is not None:
            elsewhere = elsewhere.exclude(pk=application.permit_id)
        found = elsewhere.first()
        if found is not None:
            return f"the worker now holds active permit {found.number}"
    return None


def _validity_months(on: date) -> int:
    return int(law.parameter("permits.validity_months", on))


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    import calendar

    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _complete(application: Application, *, actor: User | None, on: date) -> None:
    """Carry out an approved (and paid) application; inside the caller's transaction."""
    kind = application.type
    if kind == ApplicationType.CANCELLATION:
        permit = _permit_for_update(application.permit.number)  # type: ignore[union-attr]
        _end_permit(permit, Permit.Status.CANCELLED, actor, application=application.number)
    elif kind == ApplicationType.RENEWAL:
        permit = _permit_for_update(application.permit.number)  # type: ignore[union-attr]
        start = max(permit.valid_until + timedelta(days=1), on) if permit.valid_until >= on else on
        before = {"valid_until": permit.valid_until}
        permit.valid_until = _add_months(start, _validity_months(on)) - timedelta(days=1)
        permit.occupation_id = application.occupation_id
        permit.credential = credentials.sign_permit(permit)
        permit.save(update_fields=["valid_until", "occupation", "credential"])
        record(actor, "permit.renewed", permit, subject_person_id=permit.person_id, before=before,
               after={"valid_until": permit.valid_until}, application=application.number)
        outbox.emit("permit.renewed", key=f"permit.renewed:{application.number}", permit=permit.number)
    else:
        if kind == ApplicationType.TRANSFER:
            old = _permit_for_update(application.permit.number)  # type: ignore[union-attr]
            _end_permit(old, Permit.Status.TRANSFERRED, actor, application=application.number)
        _issue(application, actor=actor, on=on)
    _transition(application, State.ISSUED, actor, "application.completed")


def _end_permit(permit: Permit, status: str, actor: User | None, **data: Any) -> None:
    before = {"status": permit.status}
    permit.status = status
    permit.ended_at = timezone.now()
    permit.save(update_fields=["status", "ended_at"])
    record(actor, f"permit.{status}", permit, subject_person_id=permit.person_id, before=before, after={"status": status},
           **data)
    outbox.emit(f"permit.{status}", key=f"permit.{status}:{permit.number}", permit=permit.number)


def _issue(application: Application, *, actor: User | None, on: date) -> Permit:
    permit = Permit(
        number=next_number("WP", on.year), person=application.person, establishment=application.establishment,
        occupation=application.occupation, valid_from=on,
        valid_until=_add_months(on, _validity_months(on)) - timedelta(days=1), issued_by_application=application,
    )
    permit.credential = credentials.sign_permit(permit)
    permit.save()
    record(actor, "permit.issued", permit, subject_person_id=permit.person_id,
           after={"valid_from": permit.valid_from, "valid_until": permit.valid_until}, application=application.number)
    outbox.emit("permit.issued", key=f"permit.issued:{permit.number}", permit=permit.number)
    return permit


# --- Daily jobs ------------------------------------------------------------------------------------------


def permits_expire(*, on: date) -> int:
    """Active permits whose last valid day has passed become expired."""
    expired = 0
    for permit_id in Permit.objects.filter(status=Permit.Status.ACTIVE, valid_until__lt=on).values_list("id", flat=True):
        with transaction.atomic():
            permit = Permit.objects.select_for_update().get(pk=permit_id)
            if permit.status == Permit.Status.ACTIVE and permit.valid_until < on:
                _end_permit(permit, Permit.Status.EXPIRED, None)
                expired += 1
    return expired


def permits_remind_expiry(*, on: date) -> int:
    """Emit one reminder per permit for each of the reminder days before expiry (the keys make it once)."""
    sent = 0
    for days in law.parameter("permits.expiry_reminder_days", on):
        target = on + timedelta(days=int(days))
        for number in Permit.objects.filter(status=Permit.Status.ACTIVE, valid_until=target).values_list("number", flat=True):
            with transaction.atomic():
                outbox.emit("permit.expiring", key=f"permit.expiring:{number}:{days}", permit=number, days=int(days),
                            valid_until=str(target))
            sent += 1
    return sent


def applications_lapse(*, on: date) -> int:
    """Approved applications whose invoice was not paid by its due date lapse; the invoice is cancelled."""
    lapsed = 0
    due = Invoice.objects.filter(subject_type="permits.application", status=Invoice.Status.DUE, due_on__lt=on)
    for invoice in due:
        with transaction.atomic():
            application = Application.objects.select_for_update().filter(number=invoice.subject_id).first()
            if application is None or application.state != State.APPROVED:
                continue
            _transition(application, State.LAPSED, None, "application.lapsed", invoice=invoice.number)
            payments.invoice_cancel(invoice=invoice, reason="not paid by the due date")
            outbox.emit("application.lapsed", key=f"application.lapsed:{application.number}", application=application.number)
            lapsed += 1
    return lapsed
