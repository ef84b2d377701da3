"""Adapters to other authorities' systems, over HTTP only: each turns a question into an ``Answer``.

A real authority's adapter sits beside the sandbox's by implementing the same method; the settings say
where each authority is. Nothing here writes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from django.conf import settings


@dataclass(frozen=True)
class Answer:
    """``answered``: the fact is in ``data``; ``not_yet``: ask again later; ``failed``: the call went wrong."""

    outcome: str
    data: dict[str, Any] = field(default_factory=dict)
    detail: str = ""

    @property
    def is_final(self) -> bool:
        return self.outcome == "answered"


class HealthAuthority:
    """The Ministry of Health: medical-examination results of expatriate workers, by passport."""

    def __init__(self, url: str | None = None, api_key: str | None = None, timeout: float | None = None) -> None:
        self.url = (url or settings.HEALTH_AUTHORITY_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else settings.HEALTH_AUTHORITY_API_KEY
        self.timeout = timeout or settings.AUTHORITY_TIMEOUT_SECONDS

    def medical_result(self, *, country: str, passport: str, correlation_id: str) -> Answer:
        try:
            response = httpx.get(f"{self.url}/api/medical-results", params={"country": country, "passport": passport},
                                 headers={"Authorization": f"Bearer {self.api_key}", "X-Correlation-ID": correlation_id,
                                          "Accept": "application/json"}, timeout=self.timeout)
        except httpx.TimeoutException:
            return Answer("failed", detail="timeout")
        except httpx.HTTPError as error:
            return Answer("failed", detail=f"unreachable: {type(error).__name__}")
        if response.status_code == 404:
            return Answer("not_yet", detail="not_yet")
        if response.status_code != 200:
            return Answer("failed", detail=f"http_{response.status_code}")
        try:
            data = response.json()
            status = data["status"]
            examined_on = date.fromisoformat(data["examined_on"]) if data.get("examined_on") else None
        except (ValueError, KeyError, TypeError):
            return Answer("failed", detail="malformed_answer")
        if status not in {"fit", "unfit"}:
            return Answer("failed", detail=f"unknown_status:{str(status)[:40]}")
        return Answer("answered", {"fitness": status, "examined_on": examined_on.isoformat() if examined_on else None,
                                   "centre": str(data.get("centre", ""))[:200],
                                   "reference": str(data.get("reference", ""))[:64]})


def health_authority() -> HealthAuthority:
    return HealthAuthority()
