"""Properties the rule book must keep for any facts, not just the cases we thought of."""

from __future__ import annotations

import ast
import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manpower.law import LawError, evaluate, facts_from_dict
from manpower.law.rulebook import RULE_MODULES, rule_documents, rule_sources, version_of

from .factories import TEMPORARY, TITLES, facts, merge

SEVERITY = {"approve": 0, "await": 1, "refer": 2, "reject": 3}
KEY_DATES = [dt.date(2019, 5, 1), dt.date(2021, 6, 1), dt.date(2022, 6, 1), dt.date(2022, 7, 18),
             dt.date(2023, 7, 9), dt.date(2024, 9, 2), dt.date(2024, 12, 16), dt.date(2025, 1, 1),
             dt.date(2025, 6, 19), dt.date(2025, 9, 19), dt.date(2025, 10, 26), dt.date(2025, 12, 19),
             dt.date(2026, 1, 1), dt.date(2027, 1, 1)]
OCCUPATIONS = [{"isco08": "7411", "esco_uri": TITLES["building electrician"]},
               {"isco08": "8344", "esco_uri": TITLES["forklift operator"]},
               {"isco08": "2511", "esco_uri": TITLES["ICT system analyst"]},
               {"isco08": "2511", "esco_uri": TITLES["data analyst"]},
               {"isco08": "8344"}, {"isco08": "1120"}, {"isco08": "6222"}, {"isco08": "7112"}]

def rarely(value: Any, usual: Any) -> Any:
    """Mostly the usual (passing) value, now and then the other, so that all outcomes occur."""
    return st.sampled_from([usual] * 5 + [value])


dates = st.builds(lambda d, shift: d + dt.timedelta(days=shift), st.sampled_from(KEY_DATES),
                  st.integers(min_value=-2, max_value=2))


@st.composite
def establishments(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["company", "company", "government", "club", "non_profit", "individual", "farm"]))
    return {
        "cr_status": draw(st.sampled_from(["active"] * 12 + ["suspended", "closed", None])),
        "cr_issue_date": draw(st.dates(dt.date(2010, 1, 1), dt.date(2026, 6, 1))).isoformat(),
        "cr_expiry_date": draw(st.dates(dt.date(2025, 6, 1), dt.date(2032, 1, 1))).isoformat(),
        "kind": kind, "legal_person": "natural" if kind in ("individual", "farm") else "juridical",
        "activity": draw(st.sampled_from(["4321", "0311", "6511", "4711", "0510"])),
        "omani_employees": draw(st.integers(0, 40)), "non_omani_employees": draw(st.integers(0, 40)),
        "omanisation_target": draw(st.sampled_from([None, None, "0", "10", "25"])),
        "has_unpaid_dues": draw(rarely(True, False)),
        "has_wps_breach": draw(st.sampled_from([False] * 8 + [True, None])),
        "services_suspended": draw(rarely(True, False)),
        "is_foreign_investment": draw(rarely(True, False)), "has_riyada_card": draw(rarely(True, False)),
    }


@st.composite
def workers(draw: Any) -> dict[str, Any]:
    return {
        "date_of_birth": draw(st.dates(dt.date(1958, 1, 1), dt.date(2005, 1, 1))).isoformat(),
        "passport_expiry_date": draw(st.sampled_from([None] + [d.isoformat() for d in (
            dt.date(2025, 12, 1), dt.date(2028, 1, 1), dt.date(2030, 1, 1), dt.date(2032, 1, 1))] * 3)),
        "medical_fitness": draw(st.sampled_from(["fit"] * 8 + ["unfit", None])),
        "has_active_permit_elsewhere": draw(rarely(True, False)),
        "has_abandonment_report": draw(rarely(True, False)),
    }


@st.composite
def applications(draw: Any) -> tuple[str, dict[str, Any], dt.date]:
    application = draw(st.sampled_from(["new_permit", "renewal", "transfer", "cancellation"]))
    overrides: dict[str, Any] = {"establishment": draw(establishments()), "worker": draw(workers())}
    if application != "cancellation":
        overrides["occupation"] = {"$replace": True, **draw(st.sampled_from(OCCUPATIONS))}
        overrides["basic_wage"] = draw(st.sampled_from(["150.000", "325.000", "2600.000", "4200.000"]))
    if application in ("renewal", "transfer", "cancellation"):
        overrides["permit"] = {"expiry_date": draw(st.dates(dt.date(2024, 1, 1), dt.date(2030, 1, 1))).isoformat(),
                               "is_cancelled": draw(rarely(True, False))}
    if application == "transfer" and draw(st.booleans()):
        overrides["transfer"] = {"$replace": True, **{k: v for k, v in TEMPORARY.items() if v is not None}}
    return application, facts(application, overrides), draw(dates)


def decide(application: str, data: dict[str, Any], on: dt.date) -> Any:
    try:
        return evaluate(application, facts_from_dict(application, data), on)
    except LawError:
        return None  # outside the rule book on that date (reported, not decided)


WORSENINGS = [
    ("establishment", "has_unpaid_dues", True), ("establishment", "services_suspended", True),
    ("establishment", "has_wps_breach", True), ("establishment", "cr_status", "suspended"),
    ("establishment", "omani_employees", 0), ("worker", "medical_fitness", "unfit"),
    ("worker", "has_abandonment_report", True), ("worker", "has_active_permit_elsewhere", True),
    # An expired passport: expired on the day of the decision (a fixed date could lie after it, or replace an
    # unknown expiry, which waits, with a known good one).
    ("worker", "passport_expiry_date", lambda on: (on - dt.timedelta(days=1)).isoformat()),
    ("worker", "nationality", "OM"),
]

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(applications())
def test_the_decision_is_deterministic(application: tuple[str, dict[str, Any], dt.date]) -> None:
    kind, data, on = application
    first = decide(kind, data, on)
    second = decide(kind, copy.deepcopy(data), on)
    if first is None:
        assert second is None
        return
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(), sort_keys=True)


@PROPERTY_SETTINGS
@given(applications(), st.sampled_from(WORSENINGS))
def test_making_one_fact_worse_never_makes_the_outcome_better(
        application: tuple[str, dict[str, Any], dt.date], worsening: tuple[str, str, Any]) -> None:
    kind, data, on = application
    part, fact, value = worsening
    if callable(value):
        value = value(on)
    before = decide(kind, data, on)
    after = decide(kind, merge(data, {part: {fact: value}}), on)
    if before is None or after is None:
        return
    assert SEVERITY[after.outcome] >= SEVERITY[before.outcome], (before.outcome, after.outcome)
    if before.outcome == "reject":
        assert after.outcome == "reject"


@PROPERTY_SETTINGS
@given(applications())
def test_fees_are_non_negative_amounts_in_baisa(application: tuple[str, dict[str, Any], dt.date]) -> None:
    decision = decide(*application)
    if decision is None:
        return
    for line in (*decision.fees, *decision.entitlements):
        assert isinstance(line.amount, Decimal)
        assert line.amount >= 0
        assert line.amount.as_tuple().exponent == -3
    assert decision.total.as_tuple().exponent == -3 and decision.total >= 0


# ------------------------------------------------------------------------------ the rule-set version
SOURCES = rule_sources()
DOCUMENTS = rule_documents()
VERSION = version_of(SOURCES, DOCUMENTS)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [path]


LEAVES = [(name, path) for name, document in DOCUMENTS.items() for path in _leaves(document)]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(LEAVES))
def test_the_version_changes_when_any_parameter_or_message_changes(leaf: tuple[str, tuple[Any, ...]]) -> None:
    name, path = leaf
    documents = copy.deepcopy(DOCUMENTS)
    holder = documents[name]
    for key in path[:-1]:
        holder = holder[key]
    old = holder[path[-1]]
    holder[path[-1]] = (old + 1) if isinstance(old, int) and not isinstance(old, bool) else f"{old}·changed"
    assert version_of(SOURCES, documents) != VERSION


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(DOCUMENTS)), st.text(alphabet="abc xyz", min_size=1, max_size=20))
def test_comments_and_layout_of_a_parameter_file_do_not_change_the_version(name: str, comment: str) -> None:
    text = yaml.safe_dump(DOCUMENTS[name], allow_unicode=True, sort_keys=True, width=60)
    reread = yaml.safe_load(f"# {comment}\n{text}\n# {comment}\n")
    assert version_of(SOURCES, {**DOCUMENTS, name: reread}) == VERSION


def _constants_in(tree: ast.AST) -> list[ast.Constant]:
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)) and not isinstance(node.value, bool)]


CONSTANTS = [(module, i) for module in SOURCES for i in range(len(_constants_in(ast.parse(SOURCES[module]))))]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CONSTANTS))
def test_the_version_changes_when_rule_code_changes(target: tuple[str, int]) -> None:
    module, index = target
    tree = ast.parse(SOURCES[module])
    node = _constants_in(tree)[index]
    value: Any = node.value
    node.value = value + 1 if isinstance(value, int) else value + "·changed"
    assert version_of({**SOURCES, module: ast.unparse(tree)}, DOCUMENTS) != VERSION


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(SOURCES)), st.text(alphabet="abc xyz", min_size=1, max_size=30))
def test_comments_and_blank_lines_in_rule_code_do_not_change_the_version(module: str, comment: str) -> None:
    source = SOURCES[module].replace("\ndef ", f"\n# {comment}\n\n\ndef ") + f"\n# {comment}\n"
    assert version_of({**SOURCES, module: source}, DOCUMENTS) == VERSION


def test_every_rule_module_is_in_the_version() -> None:
    from pathlib import Path

    import manpower.law

    folder = Path(manpower.law.__file__).parent
    modules = {p.name for p in folder.glob("*.py")} - {"__init__.py", "cli.py", "codes.py"}
    assert modules <= set(RULE_MODULES)
