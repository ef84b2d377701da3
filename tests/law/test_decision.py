"""Decisions: complete, bilingual, storable, explainable and replayable; rules declare what they read."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import string
from typing import Any

import pytest

from manpower.law import (
    Check,
    Decision,
    LawError,
    UnknownApplicationType,
    catalogue,
    evaluate,
    facts_from_dict,
    law_on,
    replay,
    ruleset_version,
)
from manpower.law.rulebook import RULES, rules_in_force

from .factories import facts
from .test_cases import CASES, _plain

ON = dt.date(2025, 11, 2)


def decide(application: str, overrides: dict[str, Any] | None = None, on: dt.date = ON) -> Decision:
    return evaluate(application, facts_from_dict(application, facts(application, overrides)), on)


def test_a_decision_carries_its_date_version_checks_fees_and_trace() -> None:
    decision = decide("new_permit", {"worker": {"medical_fitness": None}})
    assert decision.outcome == "await" and decision.date == ON
    assert decision.ruleset_version == ruleset_version()
    unknown = decision.with_status("unknown")[0]
    assert (unknown.id, unknown.code) == ("medical-fitness", "medical_pending")
    assert "Ministry of Health" in unknown.message("en") and "وزارة الصحة" in unknown.message("ar")
    assert unknown.fix("en") and unknown.fix("ar") and unknown.citation
    trace = {row["parameter"]: row for row in decision.trace}
    assert trace["fees.permit_categories"]["value"]["third"] == "201.000"
    assert trace["fees.permit_categories"]["from"] == "2025-10-26"
    assert "602/2025" in trace["fees.permit_categories"]["reference"]
    assert trace["worker.minimum_age"]["value"] == 21


def test_the_stored_form_is_json_with_decimals_as_strings_in_both_languages() -> None:
    stored = decide("renewal", {"permit": {"expiry_date": "2025-08-01"}}, dt.date(2026, 2, 1)).to_dict()
    text = json.dumps(stored, ensure_ascii=False)
    assert json.loads(text) == stored
    assert stored["total"] == "201.000"
    fine = next(line for line in stored["fees"] if line["code"] == "late_renewal_fine")
    assert fine["amount"] == "60.000" and fine["label"]["ar"] and fine["explanation"]["en"]
    for check in stored["checks"]:
        assert set(check["message"]) == set(check["citation"]) == {"ar", "en"}


def test_a_stored_decision_reads_back_as_it_was_given() -> None:
    original = decide("new_permit", {"establishment": {"cr_status": "suspended"}})
    stored = original.to_dict()
    back = Decision.from_dict(stored)
    assert back.outcome == "reject" and back.ruleset_version == original.ruleset_version
    assert [c.message("ar") for c in back.checks] == [c.message("ar") for c in original.checks]
    assert back.to_dict() == stored


def test_a_stored_decision_keeps_its_words_even_if_the_rules_change() -> None:
    stored = decide("new_permit").to_dict()
    stored["ruleset_version"] = "0000000000000000"
    stored["checks"][0]["message"]["en"] = "Worded as it was on the day."
    back = Decision.from_dict(stored)
    assert back.checks[0].message("en") == "Worded as it was on the day."
    assert back.ruleset_version == "0000000000000000"


def test_a_decision_whose_facts_no_longer_read_is_shown_but_not_replayed() -> None:
    stored = decide("new_permit").to_dict()
    stored["facts"]["worker"]["eye_colour"] = "brown"  # a fact of some later format
    assert Decision.from_dict(stored).outcome == "approve"
    with pytest.raises(LawError) as raised:
        replay(stored)
    assert raised.value.code == "facts_unreadable"


def test_replay_decides_again_and_compares() -> None:
    stored = decide("cancellation", {"permit": {"expiry_date": "2025-08-01"}}).to_dict()
    assert replay(stored).same
    stored["fees"][0]["amount"] = "1.000"
    stored["total"] = "1.000"
    assert not replay(stored).same


def test_outcome_precedence_reject_then_refer_then_await() -> None:
    assert decide("new_permit", {"worker": {"medical_fitness": None, "nationality": "OM"}}).outcome == "reject"
    assert decide("new_permit", {"worker": {"medical_fitness": None},
                                 "occupation": {"isco08": "8344", "esco_uri": "$delete"}}).outcome == "refer"


def test_passed_checks_cost_nothing() -> None:
    assert Check.passed() is Check.passed()


def test_wrong_facts_or_type_are_refused() -> None:
    read = facts_from_dict("new_permit", facts("new_permit"))
    with pytest.raises(UnknownApplicationType):
        evaluate("visa", read, ON)
    with pytest.raises(LawError) as raised:
        evaluate("renewal", read, ON)
    assert raised.value.code == "facts_mismatch"


# ------------------------------------------------------------------------------------------ catalogue
def _fields(template: str) -> set[str]:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {re.sub(r"_(en|ar)$", "", name) for name in names}


def test_the_catalogue_lists_every_rule_with_citation_dates_and_words() -> None:
    entries = catalogue()
    assert len(entries) == len(RULES) and len({e["id"] for e in entries}) == len(entries)
    for entry in entries:
        assert entry["citation"]["en"] and entry["citation"]["ar"], entry["id"]
        assert entry["title"]["en"] and entry["title"]["ar"], entry["id"]
        assert entry["in_force"]["from"] >= "2016-01-01"
        if entry["kind"] == "check":
            assert entry["passed"]["en"] and entry["passed"]["ar"], entry["id"]
        for code, words in entry["messages"].items():
            if entry["kind"] == "check":
                assert words["en"] and words["ar"], (entry["id"], code)
                assert _fields(words["en"]) == _fields(words["ar"]), (entry["id"], code)
                if "fix_en" in words:
                    assert words["fix_ar"], (entry["id"], code)
            else:
                for key in ("label", "explain"):
                    assert _fields(words[key]["en"]) == _fields(words[key]["ar"]), (entry["id"], code)


def test_every_message_code_a_rule_returns_is_in_its_catalogue() -> None:
    import ast
    import inspect

    for rule in RULES.values():
        source = inspect.getsource(rule.fn)
        messages = rule.messages()
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("failed", "refer", "unknown", "passed") and node.args
                    and isinstance(node.args[0], ast.Constant)):
                assert node.args[0].value in messages, (rule.id, node.args[0].value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FeeLine":
                assert node.args[0].value in messages, (rule.id, node.args[0].value)  # type: ignore[attr-defined]


# ------------------------------------------------------------ the parameters a rule declares it reads
class RecordingGroup:
    def __init__(self, name: str, group: Any, seen: set[str]) -> None:
        self._name, self._group, self._seen = name, group, seen

    def __getattr__(self, attr: str) -> Any:
        self._seen.add(f"{self._name}.{attr}")
        return getattr(self._group, attr)


class RecordingLaw:
    def __init__(self, law: Any) -> None:
        self.date = law.date
        self.seen: set[str] = set()
        self._law = law

    def __getattr__(self, group: str) -> Any:
        return RecordingGroup(group, getattr(self._law, group), self.seen)


@pytest.mark.parametrize("case", [c for c in CASES if "error" not in c.values[0]["expect"]])
def test_each_rule_declares_every_parameter_it_reads(case: Any) -> None:
    application = case["application"]
    read = facts_from_dict(application, facts(application, _plain(case.get("facts") or {})))
    on = case["date"]
    checks, fee_rules = rules_in_force(application, on)
    for rule in (*checks, *fee_rules):
        recorder = RecordingLaw(law_on(on))
        with contextlib.suppress(LawError):  # a fee not in the rule book that day: what was read still counts
            rule.fn(read, recorder)
        assert recorder.seen <= rule.parameters, (rule.id, recorder.seen - rule.parameters)
