"""One-time codes: six digits, only a keyed hash kept, valid for minutes, wrong guesses counted.

Wrong codes are counted per scope (a signer on one contract, or a person claiming an account) and
``SIGNING_CODE_MAX_FAILURES`` of them lock the scope for ``SIGNING_LOCK_MINUTES``, with notice to the
person. The count is committed even though the attempt is refused, so ``verify`` runs outside the
caller's transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manpower.audit.services import record
from manpower.contracts.models import CodeGuard, OneTimeCode
from manpower.core import outbox
from manpower.core.errors import DomainError, register_messages

register_messages({
    "code_wrong": _("That code is not right. %(remaining)s more wrong codes lock this for %(minutes)s minutes."),
    "code_expired": _("This code has expired or a newer one was sent. Ask for a new code."),
    "code_format": _("Enter the six digits of the code we sent you."),
    "signing_locked": _("Too many wrong codes: this is locked until %(until)s. We have sent you a notice."),
})

DIGITS = 6


def _key() -> bytes:
    return hashlib.sha256(b"manpower one-time codes\x00" + settings.SECRET_KEY.encode()).digest()


def _digest(salt: str, code: str) -> str:
    return hmac.new(_key(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def guard_for(scope: str) -> CodeGuard:
    return CodeGuard.objects.get_or_create(scope=scope)[0]


def ensure_unlocked(scope: str, now: datetime | None = None) -> None:
    guard = CodeGuard.objects.filter(scope=scope).first()
    now = now or timezone.now()
    if guard is not None and guard.locked_until and guard.locked_until > now:
        raise DomainError("signing_locked", field="code", params={"until": _local(guard.locked_until)})


def issue(*, purpose: str, scope: str, channel: str, user: Any = None, person: Any = None, version: Any = None,
          now: datetime | None = None) -> tuple[OneTimeCode, str]:
    """A fresh code (earlier unused ones for the same purpose are cancelled); the caller emits it."""
    now = now or timezone.now()
    ensure_unlocked(scope, now)
    earlier = OneTimeCode.objects.filter(purpose=purpose, user=user, person=person, version=version,
                                         used_at__isnull=True, cancelled_at__isnull=True)
    earlier.update(cancelled_at=now)
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    salt = secrets.token_hex(8)
    stored = OneTimeCode.objects.create(
        purpose=purpose, user=user, person=person, version=version, channel=channel,
        code_hash=f"{salt}${_digest(salt, code)}", created_at=now,
        expires_at=now + timedelta(seconds=settings.SIGNING_CODE_VALID_SECONDS))
    return stored, code


def _matches(stored: OneTimeCode, code: str) -> bool:
    salt, _, digest = stored.code_hash.partition("$")
    return hmac.compare_digest(digest, _digest(salt, code))


def verify(*, scope: str, code: str, candidates: Any, notify: dict[str, Any], actor: Any = None,
           now: datetime | None = None) -> OneTimeCode:
    """The live code among ``candidates`` that matches, or a refusal whose failure count is kept."""
    now = now or timezone.now()
    code = "".join(ch for ch in str(code or "") if not ch.isspace())
    if len(code) != DIGITS or not code.isdigit():
        raise DomainError("code_format", field="code")
    ensure_unlocked(scope, now)
    live = candidates.filter(used_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=now).order_by("-id").first()
    if live is None:
        raise DomainError("code_expired", field="code")
    if _matches(live, code):
        CodeGuard.objects.filter(scope=scope, failures__gt=0).update(failures=0)
        return live
    maximum = settings.SIGNING_CODE_MAX_FAILURES
    with transaction.atomic():
        guard = CodeGuard.objects.select_for_update().get_or_create(scope=scope)[0]
        CodeGuard.objects.filter(pk=guard.pk).update(failures=F("failures") + 1)
        guard.refresh_from_db()
        if guard.failures < maximum:
            error = DomainError("code_wrong", field="code", params={
                "remaining": maximum - guard.failures, "minutes": settings.SIGNING_LOCK_MINUTES})
        else:
            until = now + timedelta(minutes=settings.SIGNING_LOCK_MINUTES)
            CodeGuard.objects.filter(pk=guard.pk).update(failures=0, locked_until=until)
            candidates.filter(used_at__isnull=True, cancelled_at__isnull=True).update(cancelled_at=now)
            record(actor, "signing.locked", object_type="contracts.codeguard", object_id=scope,
                   subject_person_id=notify.get("person_id"), until=until, failures=maximum)
            outbox.emit("signing.locked", key=f"signing.locked:{scope}:{until.isoformat()}",
                        until=until.isoformat(), failures=maximum, **notify)
            error = DomainError("signing_locked", field="code", params={"until": _local(until)})
    raise error


def consume(stored: OneTimeCode, now: datetime | None = None) -> bool:
    """Mark the code used, once: False if another request used it first."""
    return bool(OneTimeCode.objects.filter(pk=stored.pk, used_at__isnull=True, cancelled_at__isnull=True)
                .update(used_at=now or timezone.now()))


def destination(*, phone: str, email: str) -> tuple[str, str]:
    """SMS to the phone on file where there is one, else e-mail; with the address masked for display."""
    if phone:
        return "sms", f"••••{phone[-4:]}"
    if email:
        name, _, domain = email.partition("@")
        return "email", f"{name[:1]}•••@{domain}"
    return "", ""
