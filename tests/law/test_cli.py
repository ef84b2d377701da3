"""`manpower law check | rules | version | parameters | occupations`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from manpower.law import catalogue, ruleset_version
from manpower.law.cli import main

EXAMPLES = sorted((Path(__file__).parents[2] / "docs" / "law" / "examples").glob("*.json"))


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_decided_in_both_languages(example: Path) -> None:
    code, english = run("check", str(example))
    assert code == 0 and english.startswith("Decision: ")
    code, arabic = run("check", str(example), "--lang", "ar")
    assert code == 0 and arabic.startswith("القرار: ")
    code, text = run("check", str(example), "--json")
    decision = json.loads(text)
    assert decision["outcome"] in ("approve", "reject", "refer", "await")
    assert decision["ruleset_version"] == ruleset_version()


def test_the_ministrys_gratuity_example_is_answered_with_its_arithmetic() -> None:
    example = next(p for p in EXAMPLES if p.name == "cancellation.json")
    _, english = run("check", str(example))
    assert "RO 500.000 = RO 500.000" in english and "RO 1000.000" in english and "RO 1500.000" in english
    _, arabic = run("check", str(example), "--lang", "ar")
    assert "1500.000 ريال" in arabic and "المادة 39" in arabic


def test_a_refusal_names_the_reason_the_fix_and_the_basis(tmp_path: Path) -> None:
    document = json.loads(EXAMPLES[0].parent.joinpath("new_permit.json").read_text(encoding="utf-8"))
    document["facts"]["occupation"] = {"isco08": "8344",
                                       "esco_uri": "http://data.europa.eu/esco/occupation/eeac6251-1974-42f5-91ed-513c6c883755"}
    path = tmp_path / "reserved.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _, text = run("check", str(path))
    assert "REJECT" in text and "item 235" in text and "Fix:" in text and "Basis: Ministerial Decision 235/2022" in text


def test_the_date_option_overrides_the_file(tmp_path: Path) -> None:
    example = next(p for p in EXAMPLES if p.name == "new_permit.json")
    _, text = run("check", str(example), "--date", "2019-05-01", "--json")
    assert json.loads(text)["fees"][0]["code"] == "permit_2016"


def test_without_a_date_there_is_no_decision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    document.pop("date")
    path = tmp_path / "undated.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    code, _ = run("check", str(path))
    assert code == 2 and "--date" in capsys.readouterr().err


def test_bad_facts_are_reported_with_the_fact_and_the_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"application": "new_permit", "date": "2025-11-02", "facts": {}}), encoding="utf-8")
    code, _ = run("check", str(path), "--lang", "ar")
    assert code == 2 and "establishment" in capsys.readouterr().err
    code, text = run("check", str(path), "--json")
    assert code == 2 and json.loads(text)["error"]["code"] == "fact_missing"


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    assert run("check", str(path))[0] == 1


def test_rules_lists_the_catalogue() -> None:
    code, text = run("rules", "--json")
    assert code == 0 and len(json.loads(text)["rules"]) == len(catalogue())
    code, text = run("rules", "--lang", "ar")
    assert code == 0 and "occupation-not-reserved" in text and "القرار الوزاري 235/2022" in text


def test_version_prints_the_content_hash() -> None:
    assert run("version") == (0, ruleset_version() + "\n")


def test_parameters_on_a_date() -> None:
    code, text = run("parameters", "--date", "2026-01-01", "--json")
    rows = {row["parameter"]: row for row in json.loads(text)}
    assert code == 0 and rows["permits.validity_months"]["value"] == 24


def test_occupations_flags_items_without_a_job_title() -> None:
    code, text = run("occupations")
    assert code == 0 and "NO JOB TITLE MAPS TO THIS ITEM" in text and "forklift operator" in text


def test_the_manpower_command_dispatches_law_without_django() -> None:
    from manpower.cli import main as manpower_main

    assert manpower_main(["law", "version"]) == 0
