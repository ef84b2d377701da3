"""End-of-service gratuity, sick pay and leave, with the arithmetic shown in both languages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from manpower.law import annual_leave, gratuity, law_on, sick_leave_pay, unused_leave_pay
from manpower.law.facts import EndOfService

P = law_on(dt.date(2025, 11, 10))


def service(start: str, last: str, wage: str, reason: str = "end_of_contract") -> EndOfService:
    return EndOfService(dt.date.fromisoformat(start), dt.date.fromisoformat(last), Decimal(wage), reason)  # type: ignore[arg-type]


def test_the_ministrys_example_is_explained_period_by_period() -> None:
    result = gratuity(service("2021-08-01", "2025-07-31", "500.000"), P)
    assert result.amount == Decimal("1500.000")
    assert [(p.law, p.rate, p.amount) for p in result.periods] == [
        ("old", Decimal("0.5"), Decimal("500.000")), ("new", Decimal("1"), Decimal("1000.000"))]
    english, arabic = result.explain("en"), result.explain("ar")
    assert "2021-08-01 to 2023-07-31" in english and "RD 35/2003, Art 39" in english and "Total: RO 1500.000" in english
    assert "المادة 61" in arabic and "1500.000 ريال" in arabic


def test_the_old_law_pays_a_month_a_year_after_three_years() -> None:
    result = gratuity(service("2015-08-01", "2023-07-31", "1000.000"), P)
    assert [p.rate for p in result.periods] == [Decimal("0.5"), Decimal("1")]
    assert result.amount == Decimal("6500.000")


def test_article_40_dismissal_pays_nothing_and_says_why() -> None:
    result = gratuity(service("2015-08-01", "2025-07-31", "1000.000", "dismissal_article_40"), P)
    assert result.amount == Decimal("0.000") and "Art 40" in result.explain("en") and "المادة 40" in result.explain("ar")


def test_the_domestic_benefit_needs_two_years() -> None:
    assert gratuity(service("2023-11-11", "2025-11-09", "150.000"), P, domestic=True).amount == Decimal("0.000")
    assert gratuity(service("2023-11-10", "2025-11-09", "150.000"), P, domestic=True).amount == Decimal("150.000")


def test_sick_pay_follows_the_four_tiers() -> None:
    pay = sick_leave_pay(Decimal("300.000"), 40, P)
    # 21 days at 100%, 14 at 75%, 5 at 50% of RO 10 a day
    assert pay.amount == Decimal("340.000")
    assert "Days 22–35: 14 days × 75%" in pay.explain("en") and "75%" in pay.explain("ar")


def test_sick_pay_continues_from_the_days_already_taken() -> None:
    pay = sick_leave_pay(Decimal("300.000"), 10, P, days_taken_before=30)
    assert pay.amount == Decimal("62.500")  # 5 days at 75% and 5 at 50%


def test_sick_leave_beyond_182_days_is_unpaid() -> None:
    pay = sick_leave_pay(Decimal("300.000"), 10, P, days_taken_before=180)
    assert pay.amount == Decimal("7.000") and "8 days beyond day 182" in pay.explain("en")


def test_a_domestic_worker_has_30_days_of_full_sick_pay() -> None:
    pay = sick_leave_pay(Decimal("150.000"), 35, P, domestic=True)
    assert pay.amount == Decimal("150.000")


def test_annual_leave_is_available_after_six_months() -> None:
    start = dt.date(2025, 1, 1)
    assert not annual_leave(start, dt.date(2025, 6, 30), P).eligible
    leave = annual_leave(start, dt.date(2025, 7, 1), P)
    assert leave.eligible and leave.days_per_year == 30 and "2025-07-01" in leave.explain("en")
    assert annual_leave(start, dt.date(2025, 7, 1), P, domestic=True).days_per_year == 21


def test_unused_leave_is_paid_at_a_days_basic_wage() -> None:
    assert unused_leave_pay(10, Decimal("300.000"), P) == Decimal("100.000")
