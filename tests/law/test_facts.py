"""Facts are read strictly: typed, immutable, every one named in errors, documented."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from manpower.law import FACTS_BY_TYPE, FactError, UnknownApplicationType, facts_from_dict, facts_to_dict
from manpower.law.facts import fact_paths

from .factories import facts

DOCS = Path(__file__).parents[2] / "docs" / "law"


@pytest.mark.parametrize("application", sorted(FACTS_BY_TYPE))
def test_facts_read_back_to_equal_facts(application: str) -> None:
    read = facts_from_dict(application, facts(application))
    assert facts_from_dict(application, json.loads(json.dumps(facts_to_dict(read)))) == read


def test_facts_are_immutable_and_slotted() -> None:
    read = facts_from_dict("new_permit", facts("new_permit"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.worker.medical_fitness = "unfit"  # type: ignore[misc]
    assert not hasattr(read.worker, "__dict__")


@pytest.mark.parametrize("value", [1, "true", None])
def test_a_boolean_must_be_true_or_false(value: object) -> None:
    with pytest.raises(FactError) as raised:
        facts_from_dict("new_permit", facts("new_permit", {"establishment": {"has_unpaid_dues": value}}))
    assert raised.value.fact == "establishment.has_unpaid_dues"
    assert raised.value.expected == "true or false"


def test_a_count_must_be_a_whole_number_and_not_negative() -> None:
    for value in (True, "3", 2.5, -1):
        with pytest.raises(FactError) as raised:
            facts_from_dict("new_permit", facts("new_permit", {"establishment": {"omani_employees": value}}))
        assert raised.value.fact == "establishment.omani_employees"


def test_null_is_accepted_only_where_a_fact_may_be_unknown() -> None:
    with pytest.raises(FactError) as raised:
        facts_from_dict("new_permit", facts("new_permit", {"establishment": {"cr_number": None}}))
    assert raised.value.fact == "establishment.cr_number"
    read = facts_from_dict("new_permit", facts("new_permit", {"worker": {"medical_fitness": None}}))
    assert read.worker.medical_fitness is None


def test_an_error_speaks_both_languages_and_names_the_fact() -> None:
    with pytest.raises(FactError) as raised:
        facts_from_dict("new_permit", facts("new_permit", {"worker": {"date_of_birth": "yesterday"}}))
    error = raised.value
    assert "worker.date_of_birth" in error.message("en") and "worker.date_of_birth" in error.message("ar")
    assert error.to_dict()["code"] == "fact_wrong_type"


def test_an_unknown_application_type_is_refused() -> None:
    with pytest.raises(UnknownApplicationType) as raised:
        facts_from_dict("visa", {})
    assert "new_permit" in raised.value.message("en")


def test_money_keeps_three_places() -> None:
    read = facts_from_dict("new_permit", facts("new_permit", {"basic_wage": 220}))
    assert str(read.basic_wage) == "220.000"


def test_dates_are_iso_dates() -> None:
    read = facts_from_dict("new_permit", facts("new_permit"))
    assert read.worker.date_of_birth == dt.date(1990, 5, 17)


@pytest.mark.parametrize("application", sorted(FACTS_BY_TYPE))
def test_every_fact_is_documented(application: str) -> None:
    text = (DOCS / "facts.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_0-9]+(?:\.[a-z_0-9]+)*)`", text))
    missing = [path for path in fact_paths(FACTS_BY_TYPE[application]) if path.split(".")[-1] not in documented
               and path not in documented]
    assert not missing, missing


@pytest.mark.parametrize("example", sorted((DOCS / "examples").glob("*.json")), ids=lambda p: p.name)
def test_every_documented_example_reads(example: Path) -> None:
    document = json.loads(example.read_text(encoding="utf-8"))
    facts_from_dict(document["application"], document["facts"])
