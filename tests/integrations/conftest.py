"""The sandbox health ministry as a real process, and our settings pointing at it."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from tests.payments.conftest import Sandbox
from tests.permits.conftest import employer_world  # noqa: F401  (re-exported fixture)

HEALTH_KEY = "test-key-of-the-sandbox-health-ministry"


class HealthMinistry:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.url = f"http://127.0.0.1:{sandbox.port}/moh"

    def admin(self, path: str, **body: Any) -> Any:
        return httpx.post(f"{self.url}/admin/{path}", json=body, timeout=5).json()

    def requests(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/admin/requests", timeout=5).json()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def health_process(tmp_path_factory):  # type: ignore[no-untyped-def]
    before = os.environ.get("HEALTH_AUTHORITY_API_KEY")
    os.environ["HEALTH_AUTHORITY_API_KEY"] = HEALTH_KEY
    sandbox = Sandbox(tmp_path_factory.mktemp("moh") / "payments.sqlite3")
    try:
        sandbox.start()
    finally:
        if before is None:
            os.environ.pop("HEALTH_AUTHORITY_API_KEY", None)
        else:
            os.environ["HEALTH_AUTHORITY_API_KEY"] = before
    yield HealthMinistry(sandbox)
    sandbox.stop()


@pytest.fixture
def health(health_process, settings):  # type: ignore[no-untyped-def]
    health_process.admin("reset")
    settings.HEALTH_AUTHORITY_URL = health_process.url
    settings.HEALTH_AUTHORITY_API_KEY = HEALTH_KEY
    settings.AUTHORITY_TIMEOUT_SECONDS = 3.0
    yield health_process
    health_process.admin("reset")
