"""Writes of the notifications app: turning events into messages, sending them, applying receipts, templates,
preferences, contact details and reminders."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import structlog
import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.audit.services import record
from manpower.core import outbox
from manpower.core.errors import DomainError, register_messages
from manpower.core.models import OutboxMessage
from manpower.identity.models import User
from manpower.notifications import events, providers
from manpower.notifications.models import (
    Channel,
    ContactPoint,
    Message,
    Preference,
    Receipt,
    Reminder,
    Template,
    TemplateVersion,
)
from manpower.notifications.segments import fill, placeholders

log = structlog.get_logger("manpower.notifications")
DATA_DIR = Path(__file__).resolve().parent / "data"
CODE_VALID_MINUTES = 10
CODE_MAX_FAILURES = 5
STALLED_AFTER = timedelta(seconds=60)
ERASED = "—"

register_messages({
    "template_unknown_placeholder": _("The text uses ((%(name)s)), which this event does not provide. "
                                      "It may use: %(allowed)s."),
    "template_subject_required": _("An e-mail or in-portal template needs a subject."),
    "kind_mandatory": _("Security and legal notices cannot be switched off."),
    "contact_invalid_email": _("Enter an e-mail address such as name@example.om."),
    "contact_code_wrong": _("That code is not the one we sent. Check it and try again, or ask for a new code."),
    "contact_code_expired": _("That code has expired. Ask for a new one."),
    "contact_locked": _("Too many wrong codes. Ask for a new code."),
    "receipt_invalid": _("The delivery receipt is not signed by the gateway (%(reason)s)."),
})


# --- Templates -----------------------------------------------------------------------------------------

_template_cache: dict[tuple[str, str, str], tuple[str, str, int]] = {}
_template_cache_at = 0.0
_template_lock = threading.Lock()
TEMPLATE_CACHE_SECONDS = 5.0


def _templates() -> dict[tuple[str, str, str], tuple[str, str, int]]:
    global _template_cache, _template_cache_at
    with _template_lock:
        if time.monotonic() - _template_cache_at > TEMPLATE_CACHE_SECONDS or not _template_cache:
            _template_cache = {(t.event, t.channel, t.language): (t.subject, t.body, t.version)
                               for t in Template.objects.all()}
            _template_cache_at = time.monotonic()
        return _template_cache


def forget_templates() -> None:
    global _template_cache_at
    with _template_lock:
        _template_cache_at = 0.0


def template_check(event: str, channel: str, subject: str, body: str) -> None:
    spec = events.EVENTS.get(event)
    allowed = set(spec.placeholders) if spec else set()
    for name in placeholders(subject) + placeholders(body):
        if name not in allowed:
            raise DomainError("template_unknown_placeholder", field="body",
                              params={"name": name, "allowed": ", ".join(f"(({a}))" for a in sorted(allowed))})
    if channel in (Channel.EMAIL, Channel.INAPP) and not subject.strip():
        raise DomainError("template_subject_required", field="subject")


@transaction.atomic
def template_update(*, actor: User | None, template: Template, subject: str, body: str) -> Template:
    """An administrator's edit: checked against the event's placeholders, kept as a new version, audited."""
    template = Template.objects.select_for_update().get(pk=template.pk)
    subject, body = subject.strip(), body.strip()
    if (subject, body) == (template.subject, template.body):
        return template
    template_check(template.event, template.channel, subject, body)
    before = {"subject": template.subject, "body": template.body, "version": template.version}
    template.subject, template.body = subject, body
    template.version += 1
    template.updated_at, template.updated_by = timezone.now(), actor
    template.save()
    TemplateVersion.objects.create(template=template, version=template.version, subject=subject, body=body,
                                   created_by=actor, source="admin")
    record(actor, "notification_template.changed", template, before=before,
           after={"subject": subject, "body": body, "version": template.version})
    transaction.on_commit(forget_templates)
    return template


def _seed_rows() -> Iterable[tuple[str, str, str, str, str]]:
    for path in sorted(DATA_DIR.glob("*.yaml")):
        for event, texts in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            spec = events.EVENTS[event]
            for language in events.LANGUAGES:
                text = texts[language]
                if "email" in spec.channels:
                    yield event, "email", language, text["subject"], text["email"]
                if "sms" in spec.channels:
                    yield event, "sms", language, "", text["sms"]
                if "inapp" in spec.channels:
                    yield event, "inapp", language, text["subject"], text.get("inapp") or text["sms"]


@transaction.atomic
def templates_seed() -> dict[str, int]:
    """Load the templates shipped in data/*.yaml; a template an administrator has edited is left as it is."""
    created = updated = 0
    for event, channel, language, subject, body in _seed_rows():
        subject, body = subject.strip(), body.strip()
        template_check(event, channel, subject, body)
        template = Template.objects.filter(event=event, channel=channel, language=language).first()
        if template is None:
            template = Template.objects.create(event=event, channel=channel, language=language, subject=subject,
                                               body=body)
            TemplateVersion.objects.create(template=template, version=1, subject=subject, body=body, source="seed")
            created += 1
        elif (template.subject, template.body) != (subject, body) and \
                not template.versions.filter(source="admin").exists():
            template.subject, template.body, template.version = subject, body, template.version + 1
            template.updated_at = timezone.now()
            template.save()
            TemplateVersion.objects.create(template=template, version=template.version, subject=subject, body=body,
                                           source="seed")
            updated += 1
    if created or updated:
        record(None, "notification_templates.seeded", object_type="notifications.template", object_id="*",
               created=created, updated=updated)
    transaction.on_commit(forget_templates)
    return {"created": created, "updated": updated}


def render(event: str, channel: str, language: str, values: dict[str, Any]) -> tuple[str, str, int] | None:
    found = _templates().get((event, channel, language)) or _templates().get((event, channel, "ar"))
    if found is None:
        return None
    subject, body, version = found
    return fill(subject, values), fill(body, values), version


# --- From events to messages ---------------------------------------------------------------------------


def reference_for(event_key: str, recipient_key: str, channel: str) -> str:
    """The same event, recipient and channel always give the same reference."""
    return "N" + hashlib.sha256(f"{event_key}|{recipient_key}|{channel}".encode()).hexdigest()[:31]


def _quiet_hours() -> tuple[int, int]:
    start, _, end = settings.NOTIFY_QUIET_HOURS.partition("-")
    return int(start or 0), int(end or 0)


def quiet_until(moment: datetime) -> datetime | None:
    """The end of the quiet hours (Asia/Muscat) if ``moment`` falls in them, else None."""
    start, end = _quiet_hours()
    if start == end:
        return None
    local = timezone.localtime(moment)
    in_quiet = (local.hour >= start or local.hour < end) if start > end else start <= local.hour < end
    if not in_quiet:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, clock(hour=end)), timezone.get_current_timezone())


def _preferences(user_ids: set[int]) -> dict[tuple[int, str], Preference]:
    known = events.preferences_read(user_ids)
    if known is not None:
        return known
    return {(p.user_id, p.kind): p for p in Preference.objects.filter(user_id__in=user_ids)}


def notify(*, topic: str, key: str, payload: dict[str, Any], now: datetime | None = None) -> int:
    """Turn one event into its messages (idempotent: the same event makes its messages once)."""
    rows, secret = messages_for(topic=topic, key=key, payload=payload, now=now or timezone.now())
    with transaction.atomic():
        messages_save(rows, secret_events=[(key, payload)] if secret else [])
    return len(rows)


def messages_for(*, topic: str, key: str, payload: dict[str, Any], now: datetime) -> tuple[list[Message], bool]:
    """The messages one event makes (not saved), and whether they carry a one-time code. Reads only."""
    builder = events.BUILDERS.get(topic)
    if builder is None:
        return [], False
    notices = builder({**payload, "_topic": topic})
    rows: list[Message] = []
    for notice in notices:
        spec = events.EVENTS[notice.event]
        kind = notice.kind or spec.kind
        channels = notice.channels or spec.channels
        mandatory = kind in events.MANDATORY_KINDS
        prefs = _preferences({r.user_id for r in notice.recipients if r.user_id})
        for recipient in notice.recipients:
            language = recipient.language if recipient.language in events.LANGUAGES else "ar"
            preference = prefs.get((recipient.user_id, kind)) if recipient.user_id else None
            for channel in channels:
                if channel == Channel.INAPP:
                    if not recipient.user_id:
                        continue
                    to = ""
                else:
                    to, verified = ((recipient.email, recipient.email_verified) if channel == Channel.EMAIL
                                    else (recipient.phone, recipient.phone_verified))
                    if not to or not (verified or mandatory):
                        continue
                    if not mandatory and preference is not None and not getattr(preference, channel):
                        continue
                rendered = render(notice.event, channel, language, notice.values[language])
                if rendered is None:
                    continue
                subject, body, version = rendered
                due = now
                if channel == Channel.SMS and not spec.urgent:
                    due = quiet_until(now) or now
                done = channel == Channel.INAPP
                rows.append(Message(
                    reference=reference_for(key, recipient.key, channel), event_key=key, event=notice.event, kind=kind,
                    channel=channel, language=language, recipient_key=recipient.key, user_id=recipient.user_id,
                    person_id=recipient.person_id, to=to, subject=subject, body=body, link=notice.link,
                    template_version=version, urgent=spec.urgent, is_secret=notice.secret,
                    status=Message.Status.DELIVERED if done else Message.Status.CREATED, next_attempt_at=due,
                    created_at=now, completed_at=now if done else None))
    return rows, any(notice.secret for notice in notices)


def messages_save(rows: list[Message], *, secret_events: Iterable[tuple[str, dict[str, Any]]] = ()) -> None:
    """Save the messages of one or more events (a message already made is left as it is), in the caller's
    transaction. ``secret_events``: (key, payload) of the events whose one-time code now lives only in its message;
    the event keeps no copy of it."""
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    for key, payload in secret_events:
        OutboxMessage.objects.filter(key=key).update(payload={k: (ERASED if k == "code" else v)
                                                              for k, v in payload.items()})


# --- Sending -------------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600.0, settings.NOTIFY_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


def receipt_url(provider: str) -> str:
    base = settings.NOTIFY_RECEIPT_BASE_URL or settings.SITE_URL
    return f"{base}{reverse('notification_receipt', args=[provider])}"


def release_stalled(now: datetime | None = None) -> int:
    """A worker killed while sending leaves messages claimed but not recorded: they are sent again with the same
    reference (the gateway keeps one message per reference)."""
    cutoff = (now or timezone.now()) - STALLED_AFTER
    return Message.objects.filter(status=Message.Status.SENDING, accepted_at__isnull=True,
                                  claimed_at__lt=cutoff).update(status=Message.Status.CREATED, claim="")


def dispatch_due(*, limit: int | None = None, now: datetime | None = None) -> int:
    """Claim the messages due now and hand them to their providers in batches; returns how many were claimed."""
    now = now or timezone.now()
    limit = limit or settings.NOTIFY_BATCH_SIZE
    ids = list(Message.objects.filter(status=Message.Status.CREATED, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
    if not ids:
        return 0
    token = secrets.token_hex(8)
    Message.objects.filter(pk__in=ids, status=Message.Status.CREATED).update(
        status=Message.Status.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1)
    # By primary key: the messages waiting for a delivery receipt are "sending" too, and there may be many.
    claimed = list(Message.objects.filter(pk__in=ids, claim=token, status=Message.Status.SENDING)
                   .order_by("next_attempt_at", "id"))
    sms = [m for m in claimed if m.channel == Channel.SMS]
    mail = [m for m in claimed if m.channel == Channel.EMAIL]
    if sms:
        _send_sms(sms)
    if mail:
        _send_email(mail)
    return len(claimed)


def _outgoing(message: Message) -> providers.Outgoing:
    return providers.Outgoing(reference=message.reference, to=message.to, body=message.body, subject=message.subject,
                              language=message.language)


def _send_sms(batch: list[Message]) -> None:
    try:
        provider, answers = providers.send_sms([_outgoing(m) for m in batch], callback_url_for=receipt_url)
    except providers.ProviderUnavailable as error:
        _retry(batch, str(error))
        return
    _record(batch, provider, {answer.reference: answer for answer in answers})


def _send_email(batch: list[Message]) -> None:
    """Each e-mail is recorded as soon as the server took it: a crash can repeat at most the one in flight."""
    try:
        with providers.EmailSender() as sender:
            for index, message in enumerate(batch):
                try:
                    answer = sender.send(_outgoing(message))
                except providers.ProviderUnavailable as error:
                    _retry(batch[index:], str(error))
                    return
                _record([message], sender.name, {message.reference: answer})
    except providers.ProviderUnavailable as error:
        _retry(batch, str(error))


def _retry(batch: list[Message], error: str) -> None:
    now = timezone.now()
    for message in batch:
        message.last_error = error[:500]
        message.claim = ""
        if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            message.status = Message.Status.TECHNICAL_FAILURE
            message.failure_code = "provider_unavailable"
            message.completed_at = now
        else:
            message.status = Message.Status.CREATED
            message.next_attempt_at = now + retry_delay(message.attempts)
    _write(batch, ["status", "next_attempt_at", "last_error", "claim", "failure_code", "completed_at"])
    log.info("notifications.retry", count=len(batch), error=error[:200])


def _write(messages: list[Message], fields: list[str]) -> None:
    """Save these fields of these messages: the values they all share with one UPDATE, only the others with
    ``bulk_update`` (whose CASE per field and message costs far more than the statement it saves)."""
    shared = [name for name in fields if len({getattr(m, name) for m in messages}) == 1]
    if shared:
        Message.objects.filter(pk__in=[m.pk for m in messages]).update(
            **{name: getattr(messages[0], name) for name in shared})
    varying = [name for name in fields if name not in shared]
    if varying:
        Message.objects.bulk_update(messages, varying)


def _record(batch: list[Message], provider: str, answers: dict[str, providers.Accepted]) -> None:
    """What the provider said; a receipt that came before this is not overwritten."""
    now = timezone.now()
    refused, accepted = [], []
    for message in batch:
        answer = answers[message.reference]
        message.provider, message.provider_id, message.claim = provider, answer.provider_id, ""
        message.accepted_at = now
        message.last_error = ""
        if message.is_secret:
            message.body = ERASED
        if answer.refused:
            message.status, message.failure_code, message.completed_at = (Message.Status.PERMANENT_FAILURE,
                                                                          answer.refused, now)
            refused.append(message)
        elif answer.delivered:
            message.status, message.completed_at = Message.Status.DELIVERED, now
            refused.append(message)  # a status of its own to write
        else:
            accepted.append(message)
    with transaction.atomic():
        if refused:
            _write(refused, ["status", "failure_code", "completed_at", "provider", "provider_id", "claim",
                             "accepted_at", "last_error"])
        if accepted:
            _write(accepted, ["provider", "provider_id", "claim", "accepted_at", "last_error"])
        erased = [m.pk for m in batch if m.is_secret]  # only these texts changed
        if erased:
            Message.objects.filter(pk__in=erased).update(body=ERASED)
    if accepted:
        for receipt in Receipt.objects.filter(reference__in=[m.reference for m in accepted], applied_at__isnull=True):
            with transaction.atomic():
                _apply(receipt)


# --- Receipts ------------------------------------------------------------------------------------------


def receipt_receive(*, provider: str, body: bytes, headers: Any) -> list[str]:
    """A signed delivery receipt: checked, stored once, applied (or kept until the message is known)."""
    adapter = providers.provider_named(provider)
    if adapter is None:
        raise DomainError("receipt_invalid", params={"reason": "unknown provider"})
    try:
        receipts = adapter.verify_receipt(body, headers)
    except providers.InvalidReceipt as error:
        log.warning("notifications.receipt_refused", provider=provider, reason=error.code)
        raise DomainError("receipt_invalid", params={"reason": error.code}) from None
    outcomes = []
    for item in receipts:
        with transaction.atomic():
            stored, created = Receipt.objects.get_or_create(
                provider=provider, receipt_id=item.receipt_id,
                defaults={"reference": item.reference, "status": item.status, "failure_code": item.failure_code,
                          "body": {"message_id": item.provider_id}})
            outcomes.append(_apply(stored) if created else "duplicate")
    return outcomes


def _apply(receipt: Receipt) -> str:
    message = Message.objects.select_for_update().filter(reference=receipt.reference).first()
    if message is None:
        return "pending"
    now = timezone.now()
    if message.status not in Message.FINAL:
        message.status = receipt.status
        message.failure_code = receipt.failure_code
        message.completed_at = now
        message.provider = message.provider or receipt.provider
        message.provider_id = message.provider_id or str(receipt.body.get("message_id", ""))
        message.save(update_fields=["status", "failure_code", "completed_at", "provider", "provider_id"])
    Receipt.objects.filter(pk=receipt.pk).update(applied_at=now)
    return "applied"


def receipts_apply_pending() -> int:
    applied = 0
    known = Message.objects.filter(reference__in=Receipt.objects.filter(applied_at__isnull=True).values("reference"))
    for reference in known.values_list("reference", flat=True):
        for receipt in Receipt.objects.filter(reference=reference, applied_at__isnull=True):
            with transaction.atomic():
                applied += _apply(receipt) == "applied"
    return applied


# --- In the portal -------------------------------------------------------------------------------------


def inbox_mark_read(*, actor: User, reference: str | None = None) -> int:
    """Mark one notification (or all of them) as read."""
    rows = Message.objects.filter(user=actor, channel=Channel.INAPP, read_at__isnull=True)
    if reference:
        rows = rows.filter(reference=reference)
    return rows.update(read_at=timezone.now())


# --- Preferences and contact details -------------------------------------------------------------------


@transaction.atomic
def preference_set(*, actor: User, kind: str, email: bool, sms: bool) -> Preference:
    if kind not in events.KINDS:
        raise DomainError("invalid", field="kind")
    if kind in events.MANDATORY_KINDS and not (email and sms):
        raise DomainError("kind_mandatory", field=kind)
    preference, _ = Preference.objects.get_or_create(user=actor, kind=kind)
    before = {"email": preference.email, "sms": preference.sms}
    preference.email, preference.sms, preference.updated_at = email, sms, timezone.now()
    preference.save()
    record(actor, "notification_preference.changed", preference, before=before, after={"email": email, "sms": sms},
           kind=kind)
    return preference


def _code_digest(point_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"contact:{point_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _normalise(channel: str, address: str) -> str:
    from manpower.registry.validators import clean_phone

    address = (address or "").strip()
    if channel == "sms":
        return clean_phone(address, field="address")
    if "@" not in address or " " in address or address.startswith("@") or address.endswith("@"):
        raise DomainError("contact_invalid_email", field="address")
    return address.lower()


@transaction.atomic
def contact_add(*, actor: User, channel: str, address: str) -> ContactPoint:
    """Record a new e-mail address or mobile number and send it a code; it is used once the code comes back."""
    if channel not in ("email", "sms"):
        raise DomainError("invalid", field="channel")
    address = _normalise(channel, address)
    point, _ = ContactPoint.objects.get_or_create(user=actor, channel=channel, address=address)
    code = f"{secrets.randbelow(10**6):06d}"
    point.code_digest = _code_digest(point.pk, code)
    point.code_expires_at = timezone.now() + timedelta(minutes=CODE_VALID_MINUTES)
    point.failures = 0
    point.save(update_fields=["code_digest", "code_expires_at", "failures"])
    record(actor, "contact.code_sent", point, channel=channel)
    outbox.emit("notifications.verify_contact", key=f"notifications.verify_contact:{point.pk}:{secrets.token_hex(6)}",
                user_id=actor.pk, channel=channel, address=address, code=code, minutes=CODE_VALID_MINUTES,
                language=actor.preferred_language)
    return point


@transaction.atomic
def contact_verify(*, actor: User, point: ContactPoint, code: str) -> ContactPoint:
    point = ContactPoint.objects.select_for_update().get(pk=point.pk, user=actor)
    now = timezone.now()
    if point.failures >= CODE_MAX_FAILURES:
        raise DomainError("contact_locked", field="code")
    if not point.code_expires_at or point.code_expires_at < now:
        raise DomainError("contact_code_expired", field="code")
    if not hmac.compare_digest(point.code_digest, _code_digest(point.pk, (code or "").strip())):
        ContactPoint.objects.filter(pk=point.pk).update(failures=F("failures") + 1)
        raise DomainError("contact_code_wrong", field="code")
    earlier = ContactPoint.objects.filter(user=actor, channel=point.channel, verified_at__isnull=False).exclude(
        pk=point.pk).values_list("address", flat=True).first()
    old = earlier or (actor.email if point.channel == "email" else actor.phone)
    ContactPoint.objects.filter(user=actor, channel=point.channel).exclude(pk=point.pk).update(verified_at=None)
    point.verified_at, point.code_digest, point.code_expires_at, point.evidence = now, "", None, "code"
    point.save(update_fields=["verified_at", "code_digest", "code_expires_at", "evidence"])
    if point.channel == "sms" and actor.phone != point.address:
        User.objects.filter(pk=actor.pk).update(phone=point.address)
    record(actor, "contact.verified", point, channel=point.channel)
    outbox.emit("identity.contact_changed", key=f"identity.contact_changed:{point.pk}:{now.isoformat()}",
                user_id=actor.pk, channel=point.channel, address=point.address, at=now.isoformat(),
                previous={} if not old or old == point.address else
                {"email" if point.channel == "email" else "phone": old})
    return point


@transaction.atomic
def contact_mark_verified(*, user: User, channel: str, address: str, evidence: str) -> ContactPoint:
    """Details proven another way (the demo accounts, an identity provider); recorded with how."""
    point, _ = ContactPoint.objects.get_or_create(user=user, channel=channel, address=_normalise(channel, address))
    if point.verified_at is None:
        point.verified_at, point.evidence = timezone.now(), evidence
        point.save(update_fields=["verified_at", "evidence"])
        record(None, "contact.verified", point, channel=channel, evidence=evidence)
    return point


# --- Security events -----------------------------------------------------------------------------------


@transaction.atomic
def sign_in_record(*, user: User, address: str = "", agent: str = "") -> None:
    now = timezone.now()
    record(user, "account.signed_in", user, address=address, agent=agent[:200])
    outbox.emit("identity.signed_in", key=f"identity.signed_in:{user.pk}:{now.isoformat()}", user_id=user.pk,
                at=now.isoformat(), address=address)


# --- Reminders -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    event: str
    subject_type: str
    subject_id: str
    due_on: date
    days: tuple[int, ...]
    payload: dict[str, Any]


def permit_reminder_days(on: date) -> tuple[int, ...]:
    from manpower import law

    return tuple(sorted({int(d) for d in law.parameter("permits.expiry_reminder_days", on)}, reverse=True))


@transaction.atomic
def reminders_schedule(due: Due, *, today: date | None = None) -> int:
    """Reminders before ``due.due_on``; those for another due date of the same thing are cancelled (the date
    moved). Reminder days already past when scheduling are not sent late, except the nearest one."""
    today = today or timezone.localdate()
    now = timezone.now()
    same = Reminder.objects.filter(event=due.event, subject_type=due.subject_type, subject_id=due.subject_id)
    same.filter(status=Reminder.Status.SCHEDULED).exclude(due_on=due.due_on).update(
        status=Reminder.Status.CANCELLED, done_at=now)
    created = 0
    for days in due.days:
        remind_on = due.due_on - timedelta(days=days)
        _, made = Reminder.objects.get_or_create(
            event=due.event, subject_type=due.subject_type, subject_id=due.subject_id, due_on=due.due_on,
            days_before=days, defaults={"remind_on": remind_on, "payload": due.payload})
        created += made
    return created


def reminders_cancel(*, event: str, subject_type: str, subject_id: str) -> int:
    """The thing was done (renewed, cancelled, signed…): its pending reminders go."""
    return Reminder.objects.filter(event=event, subject_type=subject_type, subject_id=subject_id,
                                   status=Reminder.Status.SCHEDULED).update(status=Reminder.Status.CANCELLED,
                                                                            done_at=timezone.now())


def reminders_send(*, today: date | None = None) -> int:
    """Send what is due today or before (a worker down yesterday catches up); of several due for one thing only
    the nearest goes, the others are marked skipped."""
    today = today or timezone.localdate()
    sent = 0
    due = Reminder.objects.filter(status=Reminder.Status.SCHEDULED, remind_on__lte=today)
    groups: dict[tuple[str, str, str], list[int]] = {}
    for reminder in due.order_by("days_before"):
        groups.setdefault((reminder.event, reminder.subject_type, reminder.subject_id), []).append(reminder.pk)
    for ids in groups.values():
        with transaction.atomic():
            rows = list(Reminder.objects.select_for_update().filter(pk__in=ids, status=Reminder.Status.SCHEDULED)
                        .order_by("days_before"))
            if not rows:
                continue
            nearest, rest = rows[0], rows[1:]
            now = timezone.now()
            if nearest.due_on >= today:
                outbox.emit(f"reminder.{nearest.event}", key=f"reminder:{nearest.pk}", **nearest.payload,
                            days=(nearest.due_on - today).days, due_on=nearest.due_on.isoformat())
                nearest.status = Reminder.Status.SENT
                sent += 1
            else:
                nearest.status = Reminder.Status.SKIPPED
            nearest.done_at = now
            nearest.save(update_fields=["status", "done_at"])
            Reminder.objects.filter(pk__in=[r.pk for r in rest]).update(status=Reminder.Status.SKIPPED, done_at=now)
    return sent


def reminders_refresh(*, today: date | None = None) -> dict[str, int]:
    """Bring the reminders in line with the due dates in the database (permits issued before, dates moved)."""
    from manpower.contracts.models import ContractVersion
    from manpower.permits.models import Permit

    today = today or timezone.localdate()
    days = permit_reminder_days(today)
    horizon = today + timedelta(days=max(days) + 1)
    scheduled = cancelled = 0
    active = Permit.objects.filter(status=Permit.Status.ACTIVE, valid_until__gte=today, valid_until__lte=horizon)
    for number, valid_until in active.values_list("number", "valid_until"):
        scheduled += reminders_schedule(Due("permit.expiring", "permit", number, valid_until, days,
                                            {"permit": number}), today=today)
    stale = Reminder.objects.filter(event="permit.expiring", status=Reminder.Status.SCHEDULED).exclude(
        subject_id__in=Permit.objects.filter(status=Permit.Status.ACTIVE).values("number"))
    cancelled += stale.update(status=Reminder.Status.CANCELLED, done_at=timezone.now())
    offered = ContractVersion.objects.filter(state=ContractVersion.State.OFFERED, deadline__gte=today)
    open_keys = set()
    for version in offered.select_related("contract"):
        if version.deadline is None:  # excluded by the filter; said again for the type checker
            continue
        subject = f"{version.contract.number}:{version.seq}"
        open_keys.add(subject)
        scheduled += reminders_schedule(Due("contract.deadline_near", "contract", subject, version.deadline,
                                            tuple(settings.CONTRACT_REMINDER_DAYS),
                                            {"contract": version.contract.number, "version": version.seq,
                                             "deadline": version.deadline.isoformat(),
                                             "person_id": version.contract.person_id}), today=today)
    stale = Reminder.objects.filter(event="contract.deadline_near", status=Reminder.Status.SCHEDULED).exclude(
        subject_id__in=open_keys)
    cancelled += stale.update(status=Reminder.Status.CANCELLED, done_at=timezone.now())
    return {"scheduled": scheduled, "cancelled": cancelled}


def messages_for_event(key: str) -> Any:
    return Message.objects.filter(event_key=key)

