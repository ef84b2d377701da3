"""Fixtures of the reliability tests: real installations and processes, cleaned up whatever happens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.permits.conftest import employer_world  # noqa: F401 - a fixture shared with the permit tests
from tests.processes import Installation, Process, clone, install


@pytest.fixture(scope="session")
def installation_template(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    """One `manpower setup --demo` per test process; each test gets a copy."""
    return install(tmp_path_factory.mktemp("template") / "var")


@pytest.fixture
def installation(installation_template: Installation, tmp_path: Path) -> Installation:
    return clone(installation_template, tmp_path / "var")


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Processes a test started; every one is stopped (its whole process group) when the test ends."""
    started: list[Process] = []
    yield started
    for process in reversed(started):
        process.stop()
