"""Calendar arithmetic the law counts in: months, anniversaries and ages."""

from __future__ import annotations

import calendar
import datetime as dt
import functools

from manpower.law.errors import LawError


@functools.lru_cache(maxsize=65536)  # the same few days are asked for over and over
def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the 31st becomes the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise LawError("date_out_of_range", day=day, months=months,
                       en="{day} and {months} months is beyond the calendar: check the dates given.",
                       ar="التاريخ {day} مع {months} شهرًا يتجاوز التقويم: تحقّق من التواريخ المُدخلة.")
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def complete_months(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 if ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while add_months(start, months) > end:
        months -= 1
    return months


def started_months(start: dt.date, end: dt.date) -> int:
    """Months from ``start`` to ``end`` where a started month counts as a whole one."""
    months = complete_months(start, end)
    return months + (1 if add_months(start, months) < end else 0)


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Age in completed years; someone born on 29 February is a year older on 28 February."""
    years = on.year - date_of_birth.year
    if add_years(date_of_birth, years) > on:
        years -= 1
    return years


def whole_years_and_days(start: dt.date, end: dt.date) -> tuple[int, int]:
    """Completed years from ``start`` to ``end`` counted by anniversaries, and the days left over."""
    if end <= start:
        return 0, 0
    years = end.year - start.year
    while add_years(start, years) > end:
        years -= 1
    return years, (end - add_years(start, years)).days
