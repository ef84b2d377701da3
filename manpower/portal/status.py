"""Is the service working? The database, the background worker and the outside services, checked live.

Outside services are probed with a short TCP connection, and the answer is cached briefly so that a busy
status page does not itself load them.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manpower.core.models import OutboxMessage

UP, SLOW, DOWN = "up", "slow", "down"
QUEUE_LAG = timedelta(minutes=10)  # a message waiting longer than this means the worker is behind or stopped
PROBE_SECONDS = 1.5
CACHE_SECONDS = 30


@dataclass(frozen=True)
class Component:
    key: str
    name: Promise
    state: str
    detail: Promise | str = ""


def database() -> Component:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return Component("database", _("Records (database)"), DOWN, _("The records cannot be reached."))
    return Component("database", _("Records (database)"), UP)


def worker_queue() -> Component:
    """The worker delivers the outbox; messages left waiting well past their time mean it is not keeping up."""
    name = _("Background work (messages, documents, payments follow-up)")
    try:
        late = OutboxMessage.objects.filter(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING],
                                            next_attempt_at__lt=timezone.now() - QUEUE_LAG).count()
    except Exception:
        return Component("queue", name, DOWN, _("The queue cannot be read."))
    if late:
        return Component("queue", name, SLOW, _("Some messages are waiting longer than usual; they will be sent."))
    return Component("queue", name, UP)


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    key = f"status:reach:{parts.hostname}:{parts.port}"
    known = cache.get(key)
    if known is not None:
        return bool(known)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_SECONDS):
            ok = True
    except OSError:
        ok = False
    cache.set(key, ok, CACHE_SECONDS)
    return ok


def outside_services() -> list[Component]:
    services = [("payments", _("Online payment (the payment gateway)"), settings.PAYMENT_GATEWAY_URL),
                ("timestamps", _("Contract signing (the time-stamping authority)"), settings.TSA_URL)]
    return [Component(key, name, UP if reachable(url) else DOWN,
                      "" if reachable(url) else _("Not reachable just now; work waits and is retried."))
            for key, name, url in services]


def components() -> list[Component]:
    return [database(), worker_queue(), *outside_services()]
