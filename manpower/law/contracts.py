"""Validity of an employment contract: Labour Law RD 53/2023, and MD 574/2025 for domestic workers.

The contract rules are encoded from the day the new law took effect; the old law's contract rules are not.
Domestic and farm workers of a household follow MD 574/2025 from 13 Oct 2025 and are referred to an
officer before it (MD 189/2004 is not encoded).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from manpower.law.dates import add_months, add_years, age_on, complete_months
from manpower.law.facts import ContractFacts
from manpower.law.rulebook import CONTRACT, Check, rule


@rule("contract-in-writing", applies_to=(CONTRACT,), since="labour_law_2023",
      cites="Labour Law RD 53/2023, Art 33 (written, in Arabic; the Arabic text prevails); MD 574/2025 for "
            "domestic workers (OMAN-RULES §1.4, §2.11)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادة 33 (كتابةً وباللغة العربية، ويُعتدّ بالنص "
               "العربي)؛ القرار الوزاري 574/2025 للعمال المنزليين")
def contract_in_writing(f: ContractFacts, p: Any) -> Check:
    if not f.contract.is_written:
        return Check.failed("contract_not_written")
    if not f.contract.has_arabic_text:
        return Check.failed("contract_not_in_arabic")
    return Check.passed()


@rule("contract-term", applies_to=(CONTRACT,), since="labour_law_2023",
      cites="Labour Law RD 53/2023, Arts 34 and 35 (fixed term at most 5 years; beyond, the contract is "
            "indefinite) (OMAN-RULES §1.4)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادتان 34 و35 (المدة المحددة خمس سنوات على "
               "الأكثر، وما جاوزها يُعدّ غير محدد المدة)")
def contract_term(f: ContractFacts, p: Any) -> Check | None:
    c = f.contract
    if f.is_domestic or c.term != "fixed":
        return None
    assert c.end_date is not None
    years = p.contracts.max_fixed_term_years
    months = complete_months(c.start_date, c.end_date) + c.previous_fixed_term_months
    if add_months(c.start_date, years * 12 - c.previous_fixed_term_months) < c.end_date:
        return Check.passed("contract_treated_as_indefinite", months=months, years=years)
    return Check.passed()


@rule("probation-limit", applies_to=(CONTRACT,), since="labour_law_2023",
      cites="Labour Law RD 53/2023, Art 37 (at most 3 months if paid monthly, 2 months otherwise; once with "
            "the same employer) (OMAN-RULES §1.5)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادة 37 (ثلاثة أشهر على الأكثر لمن يتقاضى أجره "
               "شهريًّا وشهران لغيره؛ ومرة واحدة لدى صاحب العمل نفسه)")
def probation_limit(f: ContractFacts, p: Any) -> Check | None:
    c = f.contract
    if f.is_domestic:
        return None
    if c.probation_days == 0:
        return Check.passed()
    if c.had_probation_before:
        return Check.failed("probation_repeated")
    months = p.contracts.probation_max_months[c.pay_basis]
    latest_end = add_months(c.start_date, months)
    if c.start_date + dt.timedelta(days=c.probation_days) > latest_end:
        return Check.failed("probation_too_long", days=c.probation_days, months=months,
                            latest_end=latest_end - dt.timedelta(days=1))
    return Check.passed()


@rule("working-hours", applies_to=(CONTRACT,), since="labour_law_2023",
      cites="Labour Law RD 53/2023 (8 hours a day and 40 a week; Art 70 per a secondary source) "
            "(OMAN-RULES §1.8)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023 (8 ساعات يوميًّا و40 ساعة أسبوعيًّا)")
def working_hours(f: ContractFacts, p: Any) -> Check | None:
    if f.is_domestic:
        return None
    c, limit = f.contract, p.contracts.working_hours
    if c.daily_hours > limit["daily"]:
        return Check.failed("daily_hours_exceeded", hours=c.daily_hours, maximum=limit["daily"])
    if c.weekly_hours > limit["weekly"]:
        return Check.failed("weekly_hours_exceeded", hours=c.weekly_hours, maximum=limit["weekly"])
    return Check.passed()


@rule("weekly-rest", applies_to=(CONTRACT,), since="labour_law_2023",
      cites="Labour Law RD 53/2023 (two consecutive paid rest days a week; Art 77 per a secondary source) "
            "(OMAN-RULES §1.8)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023 (يوما راحة متتاليان مدفوعا الأجر أسبوعيًّا)")
def weekly_rest(f: ContractFacts, p: Any) -> Check | None:
    if f.is_domestic:
        return None
    if f.contract.rest_days_per_week < p.contracts.min_rest_days:
        return Check.failed("rest_days_too_few", days=f.contract.rest_days_per_week,
                            minimum=p.contracts.min_rest_days)
    return Check.passed()


@rule("annual-leave", applies_to=(CONTRACT,), since="labour_law_2023",
      cites="Labour Law RD 53/2023 (at least 30 days' paid leave a year, after 6 months' service) "
            "(OMAN-RULES §1.9)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023 (إجازة سنوية مدفوعة لا تقل عن 30 يومًا بعد ستة "
               "أشهر من الخدمة)")
def annual_leave(f: ContractFacts, p: Any) -> Check | None:
    if f.is_domestic:
        return None
    if f.contract.annual_leave_days < p.contracts.min_annual_leave_days:
        return Check.failed("annual_leave_too_short", days=f.contract.annual_leave_days,
                            minimum=p.contracts.min_annual_leave_days)
    return Check.passed()


@rule("notice-period", applies_to=(CONTRACT,), since="labour_law_2023",
      cites="Labour Law RD 53/2023, Art 36 (non-renewal notice, at least one month from the employer); notice "
            "to end an indefinite contract 30/15 days (old Art 37; new article unverified) (OMAN-RULES §1.4, §1.6)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادة 36 (الإخطار بعدم التجديد، شهر على الأقل "
               "من صاحب العمل)؛ مهلة إنهاء العقد غير محدد المدة 30/15 يومًا")
def notice_period(f: ContractFacts, p: Any) -> Check | None:
    c = f.contract
    if f.is_domestic:
        return None
    if c.term == "fixed":
        minimum = p.contracts.non_renewal_notice_min_days
        if c.non_renewal_notice_days is None:
            return Check.failed("non_renewal_notice_missing", minimum=minimum)
        if c.non_renewal_notice_days < minimum:
            return Check.failed("non_renewal_notice_too_short", days=c.non_renewal_notice_days, minimum=minimum)
        return Check.passed()
    minimum = p.contracts.notice_min_days[c.pay_basis]
    if c.notice_days < minimum:
        return Check.failed("notice_too_short", days=c.notice_days, minimum=minimum)
    return Check.passed()


# --------------------------------------------------------------------------------- domestic workers
@rule("domestic-regulation-pending", applies_to=(CONTRACT,), since="labour_law_2023", until="md_574_2025",
      cites="MD 189/2004 (domestic workers, not encoded), replaced by MD 574/2025 from 13 Oct 2025 "
            "(OMAN-RULES §2.11)",
      cites_ar="القرار الوزاري 189/2004 (العمال المنزليون، غير مرمَّز)، الذي حل محله القرار الوزاري 574/2025 "
               "من 13 أكتوبر 2025")
def domestic_regulation_pending(f: ContractFacts, p: Any) -> Check | None:
    if not f.is_domestic:
        return None
    return Check.refer("domestic_old_regulation")


@rule("domestic-minimum-age", applies_to=(CONTRACT,), since="md_574_2025",
      cites="Ministerial Decision 574/2025 (no one under 21 employed as a domestic worker) (OMAN-RULES §2.11)",
      cites_ar="القرار الوزاري 574/2025 (لا يُشغَّل عامل منزلي دون 21 سنة)")
def domestic_minimum_age(f: ContractFacts, p: Any) -> Check | None:
    if not f.is_domestic:
        return None
    age = age_on(f.worker.date_of_birth, f.contract.start_date)
    if age < p.contracts.domestic_min_age:
        return Check.failed("domestic_worker_too_young", age=age, minimum=p.contracts.domestic_min_age,
                            adult_on=add_years(f.worker.date_of_birth, p.contracts.domestic_min_age))
    return Check.passed()


@rule("domestic-working-time", applies_to=(CONTRACT,), since="md_574_2025",
      cites="Ministerial Decision 574/2025 (at most 12 hours a day; one paid rest day a week) (OMAN-RULES §2.11)",
      cites_ar="القرار الوزاري 574/2025 (12 ساعة يوميًّا على الأكثر؛ يوم راحة مدفوع الأجر أسبوعيًّا)")
def domestic_working_time(f: ContractFacts, p: Any) -> Check | None:
    if not f.is_domestic:
        return None
    c = f.contract
    if c.daily_hours > p.contracts.domestic_max_daily_hours:
        return Check.failed("daily_hours_exceeded", hours=c.daily_hours,
                            maximum=p.contracts.domestic_max_daily_hours)
    if c.rest_days_per_week < p.contracts.domestic_min_rest_days:
        return Check.failed("rest_days_too_few", days=c.rest_days_per_week,
                            minimum=p.contracts.domestic_min_rest_days)
    return Check.passed()


@rule("domestic-leave-and-probation", applies_to=(CONTRACT,), since="md_574_2025",
      cites="Ministerial Decision 574/2025 (at least 21 days' annual leave; probation at most 15 days, once) "
            "(OMAN-RULES §2.11)",
      cites_ar="القرار الوزاري 574/2025 (إجازة سنوية لا تقل عن 21 يومًا؛ فترة تجربة 15 يومًا على الأكثر ولمرة "
               "واحدة)")
def domestic_leave_and_probation(f: ContractFacts, p: Any) -> Check | None:
    if not f.is_domestic:
        return None
    c = f.contract
    if c.annual_leave_days < p.contracts.domestic_min_annual_leave_days:
        return Check.failed("annual_leave_too_short", days=c.annual_leave_days,
                            minimum=p.contracts.domestic_min_annual_leave_days)
    if c.probation_days and c.had_probation_before:
        return Check.failed("probation_repeated")
    if c.probation_days > p.contracts.domestic_probation_max_days:
        return Check.failed("domestic_probation_too_long", days=c.probation_days,
                            maximum=p.contracts.domestic_probation_max_days)
    return Check.passed()
