"""What each event says and to whom: its kind of message, urgency, channels, recipients and placeholder values.

A builder receives the outbox payload and returns a ``Notice``: the template event to use, the recipients and,
per language, the values of the template's placeholders. Recipients are resolved from the data: the
establishment's representatives, the worker's account or the contact details on the person's record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from manpower.identity.models import EstablishmentPermission, Membership, User
from manpower.registry.models import Establishment, Person

LANGUAGES = ("ar", "en")
# Kinds of message a person may switch channels off for; security and legal notices always go.
KINDS = ("security", "legal", "applications", "payments", "permits", "contracts", "reminders")
MANDATORY_KINDS = frozenset({"security", "legal"})


@dataclass(frozen=True)
class Recipient:
    key: str
    user_id: int | None = None
    person_id: int | None = None
    language: str = "ar"
    email: str = ""
    phone: str = ""
    email_verified: bool = False
    phone_verified: bool = False


@dataclass
class Notice:
    event: str
    recipients: list[Recipient]
    values: dict[str, dict[str, Any]]  # language → placeholder values
    link: str = ""  # a path below SITE_URL, for the in-portal list
    secret: bool = False  # the text carries a one-time code
    kind: str | None = None  # instead of the event's own kind (an escalated reminder is a legal notice)
    channels: tuple[str, ...] | None = None  # instead of the event's own channels


@dataclass(frozen=True)
class EventSpec:
    kind: str
    channels: tuple[str, ...] = ("email", "sms", "inapp")
    urgent: bool = False
    placeholders: tuple[str, ...] = field(default_factory=tuple)


# The template events; several outbox topics may map to one (application.decided → approved/rejected/referred).
EVENTS: dict[str, EventSpec] = {
    "application.submitted": EventSpec("applications", ("email", "inapp"), placeholders=(
        "number", "type", "establishment", "worker", "url")),
    "application.approved": EventSpec("applications", placeholders=(
        "number", "type", "establishment", "worker", "total", "url")),
    "application.rejected": EventSpec("legal", placeholders=("number", "type", "establishment", "worker", "reasons",
                                                             "url")),
    "application.referred": EventSpec("applications", ("email", "inapp"), placeholders=(
        "number", "type", "establishment", "worker", "reasons", "url")),
    "application.withdrawn": EventSpec("applications", ("email", "inapp"), placeholders=(
        "number", "establishment", "worker", "url")),
    "application.lapsed": EventSpec("legal", placeholders=("number", "establishment", "worker", "url")),
    "transfer.consent_needed": EventSpec("legal", placeholders=("number", "establishment", "worker", "url")),
    "invoice.issued": EventSpec("payments", placeholders=("invoice", "establishment", "total", "due_on", "url")),
    "invoice.paid": EventSpec("payments", placeholders=("invoice", "establishment", "total", "url")),
    "invoice.refunded": EventSpec("payments", placeholders=("invoice", "establishment", "url")),
    "refund.success": EventSpec("payments", ("email", "inapp"), placeholders=("refund", "invoice", "amount", "url")),
    "permit.issued": EventSpec("permits", placeholders=("permit", "establishment", "worker", "valid_until", "url")),
    "permit.renewed": EventSpec("permits", placeholders=("permit", "establishment", "worker", "valid_until", "url")),
    "permit.expiring": EventSpec("reminders", placeholders=(
        "permit", "establishment", "worker", "valid_until", "days", "url")),
    "permit.expired": EventSpec("legal", placeholders=("permit", "establishment", "worker", "valid_until", "url")),
    "permit.cancelled": EventSpec("legal", placeholders=("permit", "establishment", "worker", "url")),
    "permit.transferred": EventSpec("legal", placeholders=("permit", "establishment", "worker", "url")),
    "contract.sent": EventSpec("contracts", placeholders=("contract", "establishment", "deadline", "url")),
    "contract.revised": EventSpec("contracts", placeholders=("contract", "establishment", "deadline", "url")),
    "contract.change_requested": EventSpec("contracts", placeholders=("contract", "worker", "comment", "url")),
    "contract.rejected": EventSpec("contracts", placeholders=("contract", "worker", "comment", "url")),
    "contract.signed": EventSpec("contracts", placeholders=("contract", "establishment", "worker", "url")),
    "contract.deadline_near": EventSpec("reminders", placeholders=("contract", "establishment", "deadline", "days",
                                                                   "url")),
    "contract.offer_ended": EventSpec("legal", placeholders=("contract", "establishment", "worker", "deadline",
                                                             "url")),
    "contract.withdrawn": EventSpec("contracts", placeholders=("contract", "establishment", "url")),
    "contract.ended": EventSpec("legal", ("email", "inapp"), placeholders=(
        "contract", "establishment", "worker", "last_working_day", "total", "url")),
    "support.answered": EventSpec("legal", ("email", "sms", "inapp"), placeholders=(
        "ticket", "finding", "answer", "url")),
    "delegation.granted": EventSpec("security", ("email", "inapp"), placeholders=(
        "establishment", "delegate", "valid_until", "url")),
    "code.sent": EventSpec("security", ("email", "sms"), urgent=True, placeholders=("code", "minutes", "purpose")),
    "signing.locked": EventSpec("security", ("email", "sms", "inapp"), urgent=True, placeholders=("until",)),
    "account.signed_in": EventSpec("security", ("email", "inapp"), placeholders=("when", "address", "url")),
    "account.password_changed": EventSpec("security", ("email", "sms", "inapp"), urgent=True,
                                          placeholders=("when", "url")),
    "account.contact_changed": EventSpec("security", ("email", "sms", "inapp"), urgent=True,
                                         placeholders=("when", "channel", "address", "url")),
    "contact.verify": EventSpec("security", ("email", "sms"), urgent=True, placeholders=("code", "minutes")),
}


# --- Recipients ----------------------------------------------------------------------------------------


@dataclass
class _Accounts:
    users: dict[int, User]  # the active ones among those asked for
    verified: dict[int, dict[str, str]]  # user id → channel → verified address (the latest)
    preferences: dict[tuple[int, str], Any]  # (user id, kind) → Preference


_accounts: ContextVar[_Accounts | None] = ContextVar("notification_accounts", default=None)


@contextlib.contextmanager
def accounts_read_once(user_ids: Iterable[int]) -> Iterator[None]:
    """For a batch of events: these accounts, their verified contact details and their preferences are read with
    three queries, not three per event; accounts not among them are read as usual."""
    from manpower.notifications.models import ContactPoint, Preference

    ids = set(user_ids)
    verified: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    for user_id, channel, address in (ContactPoint.objects.filter(user_id__in=ids, verified_at__isnull=False)
                                      .order_by("verified_at").values_list("user_id", "channel", "address")):
        verified[user_id][channel] = address
    token = _accounts.set(_Accounts({u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}, verified,
                                    {(p.user_id, p.kind): p for p in Preference.objects.filter(user_id__in=ids)}))
    try:
        yield
    finally:
        _accounts.reset(token)


def preferences_read(user_ids: set[int]) -> dict[tuple[int, str], Any] | None:
    """The preferences of these accounts if ``accounts_read_once`` read them all, else None."""
    known = _accounts.get()
    if known is None or not all(pk in known.verified for pk in user_ids):
        return None
    return known.preferences


def recipient_for_user(user: User) -> Recipient:
    """The account's verified contact details where there are some, else the ones on the account (unverified)."""
    from manpower.notifications.models import ContactPoint

    known = _accounts.get()
    if known is not None and user.pk in known.verified:
        verified = known.verified[user.pk]
    else:
        verified = {point.channel: point.address for point in
                    ContactPoint.objects.filter(user=user, verified_at__isnull=False).order_by("verified_at")}
    return Recipient(key=f"user:{user.pk}", user_id=user.pk, person_id=user.person_id,
                     language=user.preferred_language or "ar",
                     email=verified.get("email") or user.email, email_verified="email" in verified,
                     phone=verified.get("sms") or user.phone, phone_verified="sms" in verified)


def recipient_for_person(person: Person | None) -> list[Recipient]:
    if person is None:
        return []
    user = User.objects.filter(person=person, is_active=True).first()
    if user is not None:
        return [recipient_for_user(user)]
    if not (person.phone or person.email):
        return []
    return [Recipient(key=f"person:{person.pk}", person_id=person.pk, phone=person.phone, email=person.email)]


def representatives(establishment_id: int, *permissions: str) -> list[Recipient]:
    """The establishment's active representatives allowed to act on the matter (or to manage its users)."""
    wanted = {*permissions, EstablishmentPermission.MANAGE_USERS}
    members = Membership.objects.filter(establishment_id=establishment_id, user__is_active=True).select_related("user")
    return [recipient_for_user(m.user) for m in members if any(m.allows(p) for p in wanted)]


def _users(*ids: int | None) -> list[Recipient]:
    wanted = [i for i in ids if i]
    known = _accounts.get()
    if known is not None and all(i in known.verified for i in wanted):
        users = sorted((known.users[i] for i in set(wanted) if i in known.users), key=lambda user: user.email)
        return [recipient_for_user(user) for user in users]  # in the order of the query below
    return [recipient_for_user(user) for user in User.objects.filter(pk__in=wanted, is_active=True)]


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.key, recipient)
    return list(seen.values())


# --- Values --------------------------------------------------------------------------------------------


def _url(name: str, *args: Any, language: str) -> str:
    with translation.override(language):
        return f"{settings.SITE_URL}{reverse(name, args=args)}"


def _path(name: str, *args: Any) -> str:
    with translation.override("ar"):  # the link in the list follows the reader's language through the prefix
        return reverse(name, args=args)


def _establishment_name(establishment: Establishment, language: str) -> str:
    return (establishment.name_en if language == "en" and establishment.name_en else establishment.name_ar)


def _person_name(person: Person, language: str) -> str:
    if language == "ar" and person.name_ar:
        return person.name_ar
    return person.name_latin or person.name_ar


def _date(value: date | str | None, language: str) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


def _money(value: Any) -> str:
    return f"{value} OMR" if value not in (None, "") else ""


def _per_language(build: Callable[[str], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    values = {}
    for language in LANGUAGES:
        with translation.override(language):
            values[language] = build(language)
    return values


# --- Builders, by outbox topic -------------------------------------------------------------------------

Builder = Callable[[dict[str, Any]], list[Notice]]
BUILDERS: dict[str, Builder] = {}


def builds(*topics: str) -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        for topic in topics:
            BUILDERS[topic] = function
        return function

    return register


def _reasons(application: Any, language: str) -> str:
    decision = application.latest_decision
    if decision is None:
        return ""
    officer = (decision.result or {}).get("officer") or {}
    lines = [check.get("message", {}).get(language, "") for check in (decision.result or {}).get("checks", [])
             if check.get("status") in {"failed", "refer"}]
    if officer.get("reason"):
        lines.append(officer["reason"])
    return "\n".join(f"- {line}" for line in lines if line)


def _application_notice(event: str, number: str, **extra: Any) -> list[Notice]:
    from manpower.permits.models import Application

    application = Application.objects.select_related("establishment", "person").filter(number=number).first()
    if application is None:
        return []
    recipients = representatives(application.establishment_id, EstablishmentPermission.APPLY)
    if event in {"application.approved", "application.rejected", "transfer.consent_needed"} or \
            application.type == "transfer":
        recipients += recipient_for_person(application.person)
    if event == "transfer.consent_needed":
        recipients = recipient_for_person(application.person)

    def values(language: str) -> dict[str, Any]:
        return {"number": application.number, "type": application.get_type_display(),
                "establishment": _establishment_name(application.establishment, language),
                "worker": _person_name(application.person, language),
                "reasons": _reasons(application, language) if event in {"application.rejected",
                                                                        "application.referred"} else "",
                "url": _url("portal:application", application.number, language=language), **extra}

    return [Notice(event, _unique(recipients), _per_language(values), _path("portal:application", application.number))]


@builds("application.submitted", "application.withdrawn", "application.lapsed")
def application_event(payload: dict[str, Any]) -> list[Notice]:
    return _application_notice(payload["_topic"], payload["application"])


@builds("application.decided")
def application_decided(payload: dict[str, Any]) -> list[Notice]:
    event = {"approve": "application.approved", "reject": "application.rejected",
             "refer": "application.referred"}.get(payload.get("outcome", ""))
    if event is None:  # "await": the applicant already knows it was received
        return []
    total = ""
    if event == "application.approved":
        from manpower.payments.models import Invoice

        invoice = Invoice.objects.filter(subject_type="permits.application", subject_id=payload["application"]).last()
        total = _money(invoice.total_omr) if invoice else _money("0.000")
    return _application_notice(event, payload["application"], total=total)


@builds("transfer.consent_needed")
def transfer_consent(payload: dict[str, Any]) -> list[Notice]:
    return _application_notice("transfer.consent_needed", payload["application"])


def _invoice_notice(event: str, number: str, **extra: Any) -> list[Notice]:
    from manpower.payments.models import Invoice

    invoice = Invoice.objects.select_related("establishment").filter(number=number).first()
    if invoice is None:
        return []

    def values(language: str) -> dict[str, Any]:
        return {"invoice": invoice.number, "establishment": _establishment_name(invoice.establishment, language),
                "total": _money(invoice.total_omr), "due_on": _date(invoice.due_on, language),
                "url": _url("portal:invoice", invoice.number, language=language), **extra}

    return [Notice(event, representatives(invoice.establishment_id, EstablishmentPermission.PAY),
                   _per_language(values), _path("portal:invoice", invoice.number))]


@builds("invoice.issued", "invoice.paid", "invoice.refunded")
def invoice_event(payload: dict[str, Any]) -> list[Notice]:
    return _invoice_notice(payload["_topic"], payload["invoice"])


@builds("refund.success")
def refund_event(payload: dict[str, Any]) -> list[Notice]:
    from manpower.payments.models import Refund

    refund = Refund.objects.select_related("payment__invoice").filter(reference=payload["refund"]).first()
    if refund is None:
        return []
    notices = _invoice_notice("refund.success", refund.payment.invoice.number, refund=refund.reference,
                              amount=_money(refund.amount_omr))
    return notices


def permit_notice(event: str, number: str, **extra: Any) -> list[Notice]:
    from manpower.permits.models import Permit

    permit = Permit.objects.select_related("establishment", "person").filter(number=number).first()
    if permit is None:
        return []
    recipients = representatives(permit.establishment_id, EstablishmentPermission.APPLY)
    recipients += recipient_for_person(permit.person)

    def values(language: str) -> dict[str, Any]:
        return {"permit": permit.number, "establishment": _establishment_name(permit.establishment, language),
                "worker": _person_name(permit.person, language), "valid_until": _date(permit.valid_until, language),
                "url": _url("portal:permit", permit.number, language=language), **extra}

    return [Notice(event, _unique(recipients), _per_language(values), _path("portal:permit", permit.number))]


@builds("permit.issued", "permit.renewed", "permit.expired", "permit.cancelled", "permit.transferred")
def permit_event(payload: dict[str, Any]) -> list[Notice]:
    return permit_notice(payload["_topic"], payload["permit"])


ESCALATION = ((7, "legal", ("email", "sms", "inapp")), (30, "reminders", ("email", "sms", "inapp")),
              (10_000, "reminders", ("email", "inapp")))


def escalated(days: int) -> tuple[str, tuple[str, ...]]:
    """The nearer the date, the louder the reminder: e-mail first, then SMS too, then a notice nobody can mute."""
    return next((kind, channels) for limit, kind, channels in ESCALATION if days <= limit)


@builds("reminder.permit.expiring")
def permit_expiring(payload: dict[str, Any]) -> list[Notice]:
    notices = permit_notice("permit.expiring", payload["permit"], days=payload["days"])
    for notice in notices:
        notice.kind, notice.channels = escalated(int(payload["days"]))
    return notices


def _contract_notice(event: str, payload: dict[str, Any], recipients: list[Recipient], **extra: Any) -> list[Notice]:
    from manpower.contracts.models import Contract

    contract = Contract.objects.select_related("establishment", "person").filter(number=payload["contract"]).first()
    if contract is None:
        return []

    def values(language: str) -> dict[str, Any]:
        return {"contract": contract.number, "establishment": _establishment_name(contract.establishment, language),
                "worker": _person_name(contract.person, language), "deadline": _date(payload.get("deadline"), language),
                "comment": payload.get("comment") or "—",
                "url": _url("portal:contract", contract.number, language=language), **extra}

    return [Notice(event, _unique(recipients), _per_language(values), _path("portal:contract", contract.number))]


def _worker(contact: dict[str, Any] | None) -> list[Recipient]:
    contact = contact or {}
    if contact.get("user_id"):
        return _users(contact["user_id"])
    if contact.get("person_id"):
        return recipient_for_person(Person.objects.filter(pk=contact["person_id"]).first())
    return []


def _employer(contact: dict[str, Any] | None) -> list[Recipient]:
    contact = contact or {}
    recipients = _users(contact.get("user_id"))
    if contact.get("establishment_id"):
        recipients += representatives(contact["establishment_id"], EstablishmentPermission.SIGN)
    return recipients


@builds("contract.sent", "contract.revised", "contract.withdrawn")
def contract_to_worker(payload: dict[str, Any]) -> list[Notice]:
    return _contract_notice(payload["_topic"], payload, _worker(payload))


@builds("contract.change_requested", "contract.rejected")
def contract_to_employer(payload: dict[str, Any]) -> list[Notice]:
    return _contract_notice(payload["_topic"], payload, _employer(payload))


@builds("contract.signed")
def contract_signed(payload: dict[str, Any]) -> list[Notice]:
    return _contract_notice("contract.signed", payload, _employer(payload.get("employer")) + _worker(payload))


@builds("contract.offer_ended", "contract.ended")
def contract_to_both(payload: dict[str, Any]) -> list[Notice]:
    return _contract_notice(payload["_topic"], payload, _worker(payload.get("worker")) +
                            _employer(payload.get("employer")),
                            last_working_day=_date(payload.get("last_working_day"), "en"),
                            total=_money(payload.get("total")))


@builds("reminder.contract.deadline_near")
def contract_deadline(payload: dict[str, Any]) -> list[Notice]:
    notices = _contract_notice("contract.deadline_near", payload, _worker(payload), days=payload["days"])
    for notice in notices:
        notice.kind, notice.channels = escalated(int(payload["days"]))
    return notices


@builds("payments.delegation_granted")
def delegation_granted(payload: dict[str, Any]) -> list[Notice]:
    from manpower.payments.models import PaymentDelegation

    delegation = PaymentDelegation.objects.select_related("establishment", "delegate").filter(
        pk=payload["delegation"]).first()
    if delegation is None:
        return []
    recipients = representatives(delegation.establishment_id, EstablishmentPermission.PAY)

    def values(language: str) -> dict[str, Any]:
        return {"establishment": _establishment_name(delegation.establishment, language),
                "delegate": delegation.delegate.full_name, "valid_until": _date(delegation.valid_until, language),
                "url": _url("portal:payment_delegations", language=language)}

    return [Notice("delegation.granted", recipients, _per_language(values), _path("portal:payment_delegations"))]


@builds("support.dispute_answered")
def dispute_answered(payload: dict[str, Any]) -> list[Notice]:
    """The support desk answered a worker's dispute of an entry of their record: the worker reads the answer."""
    from manpower.support.models import Dispute

    dispute = Dispute.objects.select_related("person").filter(number=payload["dispute"]).first()
    if dispute is None:
        return []

    def values(language: str) -> dict[str, Any]:
        return {"ticket": dispute.number, "finding": str(dispute.get_finding_display()), "answer": dispute.answer,
                "url": _url("portal:my_activity", language=language)}

    return [Notice("support.answered", recipient_for_person(dispute.person), _per_language(values),
                   _path("portal:my_activity"))]


PURPOSES = {"sign": {"ar": "توقيع العقد", "en": "signing the contract"},
            "claim": {"ar": "فتح حسابك", "en": "opening your account"},
            "verify": {"ar": "تأكيد بيانات الاتصال", "en": "confirming your contact details"}}


@builds("identity.otp", "signing.otp")
def one_time_code(payload: dict[str, Any]) -> list[Notice]:
    """The code goes where the person asked it to go: the code itself proves the address."""
    language = "ar"
    if payload.get("user_id"):
        user = User.objects.filter(pk=payload["user_id"]).first()
        language = user.preferred_language if user else "ar"
    channel = payload.get("channel", "sms")
    address = payload.get("phone") if channel == "sms" else payload.get("email")
    if not address:
        return []
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    expires = parse_datetime(payload.get("expires_at") or "")
    minutes = max(1, round((expires - timezone.now()).total_seconds() / 60)) if expires else 10
    recipient = Recipient(key=f"to:{address}", user_id=payload.get("user_id"), person_id=payload.get("person_id"),
                          language=language, email=address if channel == "email" else "",
                          phone=address if channel == "sms" else "", email_verified=True, phone_verified=True)
    purpose = PURPOSES.get(payload.get("purpose", ""), PURPOSES["sign"])
    values = {lang: {"code": payload["code"], "minutes": minutes, "purpose": purpose[lang]} for lang in LANGUAGES}
    return [Notice("code.sent", [recipient], values, secret=True)]


@builds("signing.locked")
def signing_locked(payload: dict[str, Any]) -> list[Notice]:
    recipients = _users(payload.get("user_id"))
    if not recipients and payload.get("person_id"):
        recipients = recipient_for_person(Person.objects.filter(pk=payload["person_id"]).first())
    until = payload.get("until", "")
    return [Notice("signing.locked", recipients, {lang: {"until": _local_time(until)} for lang in LANGUAGES})]


def _local_time(value: Any) -> str:
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(str(value)) if value else None
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


@builds("identity.signed_in", "identity.password_changed")
def account_event(payload: dict[str, Any]) -> list[Notice]:
    event = {"identity.signed_in": "account.signed_in", "identity.password_changed": "account.password_changed"}[
        payload["_topic"]]
    recipients = _users(payload["user_id"])
    values = _per_language(lambda language: {"when": _local_time(payload.get("at")),
                                             "address": payload.get("address") or "—",
                                             "url": _url("notifications:list", language=language)})
    return [Notice(event, recipients, values, _path("notifications:list"))]


@builds("identity.contact_changed")
def contact_changed(payload: dict[str, Any]) -> list[Notice]:
    """Told to the details on file before the change as well, so that a hijacked account is noticed."""
    recipients = _users(payload["user_id"])
    previous = payload.get("previous") or {}
    if recipients and (previous.get("email") or previous.get("phone")):
        base = recipients[0]
        recipients.append(Recipient(key=f"previous:{base.key}", language=base.language,
                                    email=previous.get("email", ""), phone=previous.get("phone", ""),
                                    email_verified=True, phone_verified=True))
    values = _per_language(lambda language: {
        "when": _local_time(payload.get("at")), "address": payload.get("address", ""),
        "channel": {"email": {"ar": "البريد الإلكتروني", "en": "e-mail address"},
                    "sms": {"ar": "رقم الهاتف", "en": "mobile number"}}[payload.get("channel", "sms")][language],
        "url": _url("notifications:contacts", language=language)})
    return [Notice("account.contact_changed", recipients, values, _path("notifications:contacts"))]


@builds("notifications.verify_contact")
def verify_contact(payload: dict[str, Any]) -> list[Notice]:
    channel = payload["channel"]
    address = payload["address"]
    recipient = Recipient(key=f"to:{address}", user_id=payload.get("user_id"), language=payload.get("language", "ar"),
                          email=address if channel == "email" else "", phone=address if channel == "sms" else "",
                          email_verified=True, phone_verified=True)
    values = {lang: {"code": payload["code"], "minutes": payload.get("minutes", 10)} for lang in LANGUAGES}
    return [Notice("contact.verify", [recipient], values, secret=True)]
