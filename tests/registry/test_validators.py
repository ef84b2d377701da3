from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from manpower.core.errors import DomainError
from manpower.registry import validators as v


@pytest.mark.parametrize("value", ["1234567", "12345678", "١٢٣٤٥٦٧"])
def test_cr_numbers_of_seven_or_eight_digits_are_accepted(value):
    assert v.clean_cr_number(value).isdigit()


@pytest.mark.parametrize("value", ["123456", "123456789", "12a4567", "", "1234 567"])
def test_malformed_cr_numbers_are_refused(value):
    with pytest.raises(DomainError) as error:
        v.clean_cr_number(value)
    assert (error.value.code, error.value.field) == ("invalid_cr_number", "cr_number")


def test_civil_id_checks_form_and_refuses_a_repeated_digit():
    assert v.clean_civil_id("12345678") == "12345678"
    assert v.clean_civil_id("١٢٣٤٥٦٧٨٩") == "123456789"
    for bad in ("1234567", "1234567890", "11111111", "1234567X"):
        with pytest.raises(DomainError, match="invalid_civil_id"):
            v.clean_civil_id(bad)


def test_passport_numbers_are_upper_cased_and_checked():
    assert v.clean_passport_number(" p8812345 ") == "P8812345"
    for bad in ("P88", "P88-12345", "ABCDEFGHIJ"):
        with pytest.raises(DomainError, match="invalid_passport_number"):
            v.clean_passport_number(bad)


def test_phone_numbers_are_stored_in_e164_and_shown_grouped():
    assert v.clean_phone("+968 9123 4567") == "+96891234567"
    assert v.clean_phone("00968-7123-4567") == "+96871234567"
    assert v.clean_phone("+91 98765 43210") == "+919876543210"
    assert v.format_phone("+96891234567") == "+968 9123 4567"
    with pytest.raises(DomainError) as error:
        v.clean_phone("+968 5123 4567")
    assert error.value.code == "invalid_oman_phone"
    with pytest.raises(DomainError) as error:
        v.clean_phone("91234567")
    assert error.value.code == "invalid_phone"


def test_dates_and_money():
    assert v.clean_date("2026-02-28", "start_date") == date(2026, 2, 28)
    with pytest.raises(DomainError) as error:
        v.clean_date("2026-02-30", "start_date")
    assert (error.value.code, error.value.field) == ("invalid_date", "start_date")
    assert v.clean_omr("325.5") == Decimal("325.500")
    for bad in ("12.3456", "-1", "abc", "NaN"):
        with pytest.raises(DomainError, match="wage_invalid"):
            v.clean_omr(bad)


def test_messages_come_in_the_users_language():
    error = DomainError("invalid_phone", field="phone")
    assert "international form" in error.message("en")
    arabic = error.message("ar")
    assert arabic != error.message("en") and any("\u0600" <= ch <= "\u06ff" for ch in arabic)
