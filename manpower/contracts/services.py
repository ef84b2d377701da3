"""Employment contracts from draft to registration, amendments and end of service.

Each use case writes in one transaction with one audit event and its outbox messages. The two that
sign (``contract_send`` by the employer, ``contract_sign`` by the worker) check the one-time code first,
in a transaction of its own so that a wrong code is counted even though the attempt is refused, and
make the PDF signature (CPU work and an HTTP call to the time-stamping authority) outside any
transaction, so no database lock is held while they run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from manpower import law
from manpower.audit.services import record
from manpower.contracts import codes, credentials, documents, lawcheck, signing
from manpower.contracts.models import (
    OPEN_STATES,
    Contract,
    ContractVersion,
    OneTimeCode,
    Signature,
    SignerCredential,
)
from manpower.contracts.terms import FIELDS as TERM_FIELDS
from manpower.contracts.terms import Terms, terms_of
from manpower.core import outbox
from manpower.core.errors import DomainError, InputErrors, PermissionDenied, register_messages, render_message
from manpower.core.models import OutboxMessage
from manpower.core.numbers import next_number
from manpower.identity.authz import authorize
from manpower.identity.models import EstablishmentPermission, Role, User
from manpower.law.facts import HOUSEHOLD_KINDS, EndOfService
from manpower.registry.models import Employment, Establishment, Person

register_messages({
    "worker_not_connected": _("This worker has no employment or permit application with this establishment."),
    "contract_in_progress": _("Contract %(number)s with this worker is already being agreed: continue with it."),
    "not_a_draft": _("Only a draft can be changed; version %(seq)s is %(state)s."),
    "nothing_to_send": _("There is no draft to sign and send."),
    "nothing_to_sign": _("There is no offer waiting for your signature."),
    "document_missing": _("The document of contract %(contract)s, version %(version)s, is missing; tell the support desk."),
    "draft_exists": _("Version %(seq)s is already a draft: edit it."),
    "offer_pending": _("Version %(seq)s is waiting for the worker: withdraw it first to change it."),
    "cannot_revise": _("This contract cannot be revised now."),
    "not_registered": _("Only a registered contract can be amended or ended."),
    "contract_ended": _("Contract %(number)s has ended."),
    "contract_rule_failed": _("%(title)s: %(message)s %(fix)s (%(citation)s)"),
    "contract_changed_meanwhile": _("The contract changed while you were signing; look at it again before you sign."),
    "offer_ended": _("This offer ended on %(deadline)s. The employer may send a new one."),
    "comment_required": _("Say what you would like changed, in a few words."),
    "timestamp_unavailable": _(
        "The time-stamping service did not answer, so nothing was signed. Your code stays valid: try again in a minute."),
    "document_altered": _("The stored contract document does not match its record; the support desk has been alerted."),
    "no_contact_on_file": _("There is no phone number or e-mail on file to send the code to; ask the support desk."),
    "unknown_change": _("Choose what the amendment changes: wage, occupation, extension or other."),
    "unknown_end_reason": _("Choose why the service ends."),
    "last_day_before_start": _("The last working day cannot be before the service started (%(start)s)."),
    "leave_taken_invalid": _("Enter the paid leave days already taken as a whole number (0 or more)."),
})

BAISA = Decimal("0.001")


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


# --- Who may act ------------------------------------------------------------------------------------


def _as_employer(actor: User, contract: Contract) -> None:
    authorize(actor, EstablishmentPermission.SIGN, contract.establishment)


def _as_worker(actor: User, contract: Contract) -> None:
    if actor.role != Role.WORKER or actor.person_id != contract.person_id:
        raise PermissionDenied()


def party_of(actor: User, contract: Contract) -> str | None:
    """'employer', 'worker' or None: which side of this contract the user acts for."""
    if actor.role == Role.WORKER and actor.person_id == contract.person_id:
        return Signature.Role.WORKER
    try:
        _as_employer(actor, contract)
    except PermissionDenied:
        return None
    return Signature.Role.EMPLOYER


# --- Helpers -----------------------------------------------------------------------------------------


def _check_day(version: ContractVersion, today: date) -> date:
    """The law in force when the contract starts, or today for one already running."""
    return max(today, version.start_date)


def _refresh_status(contract: Contract) -> None:
    if contract.status == Contract.Status.ENDED:
        return
    if contract.registered_version_id:
        status = Contract.Status.REGISTERED
    elif contract.versions.filter(state__in=OPEN_STATES).exists():
        status = Contract.Status.NEGOTIATING
    else:
        status = Contract.Status.NOT_CONCLUDED
    if status != contract.status:
        contract.status = status
        contract.save(update_fields=["status"])


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().select_related("establishment", "person").get(pk=contract.pk)


def _open(contract: Contract) -> ContractVersion | None:
    return contract.versions.select_for_update().filter(state__in=OPEN_STATES).order_by("-seq").first()


def _next_seq(contract: Contract) -> int:
    last = contract.versions.order_by("-seq").values_list("seq", flat=True).first()
    return (last or 0) + 1


def _not_ended(contract: Contract) -> None:
    if contract.status == Contract.Status.ENDED:
        raise DomainError("contract_ended", params={"number": contract.number})


def _worker_user(contract: Contract) -> User | None:
    return User.objects.filter(person_id=contract.person_id, role=Role.WORKER, is_active=True).first()


def _worker_contact(contract: Contract) -> dict[str, Any]:
    """Who the worker notices go to: the account if there is one, else the contact details on file."""
    user = _worker_user(contract)
    person = contract.person
    return {"person_id": person.pk, "user_id": user.pk if user else None, "language": user.preferred_language if user else "ar",
            "phone": person.phone or (user.phone if user else ""), "email": person.email or (user.email if user else "")}


def _employer_contact(contract: Contract, version: ContractVersion) -> dict[str, Any]:
    return {"establishment_id": contract.establishment_id, "user_id": version.drafted_by_id}


def _store(contract: Contract, version: ContractVersion, stage: str, pdf: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(pdf).hexdigest()
    name = default_storage.save(f"contracts/{contract.number}/v{version.seq}-{stage}-{digest[:16]}.pdf", ContentFile(pdf))
    return name, digest


def read_document(version: ContractVersion) -> bytes:
    """The version's PDF as stored, refused if it is not byte for byte the one recorded."""
    if not version.document.name:
        raise DomainError("document_missing", params={"contract": version.contract.number, "version": version.seq})
    with default_storage.open(version.document.name, "rb") as handle:
        pdf = handle.read()
    if hashlib.sha256(pdf).hexdigest() != version.document_sha256:
        raise DomainError("document_altered")
    return pdf


class RuleFailed(DomainError):
    """A check of the rule book the terms fail, in the words of the rule book in either language."""

    def __init__(self, check: dict[str, Any]) -> None:
        self.check = check
        super().__init__("contract_rule_failed", field=check["id"], params=self._words("en"))

    def _words(self, lang: str) -> dict[str, str]:
        return {key: self.check[key][lang] for key in ("title", "message", "fix", "citation")}

    def message(self, lang: str | None = None) -> str:
        lang = lang or translation.get_language() or "ar"
        return render_message(self.code, self._words("en" if lang.startswith("en") else "ar"), lang)


def _law_errors(result: dict[str, Any]) -> InputErrors:
    return InputErrors([RuleFailed(check) for check in lawcheck.failures(result)])


def _apply_terms(version: ContractVersion, terms: Terms) -> None:
    for name, value in terms.as_model_fields().items():
        setattr(version, name, value)


def _evaluate(version: ContractVersion, on: date) -> dict[str, Any]:
    try:
        return lawcheck.check(version, _check_day(version, on))
    except law.FactError as error:  # the form checks should have caught it; report rather than crash
        raise DomainError("invalid", field=getattr(error, "fact", None)) from error


# --- Drafting ------------------------------------------------------------------------------------------


@transaction.atomic
def contract_draft(*, actor: User, establishment: Establishment, person: Person, terms: Terms,
                   employment: Employment | None = None, application: Any = None, on: date | None = None) -> Contract:
    """A new contract with its first version as a draft, checked against the law (not yet sent)."""
    authorize(actor, EstablishmentPermission.SIGN, establishment)
    today = on or timezone.localdate()
    if employment is None and application is None:
        employment = (Employment.objects.filter(person=person, establishment=establishment)
                      .order_by("-start_date").first())
        if employment is None:
            from manpower.permits.models import Application

            application = (Application.objects.filter(person=person, establishment=establishment)
                           .exclude(state__in=["rejected", "withdrawn", "lapsed"]).order_by("-id").first())
    connected = ((employment is not None and employment.person_id == person.pk
                  and employment.establishment_id == establishment.pk)
                 or (application is not None and application.person_id == person.pk
                     and application.establishment_id == establishment.pk))
    if not connected:
        raise DomainError("worker_not_connected", field="person")
    pending = Contract.objects.filter(establishment=establishment, person=person,
                                      status=Contract.Status.NEGOTIATING).first()
    if pending is not None:
        raise DomainError("contract_in_progress", params={"number": pending.number})
    contract = Contract.objects.create(
        number=next_number("CTR", today.year), establishment=establishment, person=person,
        employment=employment, application=application, created_by=actor)
    version = ContractVersion(contract=contract, seq=1, drafted_by=actor)
    _apply_terms(version, terms)
    version.law_check = _evaluate(version, today)
    version.save()
    record(actor, "contract.drafted", contract, subject_person_id=person.pk,
           after={"version": 1, "terms": terms.as_json(), "law_outcome": version.law_check["outcome"]})
    return contract


@transaction.atomic
def contract_update_draft(*, actor: User, contract: Contract, terms: Terms, on: date | None = None) -> ContractVersion:
    """Change the terms of the draft; the law is checked again."""
    _as_employer(actor, contract)
    contract = _lock(contract)
    _not_ended(contract)
    version = _open(contract)
    if version is None or version.state != ContractVersion.State.DRAFT:
        raise DomainError("not_a_draft", params={"seq": version.seq if version else "—",
                                                 "state": version.get_state_display() if version else "—"})
    before = terms_of(version)
    _apply_terms(version, terms)
    version.law_check = _evaluate(version, on or timezone.localdate())
    version.save()
    record(actor, "contract.draft_updated", version, subject_person_id=contract.person_id, before=before,
           after=terms.as_json(), law_outcome=version.law_check["outcome"])
    return version


@transaction.atomic
def contract_revise(*, actor: User, contract: Contract, terms: Terms | None = None,
                    on: date | None = None) -> ContractVersion:
    """A new draft after the worker asked for a change, refused, or let the offer end; it starts from the
    last version's terms unless new ones are given."""
    _as_employer(actor, contract)
    contract = _lock(contract)
    _not_ended(contract)
    current = _open(contract)
    if current is not None and current.state == ContractVersion.State.DRAFT:
        raise DomainError("draft_exists", params={"seq": current.seq})
    if current is not None and current.state == ContractVersion.State.OFFERED:
        raise DomainError("offer_pending", params={"seq": current.seq})
    previous = current or contract.versions.order_by("-seq").first()
    if previous is None or (current is None and previous.state == ContractVersion.State.SIGNED):
        raise DomainError("cannot_revise")  # a registered contract is changed by an amendment
    if current is not None:
        current.state = ContractVersion.State.SUPERSEDED
        current.state_changed_at = timezone.now()
        current.save(update_fields=["state", "state_changed_at"])
    version = _copy(previous, actor=actor, seq=_next_seq(contract), kind=previous.kind, change=previous.change)
    if terms is not None:
        _apply_terms(version, terms)
    version.law_check = _evaluate(version, on or timezone.localdate())
    version.save()
    _refresh_status(contract)
    record(actor, "contract.revised", version, subject_person_id=contract.person_id,
           before={"version": previous.seq, "state": previous.state}, after={"version": version.seq},
           worker_comment=previous.worker_comment)
    return version


def _copy(previous: ContractVersion, *, actor: User, seq: int, kind: str, change: str) -> ContractVersion:
    version = ContractVersion(contract_id=previous.contract_id, seq=seq, kind=kind, change=change, drafted_by=actor)
    for name in TERM_FIELDS:
        attribute = "occupation_id" if name == "occupation" else name
        setattr(version, attribute, getattr(previous, attribute))
    return version


@transaction.atomic
def contract_amend(*, actor: User, contract: Contract, change: str, terms: Terms,
                   on: date | None = None) -> ContractVersion:
    """An amendment of a registered contract (wage, occupation, extension…): a new version, same loop."""
    _as_employer(actor, contract)
    contract = _lock(contract)
    _not_ended(contract)
    if contract.status != Contract.Status.REGISTERED:
        raise DomainError("not_registered")
    if change not in ContractVersion.Change.values:
        raise DomainError("unknown_change", field="change")
    current = _open(contract)
    if current is not None:
        raise DomainError("draft_exists" if current.state == ContractVersion.State.DRAFT else "offer_pending",
                          params={"seq": current.seq})
    version = ContractVersion(contract=contract, seq=_next_seq(contract), kind=ContractVersion.Kind.AMENDMENT,
                              change=change, drafted_by=actor)
    _apply_terms(version, terms)
    version.law_check = _evaluate(version, on or timezone.localdate())
    version.save()
    record(actor, "contract.amendment_drafted", version, subject_person_id=contract.person_id,
           after={"version": version.seq, "change": change, "terms": terms.as_json()})
    return version


@transaction.atomic
def contract_withdraw(*, actor: User, contract: Contract) -> ContractVersion:
    """The employer takes back the version being agreed (a draft, or an offer not yet signed)."""
    _as_employer(actor, contract)
    contract = _lock(contract)
    version = _open(contract)
    if version is None:
        raise DomainError("nothing_to_send")
    was = version.state
    version.state = ContractVersion.State.WITHDRAWN
    version.state_changed_at = timezone.now()
    version.save(update_fields=["state", "state_changed_at"])
    OneTimeCode.objects.filter(version=version, used_at__isnull=True).update(cancelled_at=timezone.now())
    _refresh_status(contract)
    record(actor, "contract.withdrawn", version, subject_person_id=contract.person_id, before={"state": was},
           after={"state": version.state})
    if was == ContractVersion.State.OFFERED:
        outbox.emit("contract.withdrawn", key=f"contract.withdrawn:{contract.number}:{version.seq}",
                    contract=contract.number, version=version.seq, **_worker_contact(contract))
    return version


# --- Codes and signatures ---------------------------------------------------------------------------


def _scope(contract: Contract, user: User) -> str:
    return f"sign:contract:{contract.pk}:user:{user.pk}"


@dataclass(frozen=True)
class CodeSent:
    channel: str
    destination: str
    expires_at: Any


def _pending_for(actor: User, contract: Contract, on: date) -> tuple[str, ContractVersion]:
    """What this user would sign now: the employer a lawful draft, the worker an offer before its deadline."""
    party = party_of(actor, contract)
    version = contract.open_version
    if party == Signature.Role.EMPLOYER:
        if version is None or version.state != ContractVersion.State.DRAFT:
            raise DomainError("nothing_to_send")
        return party, version
    if party == Signature.Role.WORKER:
        if version is None or version.state != ContractVersion.State.OFFERED:
            raise DomainError("nothing_to_sign")
        if version.deadline and on > version.deadline:
            raise DomainError("offer_ended", params={"deadline": version.deadline.isoformat()})
        return party, version
    raise PermissionDenied()


@transaction.atomic
def signing_code_request(*, actor: User, contract: Contract, on: date | None = None) -> CodeSent:
    """Send the signer a one-time code that authorises their signature on the version pending."""
    today = on or timezone.localdate()
    party, version = _pending_for(actor, contract, today)
    if party == Signature.Role.EMPLOYER:
        result = _evaluate(version, today)
        if not lawcheck.may_be_sent(result):
            raise _law_errors(result)
        phone, email = actor.phone, actor.email
    else:
        phone, email = contract.person.phone or actor.phone, contract.person.email or actor.email
    channel, masked = codes.destination(phone=phone, email=email)
    if not channel:
        raise DomainError("no_contact_on_file")
    stored, code = codes.issue(purpose=OneTimeCode.Purpose.SIGN, scope=_scope(contract, actor), channel=channel,
                               user=actor, version=version)
    record(actor, "signing.code_sent", version, subject_person_id=contract.person_id, channel=channel, party=party)
    outbox.emit("signing.otp", key=f"signing.otp:{stored.pk}", user_id=actor.pk,
                person_id=contract.person_id if party == Signature.Role.WORKER else None, code=code, channel=channel,
                phone=phone if channel == "sms" else "", email=email if channel == "email" else "",
                purpose="sign", contract=contract.number, version=version.seq, party=party,
                expires_at=stored.expires_at.isoformat(), language=actor.preferred_language)
    return CodeSent(channel, masked, stored.expires_at)


def _verify_code(actor: User, contract: Contract, version: ContractVersion, code: str) -> OneTimeCode:
    return codes.verify(scope=_scope(contract, actor), code=code, actor=actor,
                        candidates=OneTimeCode.objects.filter(purpose=OneTimeCode.Purpose.SIGN, user=actor,
                                                              version=version),
                        notify={"user_id": actor.pk, "person_id": actor.person_id, "contract": contract.number,
                                "phone": actor.phone, "email": actor.email, "language": actor.preferred_language})


def _labels(actor: User, contract: Contract, party: str) -> tuple[str, str]:
    """A Latin-script label for the visible stamp (its font is Latin-only); the certificate names the signer."""
    if party == Signature.Role.WORKER:
        return contract.person.name_latin, "worker"
    name = actor.full_name if actor.full_name.isascii() else (contract.establishment.name_en or "")
    label = name if name.isascii() and name else f"CR {contract.establishment.cr_number}"
    return label, "employer"


def _apply_signature(actor: User, contract: Contract, version: ContractVersion, party: str, pdf: bytes
                     ) -> tuple[bytes, SignerCredential]:
    credential = credentials.credential_for(actor, contract)
    label, role = _labels(actor, contract, party)
    is_employer = party == Signature.Role.EMPLOYER
    reason = (f"Employer's signature certifying contract {contract.number} version {version.seq}" if is_employer
              else f"Worker's acceptance of contract {contract.number} version {version.seq}")
    try:
        signed = signing.sign(
            pdf, field_name=signing.EMPLOYER_FIELD if is_employer else signing.WORKER_FIELD,
            sealed_key=bytes(credential.sealed_key), certificate_pem=credential.certificate_pem.encode(),
            key_context=credential.key_context, certify=is_employer, reason=reason,
            location=f"{contract.establishment.wilayat.name_en}, Oman", signer_label=label, role_label=role)
    except signing.TimestampUnavailable as error:
        raise DomainError("timestamp_unavailable") from error
    return signed, credential


def contract_send(*, actor: User, contract: Contract, code: str, on: date | None = None) -> ContractVersion:
    """The employer signs the draft (a certifying signature that still allows the worker's) and so sends it."""
    today = on or timezone.localdate()
    _as_employer(actor, contract)
    party, version = _pending_for(actor, contract, today)
    result = _evaluate(version, today)
    if not lawcheck.may_be_sent(result):
        raise _law_errors(result)
    stored_code = _verify_code(actor, contract, version, code)
    terms_signed = terms_of(version)
    pdf, credential = _apply_signature(actor, contract, version, party, documents.render(version))
    name, digest = _store(contract, version, "employer", pdf)
    timestamp = signing.timestamp_of(pdf, signing.EMPLOYER_FIELD)
    with transaction.atomic():
        contract = _lock(contract)
        version = ContractVersion.objects.select_for_update().get(pk=version.pk)
        if (version.state != ContractVersion.State.DRAFT or terms_of(version) != terms_signed
                or not codes.consume(stored_code)):
            raise DomainError("contract_changed_meanwhile")
        days = int(law.parameter("contracts.offer_deadline_days", today))
        version.state = ContractVersion.State.OFFERED
        version.sent_at = version.state_changed_at = timezone.now()
        version.deadline = today + timedelta(days=days)
        version.law_check = result
        version.document.name = name
        version.document_sha256 = digest
        version.save()
        Signature.objects.create(version=version, role=Signature.Role.EMPLOYER, signer=actor, credential=credential,
                                 field_name=signing.EMPLOYER_FIELD, timestamp=timestamp, document_sha256=digest)
        _refresh_status(contract)
        record(actor, "contract.sent", version, subject_person_id=contract.person_id,
               after={"state": version.state, "deadline": version.deadline, "document_sha256": digest},
               certificate=credential.serial)
        worker = _worker_contact(contract)
        topic = "contract.sent" if version.seq == 1 else "contract.revised"
        outbox.emit(topic, key=f"{topic}:{contract.number}:{version.seq}", contract=contract.number,
                    version=version.seq, kind=version.kind, change=version.change, deadline=version.deadline.isoformat(),
                    establishment=contract.establishment.name_ar, url=f"{settings.SITE_URL}{reverse('portal:contract', args=[contract.number])}",
                    claim_url=None if worker["user_id"] else f"{settings.SITE_URL}{reverse('portal:account_claim')}",
                    **worker)
    return version


def contract_sign(*, actor: User, contract: Contract, code: str, on: date | None = None) -> ContractVersion:
    """The worker signs the offer (an incremental update after the employer's signature); the contract is
    then registered and linked to the worker's permit."""
    today = on or timezone.localdate()
    _as_worker(actor, contract)
    party, version = _pending_for(actor, contract, today)
    stored_code = _verify_code(actor, contract, version, code)
    pdf, credential = _apply_signature(actor, contract, version, party, read_document(version))
    name, digest = _store(contract, version, "signed", pdf)
    timestamp = signing.timestamp_of(pdf, signing.WORKER_FIELD)
    with transaction.atomic():
        contract = _lock(contract)
        version = ContractVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != ContractVersion.State.OFFERED or not codes.consume(stored_code):
            raise DomainError("contract_changed_meanwhile")
        now = timezone.now()
        version.state = ContractVersion.State.SIGNED
        version.responded_at = version.state_changed_at = now
        version.document.name = name
        version.document_sha256 = digest
        version.save()
        Signature.objects.create(version=version, role=Signature.Role.WORKER, signer=actor, credential=credential,
                                 field_name=signing.WORKER_FIELD, timestamp=timestamp, document_sha256=digest)
        replaced = contract.registered_version
        if replaced is not None:
            ContractVersion.objects.filter(pk=replaced.pk).update(state=ContractVersion.State.SUPERSEDED,
                                                                  state_changed_at=now)
        contract.registered_version = version
        contract.registered_at = now
        contract.status = Contract.Status.REGISTERED
        contract.permit = _current_permit(contract) or contract.permit
        contract.save(update_fields=["registered_version", "registered_at", "status", "permit"])
        record(actor, "contract.signed", version, subject_person_id=contract.person_id,
               before={"registered_version": replaced.seq if replaced else None},
               after={"state": version.state, "registered_version": version.seq, "document_sha256": digest,
                      "permit": contract.permit.number if contract.permit else None},
               certificate=credential.serial)
        payload = {"contract": contract.number, "version": version.seq, "kind": version.kind, "change": version.change}
        outbox.emit("contract.signed", key=f"contract.signed:{contract.number}:{version.seq}", **payload,
                    **_worker_contact(contract), employer=_employer_contact(contract, version))
        outbox.emit("contract.registered", key=f"contract.registered:{contract.number}:{version.seq}", **payload,
                    person_id=contract.person_id, establishment_id=contract.establishment_id,
                    permit=contract.permit.number if contract.permit else None, occupation=version.occupation_id,
                    basic_wage=str(version.basic_wage), start_date=version.start_date.isoformat(),
                    end_date=version.end_date.isoformat() if version.end_date else None)
    return version


def _current_permit(contract: Contract) -> Any:
    from manpower.permits.models import Permit

    return (Permit.objects.filter(person_id=contract.person_id, establishment_id=contract.establishment_id,
                                  status=Permit.Status.ACTIVE).order_by("-id").first())


@transaction.atomic
def contract_link_permit(*, permit_number: str) -> int:
    """When a permit is issued, registered contracts of that worker with that employer point to it."""
    from manpower.permits.models import Permit

    permit = Permit.objects.filter(number=permit_number).first()
    if permit is None:
        return 0
    contracts = list(Contract.objects.select_for_update().filter(
        person_id=permit.person_id, establishment_id=permit.establishment_id,
        status=Contract.Status.REGISTERED).exclude(permit=permit))
    for contract in contracts:
        before = contract.permit.number if contract.permit_id else None  # type: ignore[union-attr]
        contract.permit = permit
        contract.save(update_fields=["permit"])
        record(None, "contract.permit_linked", contract, subject_person_id=contract.person_id,
               before={"permit": before}, after={"permit": permit.number})
    return len(contracts)


# --- The worker's answers ----------------------------------------------------------------------------


def _worker_answer(actor: User, contract: Contract, on: date | None) -> tuple[Contract, ContractVersion]:
    _as_worker(actor, contract)
    contract = _lock(contract)
    version = _open(contract)
    if version is None or version.state != ContractVersion.State.OFFERED:
        raise DomainError("nothing_to_sign")
    today = on or timezone.localdate()
    if version.deadline and today > version.deadline:
        raise DomainError("offer_ended", params={"deadline": version.deadline.isoformat()})
    return contract, version


@transaction.atomic
def contract_request_change(*, actor: User, contract: Contract, comment: str, on: date | None = None) -> ContractVersion:
    """The worker asks the employer to change the offer, saying what."""
    comment = (comment or "").strip()[:2000]
    if len(comment) < 3:
        raise DomainError("comment_required", field="comment")
    contract, version = _worker_answer(actor, contract, on)
    version.state = ContractVersion.State.CHANGE_REQUESTED
    version.worker_comment = comment
    version.responded_at = version.state_changed_at = timezone.now()
    version.save(update_fields=["state", "worker_comment", "responded_at", "state_changed_at"])
    OneTimeCode.objects.filter(version=version, used_at__isnull=True).update(cancelled_at=timezone.now())
    record(actor, "contract.change_requested", version, subject_person_id=contract.person_id,
           before={"state": ContractVersion.State.OFFERED}, after={"state": version.state}, comment=comment)
    outbox.emit("contract.change_requested", key=f"contract.change_requested:{contract.number}:{version.seq}",
                contract=contract.number, version=version.seq, comment=comment, **_employer_contact(contract, version))
    return version


@transaction.atomic
def contract_reject(*, actor: User, contract: Contract, comment: str = "", on: date | None = None) -> ContractVersion:
    """The worker refuses the offer."""
    contract, version = _worker_answer(actor, contract, on)
    version.state = ContractVersion.State.REJECTED
    version.worker_comment = (comment or "").strip()[:2000]
    version.responded_at = version.state_changed_at = timezone.now()
    version.save(update_fields=["state", "worker_comment", "responded_at", "state_changed_at"])
    OneTimeCode.objects.filter(version=version, used_at__isnull=True).update(cancelled_at=timezone.now())
    _refresh_status(contract)
    record(actor, "contract.rejected", version, subject_person_id=contract.person_id,
           before={"state": ContractVersion.State.OFFERED}, after={"state": version.state}, comment=version.worker_comment)
    outbox.emit("contract.rejected", key=f"contract.rejected:{contract.number}:{version.seq}", contract=contract.number,
                version=version.seq, comment=version.worker_comment, **_employer_contact(contract, version))
    return version


# --- Deadlines -------------------------------------------------------------------------------------------


def offers_remind_and_lapse(*, on: date) -> dict[str, int]:
    """Remind workers before an offer's deadline; end offers whose deadline has passed, telling both
    parties. Silence is never taken as acceptance: an ended offer is not signed by anyone."""
    reminded = lapsed = 0
    reminder_days = sorted(set(settings.CONTRACT_REMINDER_DAYS))
    offers = ContractVersion.objects.filter(state=ContractVersion.State.OFFERED, deadline__isnull=False)
    for version in offers.filter(deadline__lt=on).select_related("contract"):
        with transaction.atomic():
            if _lapse(version, on):
                lapsed += 1
    due = [on + timedelta(days=days) for days in reminder_days]
    for version in offers.filter(deadline__in=due).select_related("contract", "contract__person"):
        days_left = (version.deadline - on).days  # type: ignore[operator]
        contract = version.contract
        key = f"contract.deadline_near:{contract.number}:{version.seq}:{days_left}"
        if OutboxMessage.objects.filter(key=key).exists():
            continue
        with transaction.atomic():
            outbox.emit("contract.deadline_near", key=key, contract=contract.number, version=version.seq,
                        deadline=version.deadline.isoformat(), days_left=days_left,  # type: ignore[union-attr]
                        url=f"{settings.SITE_URL}{reverse('portal:contract', args=[contract.number])}",
                        **_worker_contact(contract))
        reminded += 1
    return {"reminded": reminded, "lapsed": lapsed}


def _lapse(version: ContractVersion, on: date) -> bool:
    contract = _lock(version.contract)
    version = ContractVersion.objects.select_for_update().get(pk=version.pk)
    if version.state != ContractVersion.State.OFFERED or not version.deadline or version.deadline >= on:
        return False
    version.state = ContractVersion.State.LAPSED
    version.state_changed_at = timezone.now()
    version.save(update_fields=["state", "state_changed_at"])
    OneTimeCode.objects.filter(version=version, used_at__isnull=True).update(cancelled_at=timezone.now())
    _refresh_status(contract)
    record(None, "contract.offer_ended", version, subject_person_id=contract.person_id,
           before={"state": ContractVersion.State.OFFERED}, after={"state": version.state},
           deadline=version.deadline, accepted=False)
    outbox.emit("contract.offer_ended", key=f"contract.offer_ended:{contract.number}:{version.seq}",
                contract=contract.number, version=version.seq, deadline=version.deadline.isoformat(), accepted=False,
                worker=_worker_contact(contract), employer=_employer_contact(contract, version))
    return True


# --- End of service ----------------------------------------------------------------------------------


def service_start(contract: Contract) -> date:
    """Service counts from the employment's start if the contract is for a worker already employed."""
    first = contract.versions.filter(state__in=[ContractVersion.State.SIGNED, ContractVersion.State.SUPERSEDED]
                                     ).order_by("seq").values_list("start_date", flat=True).first()
    starts = [d for d in (first, contract.employment.start_date if contract.employment_id else None) if d]  # type: ignore[union-attr]
    return min(starts) if starts else contract.registered_version.start_date  # type: ignore[union-attr]


def _leave_figures(version: ContractVersion, start: date, last_working_day: date, taken: int, p: Any, *,
                   domestic: bool) -> dict[str, Any]:
    """Annual leave earned over the service, less what was taken, paid at the last basic wage."""
    wage = version.basic_wage
    try:
        leave = law.annual_leave(start, last_working_day, p, domestic=domestic)
    except law.ParameterError:  # the rule book encodes leave from the new law only
        text_en = "Leave under the old law (before 26 Jul 2023) is not computed here; settle it by hand."
        text_ar = "لا تُحتسب هنا الإجازة في ظل القانون القديم (قبل 26 يوليو 2023)؛ تُسوّى يدويًّا."
        return {"days_per_year": version.annual_leave_days, "accrued_days": "0.00", "taken_days": taken,
                "balance_days": 0, "pay": "0.000", "eligible": False, "explanation": {"en": text_en, "ar": text_ar}}
    per_year = max(version.annual_leave_days, leave.days_per_year)
    service_days = (last_working_day - start).days + 1
    day_count = int(p.benefits.gratuity_day_count)
    accrued = Decimal("0.00")
    if leave.eligible:
        accrued = (Decimal(per_year) * service_days / day_count).quantize(Decimal("0.01"), ROUND_HALF_UP)
    balance = int(max(Decimal(0), accrued - taken).quantize(Decimal(1), ROUND_HALF_UP))
    pay = law.unused_leave_pay(balance, wage, p)
    month_days = int(p.benefits.month_days)
    text_en = (f"{leave.explain('en')}\n{per_year} days a year × {service_days} days of service ÷ {day_count} = "
               f"{accrued} days earned; {taken} taken; balance {balance} days (rounded)\n"
               f"{balance} days × (RO {wage} ÷ {month_days}) = RO {pay}")
    text_ar = (f"{leave.explain('ar')}\n{per_year} يومًا في السنة × {service_days} يوم خدمة ÷ {day_count} = "
               f"{accrued} يومًا مكتسبة؛ المأخوذ {taken}؛ الرصيد {balance} يومًا (مقرّبًا)\n"
               f"{balance} يومًا × ({wage} ريال ÷ {month_days}) = {pay} ريال")
    return {"days_per_year": per_year, "accrued_days": str(accrued), "taken_days": taken, "balance_days": balance,
            "pay": str(pay), "eligible": leave.eligible, "explanation": {"en": text_en, "ar": text_ar}}


def end_of_service_figures(contract: Contract, *, reason: str, last_working_day: date, leave_days_taken: int
                           ) -> dict[str, Any]:
    """The gratuity and the leave balance owed at the end of service, with the arithmetic in both languages."""
    version = contract.registered_version
    assert version is not None
    start = service_start(contract)
    p = law.law_on(last_working_day)
    domestic = contract.establishment.kind in HOUSEHOLD_KINDS
    wage = version.basic_wage
    gratuity = law.gratuity(EndOfService(start, last_working_day, wage, reason), p, domestic=domestic)  # type: ignore[arg-type]
    leave_figures = _leave_figures(version, start, last_working_day, leave_days_taken, p, domestic=domestic)
    total = (gratuity.amount + Decimal(leave_figures["pay"])).quantize(BAISA)
    return {
        "reason": reason, "service_start": start.isoformat(), "last_working_day": last_working_day.isoformat(),
        "basic_wage": str(wage), "service_days": (last_working_day - start).days + 1,
        "gratuity": {"amount": str(gratuity.amount), "explanation": {"en": gratuity.explain("en"), "ar": gratuity.explain("ar")}},
        "leave": leave_figures,
        "total": str(total),
        "citation": {"en": "Labour Law RD 53/2023, Arts 40 and 61; RD 35/2003, Art 39; leave per RD 53/2023",
                     "ar": "قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادتان 40 و61؛ المرسوم السلطاني 35/2003، المادة 39"},
        "ruleset_version": law.ruleset_version(),
    }


@transaction.atomic
def contract_end(*, actor: User, contract: Contract, reason: str, last_working_day: date,
                 leave_days_taken: int = 0) -> Contract:
    """Record that the service ended (termination, resignation, expiry…) with the gratuity and the leave
    balance computed by the rule book; both parties are told the figures and how they were reached."""
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        _as_employer(actor, contract)
    contract = _lock(contract)
    _not_ended(contract)
    if contract.status != Contract.Status.REGISTERED or contract.registered_version is None:
        raise DomainError("not_registered")
    if reason not in Contract.EndReason.values:
        raise DomainError("unknown_end_reason", field="reason")
    if not isinstance(leave_days_taken, int) or leave_days_taken < 0:
        raise DomainError("leave_taken_invalid", field="leave_days_taken")
    start = service_start(contract)
    if last_working_day < start:
        raise DomainError("last_day_before_start", field="last_working_day", params={"start": start.isoformat()})
    figures = end_of_service_figures(contract, reason=reason, last_working_day=last_working_day,
                                     leave_days_taken=leave_days_taken)
    pending = _open(contract)
    if pending is not None:  # an amendment still being agreed ends with the contract
        pending.state = ContractVersion.State.WITHDRAWN
        pending.state_changed_at = timezone.now()
        pending.save(update_fields=["state", "state_changed_at"])
    contract.status = Contract.Status.ENDED
    contract.end_reason = reason
    contract.last_working_day = last_working_day
    contract.end_figures = figures
    contract.ended_by = actor
    contract.ended_at = timezone.now()
    contract.save(update_fields=["status", "end_reason", "last_working_day", "end_figures", "ended_by", "ended_at"])
    record(actor, "contract.ended", contract, subject_person_id=contract.person_id,
           before={"status": Contract.Status.REGISTERED}, after={"status": contract.status, "reason": reason,
                                                                  "last_working_day": last_working_day},
           gratuity=figures["gratuity"]["amount"], leave_pay=figures["leave"]["pay"],
           withdrew_version=pending.seq if pending else None)
    outbox.emit("contract.ended", key=f"contract.ended:{contract.number}", contract=contract.number, reason=reason,
                last_working_day=last_working_day.isoformat(), gratuity=figures["gratuity"]["amount"],
                leave_pay=figures["leave"]["pay"], total=figures["total"], worker=_worker_contact(contract),
                employer={"establishment_id": contract.establishment_id, "user_id": actor.pk})
    return contract
