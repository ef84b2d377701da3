"""The platform as a user meets it: a fresh installation with the demo data, the web server (``manpower serve``),
the background worker and the sandbox payment gateway as real processes, driven by Debian's Chromium.

Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``; CI installs it); without it these tests are
skipped. Screenshots are kept in ``test-artifacts/screenshots/`` (not in version control).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.axe import assert_accessible
from tests.processes import MANPOWER, Installation, Process, Server, Worker, free_port, install, wait_for

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
EMPLOYER = "employer@demo.manpower.om"
OFFICER = "officer@demo.manpower.om"
WORKER = "worker@demo.manpower.om"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM} "
                                                        "(apt-get install chromium); CI installs it"))


class Portal:
    """The running platform: its address, its database, the demo accounts' passwords."""

    def __init__(self, installation: Installation, server: Server, sandbox_url: str) -> None:
        self.installation = installation
        self.server = server
        self.url = server.url
        self.sandbox_url = sandbox_url

    def password(self, email: str) -> str:
        return self.installation.password(email)


class SandboxProcess(Process):
    """``manpower sandbox``: the simulated payment gateway (and the other outside systems) on a free port."""

    def __init__(self, installation: Installation, port: int) -> None:
        self.port = port
        super().__init__("sandbox", [*MANPOWER, "sandbox", "--port", str(port)], installation)

    def start(self) -> SandboxProcess:
        super().start()
        wait_for(lambda: self._healthy(), timeout=30, interval=0.1, message="the sandbox answering")
        return self

    def _healthy(self) -> bool:
        if not self.running:
            raise RuntimeError(f"the sandbox exited:\n{self.log_tail()}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture(scope="session")
def portal(tmp_path_factory: Any) -> Iterator[Portal]:
    var_dir = tmp_path_factory.mktemp("portal")
    installation = install(var_dir)
    sandbox_port, web_port = free_port(), free_port()
    installation.extra_env.update({
        "PAYMENT_GATEWAY": "sandbox", "PAYMENT_GATEWAY_URL": f"http://127.0.0.1:{sandbox_port}/pay",
        "SANDBOX_PORT": str(sandbox_port), "TSA_URL": f"http://127.0.0.1:{sandbox_port}/tsa",
        "SITE_URL": f"http://127.0.0.1:{web_port}", "LOG_LEVEL": "WARNING",
    })
    sandbox = SandboxProcess(installation, sandbox_port).start()
    server = Server(installation, workers=2, port=web_port)
    worker = Worker(installation, interval=0.2)
    try:
        server.start()
        worker.start()
        yield Portal(installation, server, f"http://127.0.0.1:{sandbox_port}")
    finally:
        for process in (worker, server, sandbox):
            process.stop()


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    """Playwright's sync API runs an event loop in this thread while it is open; Django rightly refuses database
    calls from a thread with a running loop, so the driver is closed after each module (the next test file in this
    process may use the database)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser_context(playwright_driver: Any, portal: Portal) -> Iterator[Any]:
    """A fresh Chromium profile (its own user-data-dir) for each test: no cookie or cache is shared."""
    with tempfile.TemporaryDirectory(prefix="manpower-chromium-") as profile:
        context = playwright_driver.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            base_url=portal.url, viewport={"width": 1280, "height": 900}, locale="ar-OM", timezone_id="Asia/Muscat")
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: Any) -> Any:
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"script errors on the page: {errors}"


def sign_in(page: Any, portal: Portal, email: str, lang: str = "ar") -> None:
    prefix = "/en" if lang == "en" else ""
    page.goto(f"{prefix}/sign-in/")
    page.fill("#id_username", email)
    page.fill("#id_password", portal.password(email))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/dashboard/$"))


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page: Any, name: str) -> None:
    """Every page a flow passes: no axe violation, and a screenshot kept for people to look at."""
    page.wait_for_load_state("load")
    assert_accessible(page, name)
    screenshot(page, name)


def run_in_portal(portal: Portal, code: str) -> Any:
    """What an outside authority or an operator does directly on the platform's database (see tests.processes)."""
    from tests.processes import django_run

    return django_run(portal.installation, code)
