"""End-of-service gratuity, sick pay and annual leave, with the arithmetic explained in both languages.

``p`` is the law as of the day of the computation (``parameters.book().on(day)``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from manpower.law.dates import add_months, add_years, complete_months, whole_years_and_days
from manpower.law.facts import CancellationFacts, EndOfService
from manpower.law.rulebook import CANCELLATION, FeeLine, entitlement

BAISA = Decimal("0.001")
ONE_DAY = dt.timedelta(days=1)

LAW_WORDS = {
    "old": ("Old law (RD 35/2003, Art 39)", "القانون القديم (المرسوم السلطاني 35/2003، المادة 39)"),
    "new": ("New law (RD 53/2023, Art 61)", "القانون الجديد (المرسوم السلطاني 53/2023، المادة 61)"),
    "domestic": ("Domestic workers (MD 574/2025)", "العمال المنزليون (القرار الوزاري 574/2025)"),
}


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of service paid at one rate: ``rate`` months of basic wage per year of service."""

    law: str
    first_day: dt.date
    last_day: dt.date
    years: int
    days: int
    rate: Decimal
    amount: Decimal  # not yet rounded

    def explain(self, lang: str, wage: Decimal, day_count: int) -> str:
        law = LAW_WORDS[self.law][1 if lang == "ar" else 0]
        if lang == "ar":
            return (f"{law}، من {self.first_day} إلى {self.last_day}: ({self.years} سنة و{self.days} يومًا من "
                    f"{day_count}) × {self.rate} شهر × {wage} ريال = {self.amount.quantize(BAISA)} ريال")
        return (f"{law}, {self.first_day} to {self.last_day}: ({self.years} years + {self.days}/{day_count} "
                f"days) × {self.rate} month × RO {wage} = RO {self.amount.quantize(BAISA)}")


@dataclass(frozen=True, slots=True)
class Gratuity:
    amount: Decimal
    wage: Decimal
    periods: tuple[Period, ...]
    notes_en: tuple[str, ...]
    notes_ar: tuple[str, ...]
    day_count: int

    def explain(self, lang: str = "en") -> str:
        lines = [period.explain(lang, self.wage, self.day_count) for period in self.periods]
        lines += list(self.notes_ar if lang == "ar" else self.notes_en)
        total = f"المجموع: {self.amount} ريال" if lang == "ar" else f"Total: RO {self.amount}"
        return "\n".join([*lines, total])


def _span(law: str, first: dt.date, end_exclusive: dt.date, rate: Decimal, wage: Decimal,
          day_count: int) -> Period:
    years, days = whole_years_and_days(first, end_exclusive)
    amount = wage * rate * (Decimal(years) + Decimal(days) / day_count)
    return Period(law, first, end_exclusive - ONE_DAY, years, days, rate, amount)


def gratuity(service: EndOfService, p: Any, *, domestic: bool = False) -> Gratuity:
    """The end-of-service gratuity for a non-Omani worker's service, split between the old and new laws.

    Service before ``benefits.gratuity_new_law_rates_from`` is paid at old-law rates if the right had
    arisen under the old law (at least a year's service); otherwise the whole service is paid at the
    new-law rate (MoL transitional clarification, 2024). Nothing is due on dismissal under Art 40.
    """
    wage = service.last_basic_wage
    b = p.benefits
    day_count = b.gratuity_day_count
    notes_en: list[str] = []
    notes_ar: list[str] = []
    if service.reason == "dismissal_article_40":
        return Gratuity(Decimal("0.000"), wage, (), (
            "Dismissal under Art 40 of RD 53/2023: no gratuity is due.",), (
            "الفصل وفق المادة 40 من المرسوم السلطاني 53/2023: لا تستحق مكافأة.",), day_count)
    start, end = service.service_start, service.last_working_day + ONE_DAY
    if end > b.savings_scheme_from:
        end = max(start, b.savings_scheme_from)
        notes_en.append(f"Service from {b.savings_scheme_from} is covered by the Social Protection Fund "
                        "savings scheme (RD 52/2023 Arts 137–139), not by this gratuity.")
        notes_ar.append(f"الخدمة ابتداءً من {b.savings_scheme_from} يشملها نظام الادخار لدى صندوق الحماية "
                        "الاجتماعية (المرسوم السلطاني 52/2023، المواد 137–139) لا هذه المكافأة.")
    periods: list[Period] = []
    if domestic:
        years, _ = whole_years_and_days(start, end)
        if years < b.domestic_gratuity_minimum_years:
            notes_en.append(f"Service of {years} full years is under the {b.domestic_gratuity_minimum_years} years "
                            "from which MD 574/2025 grants the end-of-service benefit.")
            notes_ar.append(f"مدة الخدمة {years} سنة كاملة، وهي أقل من {b.domestic_gratuity_minimum_years} سنة "
                            "التي يستحق بعدها العامل المنزلي المكافأة وفق القرار الوزاري 574/2025.")
        else:
            periods.append(_span("domestic", start, end, b.domestic_gratuity_rate, wage, day_count))
    else:
        split = b.gratuity_new_law_rates_from
        minimum = b.gratuity_old_law_minimum_years
        if end <= split:  # all of it under the old law
            if whole_years_and_days(start, end)[0] < minimum:
                notes_en.append(f"Service of less than {minimum} year under the old law: no gratuity "
                                "(RD 35/2003, Art 39).")
                notes_ar.append(f"خدمة أقل من {minimum} سنة في ظل القانون القديم: لا مكافأة "
                                "(المرسوم السلطاني 35/2003، المادة 39).")
            else:
                periods += _old_law_periods(start, end, b.gratuity_old_law, wage, day_count)
        elif start >= split:  # all of it under the new law
            periods.append(_span("new", start, end, b.gratuity_new_law_rate, wage, day_count))
        elif whole_years_and_days(start, split)[0] >= minimum:  # the right arose under the old law
            periods += _old_law_periods(start, split, b.gratuity_old_law, wage, day_count)
            periods.append(_span("new", split, end, b.gratuity_new_law_rate, wage, day_count))
        else:  # less than the old law's minimum before the split: the right arose under the new law only
            notes_en.append("The right arose only under the new law, so the whole service is paid at the "
                            "new-law rate (MoL transitional clarification, 2024).")
            notes_ar.append("نشأ الحق في ظل القانون الجديد وحده، فتُحتسب الخدمة كلها بسعر القانون الجديد "
                            "(توضيح وزارة العمل الانتقالي، 2024).")
            periods.append(_span("new", start, end, b.gratuity_new_law_rate, wage, day_count))
    amount = sum((period.amount for period in periods), Decimal(0)).quantize(BAISA, ROUND_HALF_UP)
    return Gratuity(amount, wage, tuple(periods), tuple(notes_en), tuple(notes_ar), day_count)


def _old_law_periods(start: dt.date, end: dt.date, rates: Any, wage: Decimal, day_count: int) -> list[Period]:
    """15 days' (half a month's) wage a year for the first years, a month's wage a year after."""
    first_years = int(rates["first_years"])
    boundary = add_years(start, first_years)
    if end <= boundary:
        return [_span("old", start, end, rates["first_years_rate"], wage, day_count)]
    return [_span("old", start, boundary, rates["first_years_rate"], wage, day_count),
            _span("old", boundary, end, rates["later_rate"], wage, day_count)]


@entitlement("end-of-service-gratuity", applies_to=(CANCELLATION,),
             cites="Labour Law RD 53/2023, Arts 40 and 61; RD 35/2003, Art 39; MoL transitional clarification "
                   "(2024); MD 574/2025 for domestic workers (OMAN-RULES §1.10, §2.11)",
             cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادتان 40 و61؛ المرسوم السلطاني 35/2003، "
                      "المادة 39؛ التوضيح الانتقالي لوزارة العمل (2024)؛ القرار الوزاري 574/2025 للعمال المنزليين")
def end_of_service_gratuity(f: CancellationFacts, p: Any) -> list[FeeLine] | None:
    if f.end_of_service is None:
        return None
    result = gratuity(f.end_of_service, p, domestic=f.establishment.is_household)
    return [FeeLine("gratuity", result.amount, arithmetic_en=result.explain("en"),
                    arithmetic_ar=result.explain("ar"))]


# ------------------------------------------------------------------------------------------- sick pay
@dataclass(frozen=True, slots=True)
class SickPay:
    amount: Decimal
    lines_en: tuple[str, ...]
    lines_ar: tuple[str, ...]

    def explain(self, lang: str = "en") -> str:
        lines = self.lines_ar if lang == "ar" else self.lines_en
        total = f"المجموع: {self.amount} ريال" if lang == "ar" else f"Total: RO {self.amount}"
        return "\n".join([*lines, total])


def sick_leave_pay(monthly_gross_wage: Decimal, days: int, p: Any, *, days_taken_before: int = 0,
                   domestic: bool = False) -> SickPay:
    """Pay for ``days`` of sick leave in a year, after ``days_taken_before`` already taken that year."""
    daily = monthly_gross_wage / p.benefits.month_days
    if domestic:
        tiers = [{"to_day": p.benefits.domestic_sick_leave_days, "percent": 100}]
    else:
        tiers = list(p.benefits.sick_leave_tiers)
    amount = Decimal(0)
    lines_en: list[str] = []
    lines_ar: list[str] = []
    day, last = days_taken_before, days_taken_before + days
    lower = 0
    for tier in tiers:
        upper = int(tier["to_day"])
        covered = max(0, min(last, upper) - max(day, lower))
        if covered:
            part = daily * covered * Decimal(tier["percent"]) / 100
            amount += part
            lines_en.append(f"Days {lower + 1}–{upper}: {covered} days × {tier['percent']}% × RO "
                            f"{daily.quantize(BAISA)} = RO {part.quantize(BAISA)}")
            lines_ar.append(f"الأيام {lower + 1}–{upper}: {covered} يومًا × {tier['percent']}% × "
                            f"{daily.quantize(BAISA)} ريال = {part.quantize(BAISA)} ريال")
        lower = upper
    unpaid = max(0, last - max(day, lower))
    if unpaid:
        lines_en.append(f"{unpaid} days beyond day {lower} of the year are unpaid.")
        lines_ar.append(f"{unpaid} يومًا بعد اليوم {lower} من السنة بلا أجر.")
    return SickPay(amount.quantize(BAISA, ROUND_HALF_UP), tuple(lines_en), tuple(lines_ar))


# ----------------------------------------------------------------------------------------- annual leave
@dataclass(frozen=True, slots=True)
class AnnualLeave:
    days_per_year: int
    eligible: bool
    eligible_from: dt.date
    explanation_en: str
    explanation_ar: str

    def explain(self, lang: str = "en") -> str:
        return self.explanation_ar if lang == "ar" else self.explanation_en


def annual_leave(service_start: dt.date, on: dt.date, p: Any, *, domestic: bool = False) -> AnnualLeave:
    """Paid annual leave a year and whether it may be taken yet (after the qualifying months)."""
    days = p.contracts.domestic_min_annual_leave_days if domestic else p.contracts.min_annual_leave_days
    months = p.benefits.annual_leave_qualifying_months
    eligible_from = add_months(service_start, months)
    eligible = complete_months(service_start, on) >= months
    en = (f"{days} days' paid leave a year, available after {months} months' service (from {eligible_from}); "
          + ("available now." if eligible else "not yet available."))
    ar = (f"{days} يومًا إجازة مدفوعة في السنة، تُستحق بعد {months} أشهر خدمة (من {eligible_from})؛ "
          + ("مستحقة الآن." if eligible else "غير مستحقة بعد."))
    return AnnualLeave(days, eligible, eligible_from, en, ar)


def unused_leave_pay(days: int, monthly_basic_wage: Decimal, p: Any) -> Decimal:
    """Pay for unused leave at the end of the contract: a day's basic wage per day."""
    daily = monthly_basic_wage / Decimal(p.benefits.month_days)
    return (daily * days).quantize(BAISA, ROUND_HALF_UP)
