"""axe-core inside the page under test: zero WCAG 2.2 AA violations, or a readable list of what is wrong."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).parent / "vendor"
AXE_VERSION = "4.14.1"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def axe_source() -> str:
    source = (VENDOR / "axe.min.js").read_text(encoding="utf-8")
    if f"axe v{AXE_VERSION}" not in source[:200]:
        raise RuntimeError(f"tests/browser/vendor/axe.min.js is not axe-core {AXE_VERSION}")
    return source


def violations(page: Any) -> list[dict[str, Any]]:
    """Run axe on the page as it is now (evaluated through the DevTools protocol, so the page's CSP is not involved)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS)
    return list(result["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def assert_accessible(page: Any, where: str = "") -> None:
    found = violations(page)
    assert not found, f"axe found {len(found)} WCAG 2.2 AA violation(s) on {where or page.url}:\n{describe(found)}"
