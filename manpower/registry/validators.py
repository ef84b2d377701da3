"""Checks of identifiers as people type them; each failure is a DomainError with a specific code."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from manpower.core.errors import DomainError

CR_NUMBER = re.compile(r"^\d{7,8}$")
CIVIL_ID = re.compile(r"^\d{8,9}$")
PASSPORT = re.compile(r"^[A-Z0-9]{6,9}$")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
OMAN_PHONE = re.compile(r"^\+968[279]\d{7}$")
AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,3})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Control characters and the bidirectional overrides and isolates, which can make a name display as another.
UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def normalise_digits(value: str) -> str:
    """Accept Arabic-Indic and Eastern Arabic-Indic digits, as typed on Arabic keyboards."""
    return value.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"))


def clean_cr_number(value: str, field: str = "cr_number") -> str:
    value = normalise_digits(str(value or "")).strip()
    if not CR_NUMBER.match(value):
        raise DomainError("invalid_cr_number", field=field)
    return value


def clean_civil_id(value: str, field: str = "civil_id") -> str:
    # The Royal Oman Police publish no check-digit algorithm for the civil number; we check the form
    # (8 or 9 digits, not one repeated digit) and leave identity itself to the civil-status register.
    value = normalise_digits(str(value or "")).strip().replace(" ", "")
    if not CIVIL_ID.match(value) or len(set(value)) == 1:
        raise DomainError("invalid_civil_id", field=field)
    return value


def clean_passport_number(value: str, field: str = "passport_number") -> str:
    value = normalise_digits(str(value or "")).strip().upper()
    if not PASSPORT.match(value):
        raise DomainError("invalid_passport_number", field=field)
    return value


def clean_phone(value: str, field: str = "phone") -> str:
    """E.164; spaces, dashes and brackets are allowed while typing, a leading 00 is read as +."""
    compact = re.sub(r"[\s\-().]", "", normalise_digits(str(value or "")))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not E164.match(compact):
        raise DomainError("invalid_phone", field=field)
    if compact.startswith("+968") and not OMAN_PHONE.match(compact):
        raise DomainError("invalid_oman_phone", field=field)
    return compact


def clean_date(value: object, field: str) -> date:
    """YYYY-MM-DD only (not the other forms ISO 8601 allows, such as 19900101 or 1990-W01-1)."""
    if isinstance(value, date):
        return value
    text = normalise_digits(str(value or "")).strip()
    if not ISO_DATE.match(text):
        raise DomainError("invalid_date", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("invalid_date", field=field) from None


# The largest amount the money columns hold (10 digits, 3 of them decimals).
MAX_OMR = Decimal("9999999.999")


def clean_omr(value: object, field: str = "basic_wage", maximum: Decimal = MAX_OMR) -> Decimal:
    """Rials as people write them: digits (Arabic-Indic too), at most 3 decimals after "." or the Arabic "٫";
    not 1e3, 1_000 or -0."""
    text = normalise_digits(str(value)).strip().replace("\u066b", ".")
    if not AMOUNT.match(text):
        raise DomainError("wage_invalid", field=field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise DomainError("wage_invalid", field=field) from None
    if amount > maximum:
        raise DomainError("amount_too_large", field=field, params={"maximum": f"{maximum:,}"})
    return amount.quantize(Decimal("0.001"))


def clean_text(value: object, field: str, maximum: int, *, required: bool = False) -> str:
    """Free text as typed, trimmed; refused when empty (if required) or longer than its column."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise DomainError("required", field=field)
    if UNSAFE_TEXT.search(text):
        raise DomainError("control_character", field=field)
    if len(text) > maximum:
        raise DomainError("too_long", field=field, params={"maximum": maximum, "length": len(text)})
    return text


def clean_email(value: object, field: str = "email") -> str:
    """An address mail can be sent to, in lower case; empty stays empty."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    text = clean_text(value, field, 254).lower()
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise DomainError("invalid_email", field=field) from None
    return text


def format_phone(value: str) -> str:
    """+968 9123 4567 for Omani numbers; other numbers as stored."""
    if OMAN_PHONE.match(value or ""):
        return f"+968 {value[4:8]} {value[8:]}"
    return value
