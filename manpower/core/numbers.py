"""Document numbers people read out on the phone and type into forms.

``PREFIX-YYYY-NNNNNNN-C``: the year of issue, a seven-digit sequence for that year, and a Luhn check
digit over the year and the sequence, so that a mistyped digit is caught before any look-up.
"""

from __future__ import annotations

import re

from django.db import transaction

from manpower.core.models import Sequence

NUMBER = re.compile(r"^(?P<prefix>[A-Z]{2,3})-(?P<year>\d{4})-(?P<seq>\d{7})-(?P<check>\d)$")


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def format_number(prefix: str, year: int, value: int) -> str:
    body = f"{year:04d}{value:07d}"
    return f"{prefix}-{year:04d}-{value:07d}-{luhn_check_digit(body)}"


def is_well_formed(number: str, prefix: str | None = None) -> bool:
    match = NUMBER.match(number or "")
    if match is None or (prefix is not None and match["prefix"] != prefix):
        return False
    return luhn_check_digit(match["year"] + match["seq"]) == int(match["check"])


def next_number(prefix: str, year: int) -> str:
    """Take the next number in the caller's transaction (the counter row is locked until commit)."""
    with transaction.atomic():
        counter, _ = Sequence.objects.select_for_update().get_or_create(name=prefix, year=year)
        counter.value += 1
        counter.save(update_fields=["value"])
        return format_number(prefix, year, counter.value)
