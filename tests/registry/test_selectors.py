from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from manpower.registry.selectors import establishment_workforce
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_omanisation_ratio_counts_current_employment_only():
    est = f.establishment()
    for _ in range(3):
        f.employ(est, f.person(nationality="OM"), occupation="4110")
    for _ in range(6):
        f.employ(est, f.person(nationality="BD"))
    f.employ(est, f.person(nationality="OM"), end=date(2023, 12, 31))  # left before today
    f.employ(est, f.person(nationality="IN"), start=date(2099, 1, 1))  # not started yet
    workforce = establishment_workforce(est, on=date(2026, 1, 1))
    assert (workforce.headcount, workforce.omani, workforce.non_omani) == (9, 3, 6)
    assert workforce.omanisation_ratio == Decimal("33.33")


def test_an_establishment_without_workers_has_a_zero_ratio():
    assert establishment_workforce(f.establishment()).omanisation_ratio == Decimal("0.00")


def test_workers_of_other_establishments_are_not_counted():
    mine, other = f.establishment(), f.establishment()
    f.employ(mine, f.person(nationality="OM"))
    f.employ(other, f.person(nationality="IN"))
    assert establishment_workforce(mine).omanisation_ratio == Decimal("100.00")


def test_the_workforce_is_counted_in_one_query(django_assert_num_queries):
    est = f.establishment()
    for _ in range(20):
        f.employ(est)
    with django_assert_num_queries(1):
        establishment_workforce(est)
