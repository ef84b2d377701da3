"""The Arabic catalogues: every message translated, none fuzzy, every plural with Arabic's six forms."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "manpower"
CATALOGUES = sorted(PACKAGE.glob("**/locale/ar/LC_MESSAGES/django.po"))
pytestmark = pytest.mark.skipif(shutil.which("msgattrib") is None or shutil.which("msgfmt") is None,
                                reason="GNU gettext (msgattrib, msgfmt) is not installed")


def _entries(*args: str, path: Path) -> list[str]:
    out = subprocess.run(["msgattrib", *args, str(path)], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 3


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_message_is_translated_and_none_is_fuzzy(path: Path):
    assert _entries("--untranslated", path=path) == []
    assert _entries("--only-fuzzy", "--no-obsolete", path=path) == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_catalogue_compiles_with_every_check(path: Path):
    result = subprocess.run(["msgfmt", "--check-format", "--check-domain", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    plurals = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert "plural forms" not in plurals.stderr, plurals.stderr
