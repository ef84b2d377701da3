"""Document numbers: well-formed, never given twice; application numbers taken without waiting on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from manpower.core.models import Sequence
from manpower.core.numbers import is_well_formed, next_number

pytestmark = pytest.mark.django_db


def test_gap_free_numbers_follow_each_other_and_carry_a_check_digit():
    first, second = next_number("INV", 2031), next_number("INV", 2031)
    assert first.startswith("INV-2031-") and is_well_formed(first, "INV") and is_well_formed(second, "INV")
    assert int(second.split("-")[2]) == int(first.split("-")[2]) + 1
    assert Sequence.objects.get(name="INV", year=2031).value == int(second.split("-")[2])


def test_numbers_that_may_skip_continue_after_those_already_given():
    Sequence.objects.create(name="APX", year=2032, value=41)
    numbers = [next_number("APX", 2032, gap_free=False) for _ in range(3)]
    values = [int(number.split("-")[2]) for number in numbers]
    assert all(is_well_formed(number, "APX") for number in numbers)
    assert len(set(values)) == 3 and min(values) >= 42 and values == sorted(values)
    if connection.vendor == "postgresql":  # a database sequence, not the counter row (nobody waits for it)
        assert Sequence.objects.get(name="APX", year=2032).value == 41
