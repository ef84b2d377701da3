"""Fees and fines for an application, computed by the fee instrument in force on the day.

Money is Decimal with three places (baisa); a fee is rounded once, at the end, by ``fees.rounding``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from manpower.law.dates import complete_months, started_months
from manpower.law.facts import COMMUNITY_KINDS, RenewalFacts, TransferFacts
from manpower.law.omanisation import MET, NOT_PRESCRIBED, omanisation_status
from manpower.law.rulebook import CANCELLATION, NEW_PERMIT, RENEWAL, TRANSFER, FeeLine, fee

BAISA = Decimal("0.001")
RIAL = Decimal("1")
ZERO = Decimal("0.000")

CATEGORY_WORDS = {"first": ("first", "الأولى"), "second": ("second", "الثانية"), "third": ("third", "الثالثة")}
STATUS_WORDS = {
    "met": ("Omanisation percentage met", "الالتزام بنسبة التعمين"),
    "not_met": ("Omanisation percentage not met", "عدم الالتزام بنسبة التعمين"),
    "not_prescribed": ("no Omanisation percentage prescribed", "لا نسبة تعمين مقررة"),
}
LEVEL_WORDS = {"senior": ("senior", "العليا"), "middle": ("middle", "الوسطى"),
               "technical": ("technical and specialised", "الفنية والتخصصية"),
               "fisherman": ("artisanal fisherman", "الصيد الحرفي"), "other": ("other", "الأخرى")}
ROUNDING_WORDS = {"whole_rial": ("rounded to whole rials", "مقرّب إلى أقرب ريال"),
                  "baisa": ("to the baisa", "إلى أقرب بيسة")}


def rounded(amount: Decimal, p: Any) -> Decimal:
    if p.fees.rounding == "whole_rial":
        return amount.quantize(RIAL, ROUND_HALF_UP).quantize(BAISA)
    return amount.quantize(BAISA, ROUND_HALF_UP)


def longest_prefix(code: str, mapping: Any, default: str) -> str:
    for length in range(len(code), 0, -1):
        found = mapping.get(code[:length])
        if found is not None:
            return found  # type: ignore[no-any-return]
    return default


def fee_category(isco08: str, p: Any) -> str:
    """The fee category of an occupation (first, second or third) under the 2022 and 2025 schedules."""
    return longest_prefix(isco08, p.fees.category_by_occupation, "third")


def months_of_delay(since: Any, until: Any, p: Any) -> int:
    if p.fines.part_month == "started_months":
        return started_months(since, until)
    return complete_months(since, until)


# --------------------------------------------------------------------------------------- permit fees
@fee("work-permit-fee", applies_to=(NEW_PERMIT, RENEWAL, TRANSFER),
     cites="MD 340/2016; MD 12/2021; 2022 fee reduction; MD 602/2025, Appendices 1 and 4 — by the date of "
           "the application (OMAN-RULES §2.3, §2.12)",
     cites_ar="القرار الوزاري 340/2016؛ القرار الوزاري 12/2021؛ تخفيض الرسوم لعام 2022؛ القرار الوزاري "
              "602/2025، الملحقان 1 و4 — بحسب تاريخ الطلب")
def work_permit_fee(f: Any, p: Any) -> list[FeeLine] | None:
    if isinstance(f, TransferFacts) and (f.transfer.kind != "permanent" or not p.fees.transfer_includes_permit_fee):
        return None
    if f.establishment.is_household:
        return [household_fee(f, p)]
    regime = p.fees.regime
    if regime == "md_340_2016":
        return [FeeLine("permit_2016", p.fees.permit_2016["general"])]
    if regime == "md_12_2021":
        return [permit_fee_2021(f, p)]
    return [permit_fee_by_category(f, p, regime)]


def household_fee(f: Any, p: Any) -> FeeLine:
    """Domestic workers of a household, farm workers of a farmer: by how many the employer has."""
    e = f.establishment
    count = e.non_omani_employees + (0 if isinstance(f, RenewalFacts) else 1)
    if e.kind == "individual" and e.has_domestic_fee_exemption and p.fees.domestic_exemption:
        return FeeLine("permit_domestic_exempt", ZERO)
    table = p.fees.domestic if e.kind == "individual" else p.fees.farm
    tier = p.fees.household_tier_workers
    amount = table["up_to_tier"] if count <= tier else table["above_tier"]
    code = "permit_domestic" if e.kind == "individual" else "permit_farm"
    return FeeLine(code, amount, count=count, tier=tier)


def permit_fee_2021(f: Any, p: Any) -> FeeLine:
    """MD 12/2021: a level by occupation and wage, with the 2021 stimulus discounts."""
    level = longest_prefix(f.occupation.isco08, p.fees.level_by_occupation_2021, "other")
    salary = p.fees.salary_levels_2021
    if f.basic_wage >= salary["senior"]:
        level = "senior"
    elif f.basic_wage >= salary["middle"] and level not in ("senior", "middle"):
        level = "middle"
    base = p.fees.permit_2021[level]
    discount = Decimal(0)
    if level in ("senior", "middle", "technical"):
        stimulus = p.fees.stimulus_2021
        if omanisation_status(f.establishment, p) == MET:
            discount = stimulus["omanisation_met"]
        elif f.establishment.omani_employees > 0:
            discount = stimulus["has_omani"]
    amount = rounded(base * (100 - discount) / 100, p)
    words = LEVEL_WORDS[level]
    return FeeLine("permit_2021", amount, base=base, discount=discount, level_en=words[0], level_ar=words[1])


def permit_fee_by_category(f: Any, p: Any, regime: str) -> FeeLine:
    """The 2022 reduction and MD 602/2025: a category fee, discounted or doubled by Omanisation."""
    e, occupation = f.establishment, f.occupation
    if regime == "md_602_2025":
        if e.kind in COMMUNITY_KINDS:
            return FeeLine("permit_community", p.fees.community_bodies)
        if occupation.is_investor and not p.fees.investor_modifier_applies:
            return FeeLine("permit_investor", p.fees.investor)
    if occupation.is_investor and regime == "md_602_2025":
        category, base = "investor", p.fees.investor
    else:
        category = fee_category(occupation.isco08, p)
        base = p.fees.permit_categories[category]
    status = omanisation_status(e, p)
    if status == NOT_PRESCRIBED and p.omanisation.unprescribed_fee_status == "met":
        status = MET
    modifier = p.fees.omanisation_modifier[status]
    amount = rounded(base * modifier, p)
    category_words = CATEGORY_WORDS.get(category, ("investor", "المستثمر"))
    status_words = STATUS_WORDS[status]
    rounding = ROUNDING_WORDS[p.fees.rounding]
    return FeeLine("permit_category", amount, base=base, modifier=modifier, exact=(base * modifier).quantize(BAISA),
                   category_en=category_words[0], category_ar=category_words[1],
                   status_en=status_words[0], status_ar=status_words[1],
                   rounding_en=rounding[0], rounding_ar=rounding[1])


# ----------------------------------------------------------------------------------- transfer fees
@fee("transfer-fee", applies_to=(TRANSFER,),
     cites="MD 12/2021 fee schedule (transfer RO 5; not confirmed for 2025) (OMAN-RULES §2.9, §2.12)",
     cites_ar="جدول رسوم القرار الوزاري 12/2021 (رسم النقل 5 ريالات؛ لم يُؤكَّد لعام 2025)")
def transfer_fee(f: TransferFacts, p: Any) -> list[FeeLine] | None:
    if f.transfer.kind != "permanent":
        return None
    return [FeeLine("transfer", p.fees.transfer)]


@fee("temporary-transfer-fee", applies_to=(TRANSFER,), since="md_730_2024",
     cites="Ministerial Decision 730/2024 (no fee named; choice recorded in fees.temporary_transfer)",
     cites_ar="القرار الوزاري 730/2024 (لم يُحدَّد رسم)")
def temporary_transfer_fee(f: TransferFacts, p: Any) -> list[FeeLine] | None:
    if f.transfer.kind != "temporary" or p.fees.temporary_transfer == 0:
        return None
    return [FeeLine("temporary_transfer", p.fees.temporary_transfer)]


# -------------------------------------------------------------------------------------------- fines
@fee("late-renewal-fine", applies_to=(RENEWAL,),
     cites="Ministerial Decision 602/2025: RO 10 for each month of delay, at most RO 500 a worker "
           "(OMAN-RULES §2.4)",
     cites_ar="القرار الوزاري 602/2025: 10 ريالات عن كل شهر تأخير، بحد أقصى 500 ريال للعامل")
def late_renewal_fine(f: RenewalFacts, p: Any) -> list[FeeLine] | None:
    expiry = f.permit.expiry_date
    if expiry >= p.date:
        return None
    months = months_of_delay(expiry, p.date, p)
    if months == 0:
        return None
    fine = p.fines.late_renewal
    amount = min(fine["per_month"] * months, fine["cap_per_worker"])
    return [FeeLine("late_renewal_fine", amount, months=months, per_month=fine["per_month"],
                    cap=fine["cap_per_worker"], expiry=expiry)]


@fee("regularisation-fine", applies_to=(CANCELLATION,),
     cites="Ministerial Decision 602/2025: RO 15 a month (natural person) or RO 20 (juridical person) from the "
           "permit's expiry until the status is regularised, at most RO 500 a worker (OMAN-RULES §2.4)",
     cites_ar="القرار الوزاري 602/2025: 15 ريالًا شهريًّا (الشخص الطبيعي) أو 20 ريالًا (الشخص الاعتباري) من "
              "تاريخ انتهاء الترخيص حتى تسوية الوضع، بحد أقصى 500 ريال للعامل")
def regularisation_fine(f: Any, p: Any) -> list[FeeLine] | None:
    expiry = f.permit.expiry_date
    if f.permit.is_cancelled or expiry >= p.date:
        return None
    months = months_of_delay(expiry, p.date, p)
    if months == 0:
        return None
    fine = p.fines.regularisation
    per_month = fine["natural_per_month" if f.establishment.legal_person == "natural" else "juridical_per_month"]
    amount = min(per_month * months, fine["cap_per_worker"])
    return [FeeLine("regularisation_fine", amount, months=months, per_month=per_month,
                    cap=fine["cap_per_worker"], expiry=expiry)]
