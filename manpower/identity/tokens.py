"""API tokens: ``mpw_`` + 40 random characters, shown once; the database keeps a SHA-256 digest.

A token is looked up by its digest in one indexed query — no password hashing on every API call, which
is what makes HTTP Basic with Argon2 unsuitable for systems sending many requests.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from manpower.audit.services import record
from manpower.core.queries import unique_or_none
from manpower.identity.models import ApiToken, User

PREFIX = "mpw_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: User, user: User, name: str, valid_days: int | None = 365) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the record and the secret, which is not kept and shown only now."""
    secret = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API", prefix=secret[:12], digest=_digest(secret),
        expires_at=timezone.now() + timedelta(days=valid_days) if valid_days else None,
    )
    record(actor, "api_token.created", token, user=user.email, name=token.name)
    return token, secret


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor, "api_token.revoked", token, user=token.user.email)


def user_for_token(secret: str) -> User | None:
    if not secret.startswith(PREFIX):
        return None
    now = timezone.now()
    token = unique_or_none(ApiToken.objects.select_related("user").filter(digest=_digest(secret), revoked_at__isnull=True))
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # coarse, to keep calls write-free
    return token.user
