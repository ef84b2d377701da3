"""The law's own test suite: every YAML case in cases/ decided and compared with what the user should see.

A case names the application type, the date, the facts that differ from a passing fact set
(tests/law/factories.py), and what is expected: the outcome; the exact lists of checks that failed,
were referred or await facts (a status not listed must not occur); message codes; invoice lines and
total; entitlements; or the error bad input must raise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from manpower.law import LawError, evaluate, facts_from_dict

from .factories import facts

CASES_DIR = Path(__file__).parent / "cases"


def _plain(value: Any) -> Any:
    """YAML reads unquoted dates as dates; facts are JSON, where dates are strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_cases() -> list[Any]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


CASES = load_cases()


def decide(case: dict[str, Any]) -> Any:
    application = case["application"]
    data = case["facts_exact"] if "facts_exact" in case else facts(application, _plain(case.get("facts") or {}))
    on = case["date"] if isinstance(case["date"], dt.date) else dt.date.fromisoformat(case["date"])
    return evaluate(application, facts_from_dict(application, _plain(data)), on)


def test_there_are_at_least_a_hundred_cases() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(LawError) as raised:
            decide(case)
        for key, value in expect["error"].items():
            assert getattr(raised.value, key) == value, raised.value.message("en")
        assert raised.value.message("ar") and raised.value.message("en")
        return

    decision = decide(case)
    statuses = {c.id: c.status for c in decision.checks}
    assert decision.outcome == expect["outcome"], statuses
    for status in ("failed", "refer", "unknown"):
        found = sorted(c.id for c in decision.checks if c.status == status)
        assert found == sorted(expect.get(status, [])), f"{status}: {found}"
    for rule_id, code in (expect.get("codes") or {}).items():
        assert rule_id in statuses, f"{rule_id} was not applied"
        assert next(c.code for c in decision.checks if c.id == rule_id) == code
    for rule_id in expect.get("absent", []):
        assert rule_id not in statuses, f"{rule_id} should not concern this case"
    if "fees" in expect:
        assert {line.code: str(line.amount) for line in decision.fees} == {
            k: str(v) for k, v in expect["fees"].items()}
    if "total" in expect:
        assert str(decision.total) == str(expect["total"])
    if "entitlements" in expect:
        assert {line.code: str(line.amount) for line in decision.entitlements} == {
            k: str(v) for k, v in expect["entitlements"].items()}
    for rule_id, words in (expect.get("says") or {}).items():
        check = next(c for c in decision.checks if c.id == rule_id)
        for lang, text in words.items():
            assert text in check.message(lang), check.message(lang)
    # Every check and line reads in both languages with its values filled in.
    for check in decision.checks:
        for lang in ("en", "ar"):
            assert "{" not in check.message(lang) and "{" not in check.fix(lang)
            assert check.citation_in(lang)
    for line in (*decision.fees, *decision.entitlements):
        for lang in ("en", "ar"):
            assert "{" not in line.label(lang) and "{" not in line.explanation(lang)
