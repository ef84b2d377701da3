"""Effective-dated parameters: well formed, refused outside their dates, and each choice a one-line change."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import manpower.law
from manpower.law import LawError, ParameterError, evaluate, facts_from_dict, parameter
from manpower.law import parameters as parameters_module
from manpower.law.parameters import UNITS, ParameterBook, book
from manpower.law.rulebook import rule_documents, rule_sources, version_of

from .factories import facts

LAW = Path(manpower.law.__file__).parent


def test_every_parameter_is_described_in_both_languages_with_a_unit_and_a_reference_per_value() -> None:
    for p in book():
        assert p.description_en and p.description_ar, p.name
        assert p.unit in UNITS, p.name
        assert p.values, p.name
        for value in p.values:
            assert value.reference, f"{p.name} from {value.start}"


def test_money_is_decimal_with_three_places() -> None:
    def leaves(value: Any) -> Iterator[Any]:
        if isinstance(value, dict) or hasattr(value, "items"):
            for item in value.values():
                yield from leaves(item)
        elif isinstance(value, tuple):
            for item in value:
                yield from leaves(item)
        else:
            yield value

    for p in book():
        if p.unit == "OMR":
            for value in p.values:
                for amount in leaves(value.value):
                    assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -3, p.name


def test_every_open_question_is_a_recorded_choice_with_a_note() -> None:
    choices = [p for p in book() if p.open_question]
    assert {p.name for p in choices} >= {"fees.rounding", "fines.part_month", "fees.investor",
                                         "benefits.gratuity_new_law_rates_from", "contracts.notice_min_days"}
    for p in choices:
        assert p.note, p.name


def test_reading_before_the_first_value_is_an_error_naming_the_parameter() -> None:
    with pytest.raises(ParameterError) as raised:
        parameter("fines.late_renewal", dt.date(2025, 10, 25))
    assert raised.value.code == "parameter_not_in_force"
    assert raised.value.parameter == "fines.late_renewal"
    assert "2025-10-26" in raised.value.message("en") and raised.value.message("ar")


def test_reading_an_ended_parameter_is_an_error() -> None:
    assert parameter("worker.maximum_age", dt.date(2022, 1, 25)) == 60
    with pytest.raises(ParameterError) as raised:
        parameter("worker.maximum_age", dt.date(2022, 1, 26))
    assert raised.value.code == "parameter_ended"


def test_an_unknown_parameter_is_named() -> None:
    with pytest.raises(LawError) as raised:
        parameter("permits.no_such_thing", dt.date(2025, 1, 1))
    assert raised.value.code == "parameter_unknown"


def test_operational_parameters_the_platform_reads() -> None:
    on = dt.date(2026, 1, 1)
    assert parameter("permits.validity_months", on) == 24
    assert parameter("permits.validity_months", dt.date(2025, 10, 25)) == 15
    assert parameter("permits.work_permit_validity_months", on) == 24
    assert parameter("permits.lapse_days", on) == 30
    assert parameter("contracts.offer_deadline_days", on) == 14
    assert parameter("permits.expiry_reminder_days", on) == (60, 30, 7)


def test_each_value_takes_effect_on_its_day() -> None:
    categories = book().parameters["fees.omanisation_modifier"]
    assert categories.at(dt.date(2025, 10, 25)).value["not_met"] == Decimal("1")
    assert categories.at(dt.date(2025, 10, 26)).value["not_met"] == Decimal("2")


@pytest.mark.parametrize("text, message", [
    ('x:\n  description: {en: a, ar: ب}\n  unit: OMR\n  values:\n    2020-01-01: {value: "1.0", reference: r}\n',
     "exactly 3 decimals"),
    ('x:\n  description: {en: a, ar: ب}\n  unit: OMR\n  values:\n    2020-01-01: {value: "1.000"}\n',
     "needs `value` and `reference`"),
    ('x:\n  description: {en: a}\n  unit: days\n  values:\n    2020-01-01: {value: 1, reference: r}\n',
     "both en and ar"),
    ('x:\n  description: {en: a, ar: ب}\n  unit: furlongs\n  values:\n    2020-01-01: {value: 1, reference: r}\n',
     "unknown unit"),
    ('x:\n  description: {en: a, ar: ب}\n  unit: days\n  open_question: why\n  values:\n'
     '    2020-01-01: {value: 1, reference: r}\n', "needs a note"),
    ('x:\n  description: {en: a, ar: ب}\n  unit: days\n  values:\n    no_such_law: {value: 1, reference: r}\n',
     "unknown instrument"),
])
def test_a_malformed_parameter_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    shutil.copy(LAW / "parameters" / "instruments.yaml", tmp_path / "instruments.yaml")
    (tmp_path / "group.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        ParameterBook(tmp_path)


# --------------------------------------------------------------- each choice is a one-line change
@pytest.fixture
def changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Copy the rule book, change one line of one parameter file, and decide with the copy."""

    def change(file: str, old: str, new: str) -> Path:
        copy = tmp_path / "law"
        shutil.copytree(LAW, copy, ignore=shutil.ignore_patterns("__pycache__"))
        path = copy / "parameters" / file
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        hits = [i for i, line in enumerate(lines) if old in line]
        assert len(hits) == 1, f"{old!r} must be on exactly one line of {file}"
        lines[hits[0]] = lines[hits[0]].replace(old, new)
        path.write_text("".join(lines), encoding="utf-8")
        other = ParameterBook(copy / "parameters")
        monkeypatch.setattr(parameters_module, "book", lambda: other)
        return copy

    return change


def decide(application: str, on: dt.date, overrides: dict[str, Any] | None = None) -> Any:
    return evaluate(application, facts_from_dict(application, facts(application, overrides)), on)


def test_rounding_discounted_fees_to_the_baisa_is_one_line(changed: Any) -> None:
    on = dt.date(2025, 11, 2)
    assert decide("new_permit", on).total == Decimal("141.000")
    changed("fees.yaml", "md_602_2025: {value: whole_rial", "md_602_2025: {value: baisa")
    assert decide("new_permit", on).total == Decimal("140.700")


def test_counting_started_months_in_fines_is_one_line(changed: Any) -> None:
    on, late = dt.date(2026, 2, 20), {"permit": {"expiry_date": "2026-01-21"}}
    assert [line.code for line in decide("renewal", on, late).fees] == ["permit_category"]
    changed("fines.yaml", "value: complete_months", "value: started_months")
    fine = [line for line in decide("renewal", on, late).fees if line.code == "late_renewal_fine"]
    assert fine[0].amount == Decimal("10.000")


def test_issuing_permits_at_double_fee_despite_an_omanisation_shortfall_is_one_line(changed: Any) -> None:
    on, short = dt.date(2025, 11, 2), {"establishment": {"omanisation_target": "40"}}
    assert decide("new_permit", on, short).outcome == "reject"
    changed("omanisation.yaml", "value: true", "value: false")
    decision = decide("new_permit", on, short)
    assert decision.outcome == "approve" and decision.total == Decimal("402.000")
    assert {c.code for c in decision.checks} >= {"omanisation_not_met_fee_doubled"}


def test_the_gratuity_split_date_is_one_line(changed: Any) -> None:
    on = dt.date(2025, 11, 10)
    service = {"end_of_service": {"service_start": "2021-08-01", "last_working_day": "2025-07-31",
                                  "last_basic_wage": "500.000", "reason": "end_of_contract"}}
    assert decide("cancellation", on, service).entitlements[0].amount == Decimal("1500.000")
    changed("benefits.yaml", "value: 2023-08-01", "value: 2023-07-26")
    # 1 Aug 2021 – 25 Jul 2023 (1 year 359 days) at RO 250 a year = 495.890,
    # 26 Jul 2023 – 31 Jul 2025 (2 years 6 days) at RO 500 a year = 1008.219
    assert decide("cancellation", on, service).entitlements[0].amount == Decimal("1504.110")


def test_the_commencement_of_md_602_2025_is_one_line(changed: Any) -> None:
    short = {"establishment": {"omanisation_target": "40"}}
    assert decide("renewal", dt.date(2025, 10, 28), short).total == Decimal("402.000")
    changed("instruments.yaml", "in_force: 2025-10-26", "in_force: 2025-11-01")
    assert decide("renewal", dt.date(2025, 10, 28), short).total == Decimal("201.000")
    assert decide("renewal", dt.date(2025, 11, 1), short).total == Decimal("402.000")


def test_the_investor_fee_amount_is_one_line(changed: Any) -> None:
    on, investor = dt.date(2025, 11, 2), {"occupation": {"is_investor": True}}
    assert decide("new_permit", on, investor).total == Decimal("301.000")
    changed("fees.yaml", '      value: "301.000"', '      value: "2301.000"')
    assert decide("new_permit", on, investor).total == Decimal("2301.000")


def test_applying_the_omanisation_discount_to_investors_is_one_line(changed: Any) -> None:
    on, investor = dt.date(2025, 11, 2), {"occupation": {"is_investor": True}}
    changed("fees.yaml", "md_602_2025: {value: false", "md_602_2025: {value: true")
    assert decide("new_permit", on, investor).total == Decimal("211.000")


def test_a_changed_parameter_changes_the_rule_set_version(changed: Any) -> None:
    original = version_of(rule_sources(), rule_documents())
    copy = changed("worker.yaml", "value: 21", "value: 18")
    assert version_of(rule_sources(copy), rule_documents(copy)) != original
    young = {"worker": {"date_of_birth": "2006-01-01"}}
    assert decide("new_permit", dt.date(2025, 11, 2), young).outcome == "approve"
