"""Eligibility for a new permit, its renewal, transfer to another employer and cancellation.

Each rule cites its source; the section numbers in brackets point to the project's legal notes
(OMAN-RULES.md), which give the confidence of each reading. A rule returns ``None`` where it does not
concern the case (a household has no commercial registration to check).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from manpower.law.dates import add_months, add_years, age_on, complete_months
from manpower.law.facts import TransferFacts
from manpower.law.fees import fee_category
from manpower.law.occupations import reserved_on
from manpower.law.omanisation import NOT_MET, omanisation_ratio, omanisation_status, prescribed_target
from manpower.law.rulebook import CANCELLATION, NEW_PERMIT, RENEWAL, TRANSFER, Check, rule

PERMITS = (NEW_PERMIT, RENEWAL, TRANSFER)


# ------------------------------------------------------------------------------------- the establishment
@rule("cr-valid", applies_to=PERMITS,
      cites="MoL work-permit guide: valid commercial registration (OMAN-RULES §2.2(1))",
      cites_ar="دليل تراخيص العمل لوزارة العمل: سجل تجاري ساري المفعول")
def cr_valid(f: Any, p: Any) -> Check | None:
    e = f.establishment
    if e.is_household:
        return None
    if e.cr_status is None or e.cr_expiry_date is None:
        return Check.unknown("cr_unconfirmed", cr_number=e.cr_number)
    if e.cr_status == "suspended":
        return Check.failed("cr_suspended", cr_number=e.cr_number)
    if e.cr_status == "closed":
        return Check.failed("cr_closed", cr_number=e.cr_number)
    if e.cr_expiry_date < p.date:
        return Check.failed("cr_expired", cr_number=e.cr_number, expiry=e.cr_expiry_date)
    return Check.passed()


@rule("no-unpaid-dues", applies_to=(NEW_PERMIT, TRANSFER),
      cites="MoL work-permit guide; MD 730/2024 for transfers (OMAN-RULES §2.2(6), §2.9)",
      cites_ar="دليل تراخيص العمل لوزارة العمل؛ القرار الوزاري 730/2024 للنقل")
def no_unpaid_dues(f: Any, p: Any) -> Check:
    if f.establishment.has_unpaid_dues:
        return Check.failed("unpaid_dues", cr_number=f.establishment.cr_number)
    return Check.passed()


@rule("services-not-suspended", applies_to=(NEW_PERMIT, TRANSFER),
      cites="MD 270/2018 (suspension of services); MoL FAQ (OMAN-RULES §2.2(6))",
      cites_ar="القرار الوزاري 270/2018 (إيقاف الخدمات)؛ الأسئلة الشائعة لوزارة العمل")
def services_not_suspended(f: Any, p: Any) -> Check:
    if f.establishment.services_suspended:
        return Check.failed("services_suspended", cr_number=f.establishment.cr_number)
    return Check.passed()


@rule("no-wps-breach", applies_to=(NEW_PERMIT,), since="md_299_2023",
      cites="MD 299/2023, replaced from 16 Dec 2024 by MD 729/2024: preliminary work permits are suspended "
            "until a wage-protection breach is cleared (OMAN-RULES §2.5)",
      cites_ar="القرار الوزاري 299/2023، والقرار الوزاري 729/2024 اعتبارًا من 16 ديسمبر 2024: وقف تراخيص العمل "
               "المبدئية حتى إزالة مخالفة نظام حماية الأجور")
def no_wps_breach(f: Any, p: Any) -> Check | None:
    e = f.establishment
    if e.is_household:
        return None
    if e.has_wps_breach is None:
        return Check.unknown("wps_unknown", cr_number=e.cr_number)
    if e.has_wps_breach:
        return Check.failed("wps_breach", cr_number=e.cr_number)
    return Check.passed()


@rule("omanisation-met", applies_to=(NEW_PERMIT, TRANSFER),
      cites="Labour Law RD 53/2023, Arts 22 and 27–32 (licence only if the approved Omanisation percentage "
            "is kept; article number unverified) (OMAN-RULES §1.2, §1.3)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادة 22 والمواد 27–32 (لا ترخيص إلا مع "
               "الالتزام بنسبة التعمين المعتمدة)")
def omanisation_met(f: Any, p: Any) -> Check | None:
    e = f.establishment
    if e.is_household:
        return None
    if omanisation_status(e, p) != NOT_MET:
        return Check.passed()
    values = {"ratio": omanisation_ratio(e), "target": prescribed_target(e, p)}
    if p.omanisation.shortfall_blocks_new_permits:
        return Check.failed("omanisation_not_met", **values)
    return Check.passed("omanisation_not_met_fee_doubled", **values)


@rule("one-omani-per-cr", applies_to=(NEW_PERMIT, TRANSFER), since="one_omani_notices_2025",
      cites="Ministry of Labour statements of 5 May and 15 Jun 2025: every CR older than one year employs "
            "at least one Omani (OMAN-RULES §2.2(4))",
      cites_ar="بيانا وزارة العمل في 5 مايو و15 يونيو 2025: تشغيل عُماني واحد على الأقل في كل سجل تجاري "
               "مضى على قيده أكثر من سنة")
def one_omani_per_cr(f: Any, p: Any) -> Check | None:
    e = f.establishment
    if e.is_household or e.kind == "government":
        return None
    if e.omani_employees > 0:
        return Check.passed()
    if e.cr_issue_date is None:
        return Check.unknown("cr_unconfirmed", cr_number=e.cr_number)
    one_year_old = add_years(e.cr_issue_date, p.omanisation.one_omani_cr_age_years)
    if p.date < one_year_old:
        return Check.passed("one_omani_cr_young", cr_number=e.cr_number, from_date=one_year_old)
    grace = p.omanisation.one_omani_grace_months
    is_small = e.workforce <= p.omanisation.one_omani_small_establishment_workers
    if e.is_foreign_investment:
        months = grace["foreign_investment"]
    elif e.has_riyada_card:
        months = grace["riyada"]
    else:
        months = grace["up_to_10"] if is_small else grace["more_than_10"]
    grace_ends = add_months(max(p.omanisation.one_omani_grace_start, one_year_old), months)
    if p.date < grace_ends:
        return Check.passed("one_omani_grace", cr_number=e.cr_number, until=grace_ends)
    if is_small and not e.is_foreign_investment:
        return Check.refer("one_omani_small_review", cr_number=e.cr_number, since=grace_ends)
    return Check.failed("one_omani_missing", cr_number=e.cr_number, since=grace_ends)


# ---------------------------------------------------------------------------------------- the occupation
@rule("occupation-not-reserved", applies_to=PERMITS, since="md_235_2022",
      cites="Ministerial Decision 235/2022 (annex), amended by MD 501/2024; existing permits run to their "
            "expiry and are not renewed (OMAN-RULES §2.6)",
      cites_ar="القرار الوزاري 235/2022 (الملحق) المعدل بالقرار الوزاري 501/2024؛ تبقى التراخيص القائمة سارية "
               "حتى انتهائها ولا تُجدَّد")
def occupation_not_reserved(f: Any, p: Any) -> Check:
    reserved = reserved_on(p.date)
    occupation = f.occupation
    if occupation.esco_uri:
        item = reserved.by_uri.get(occupation.esco_uri)
        if item is None:
            return Check.passed()
        return Check.failed("occupation_reserved", title_en=occupation.title_en, item_title_en=item.title_en,
                            item_title_ar=item.title_ar, item=item.item or "—", decision_en=item.decision_en,
                            decision_ar=item.decision_ar, since=item.since)
    items = reserved.by_unit.get(occupation.isco08)
    if items:
        return Check.refer("occupation_title_needed", isco08=occupation.isco08,
                           titles_en=[i.title_en for i in items], titles_ar=[i.title_ar for i in items])
    return Check.passed()


# ------------------------------------------------------------------------------------------- the worker
@rule("worker-not-omani", applies_to=PERMITS,
      cites="Labour Law RD 53/2023, Arts 18 and 27 (permits are for non-Omani workers) (OMAN-RULES §1.3)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023، المادتان 18 و27 (الترخيص للعمال غير العُمانيين)")
def worker_not_omani(f: Any, p: Any) -> Check:
    if f.worker.nationality == "OM":
        return Check.failed("worker_is_omani")
    return Check.passed()


@rule("worker-minimum-age", applies_to=(NEW_PERMIT, TRANSFER),
      cites="Employment-visa practice of the Royal Oman Police; MD 574/2025 for domestic workers "
            "(OMAN-RULES §2.2(9))",
      cites_ar="ممارسة شرطة عُمان السلطانية في تأشيرات العمل؛ القرار الوزاري 574/2025 للعمال المنزليين")
def worker_minimum_age(f: Any, p: Any) -> Check:
    age = age_on(f.worker.date_of_birth, p.date)
    if age < p.worker.minimum_age:
        return Check.failed("worker_too_young", age=age, minimum=p.worker.minimum_age)
    return Check.passed()


@rule("worker-maximum-age", applies_to=PERMITS, until="age_limit_removed_2022",
      cites="Former Ministry of Labour rule: no employment visa or extension from age 60; lifted January 2022 "
            "(OMAN-RULES §2.2(9))",
      cites_ar="قاعدة سابقة لوزارة العمل: لا تأشيرة عمل ولا تمديد ابتداءً من سن 60؛ أُلغيت في يناير 2022")
def worker_maximum_age(f: Any, p: Any) -> Check:
    age = age_on(f.worker.date_of_birth, p.date)
    if age >= p.worker.maximum_age:
        return Check.failed("worker_too_old", age=age, maximum=p.worker.maximum_age)
    return Check.passed()


@rule("medical-fitness", applies_to=(NEW_PERMIT,),
      cites="Labour Law RD 53/2023 (worker healthy and free of disease); MoH medical-fitness system "
            "(OMAN-RULES §1.3, §2.2(10))",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023 (لياقة العامل الصحية وخلوه من الأمراض)؛ نظام "
               "الفحص الطبي لوزارة الصحة")
def medical_fitness(f: Any, p: Any) -> Check:
    fitness = f.worker.medical_fitness
    if fitness is None:
        return Check.unknown("medical_pending")
    if fitness == "unfit":
        return Check.failed("medically_unfit")
    return Check.passed()


@rule("passport-valid", applies_to=PERMITS,
      cites="Royal Oman Police residence practice: passport valid for the months required "
            "(choice recorded in worker.passport_min_validity_months)",
      cites_ar="ممارسة شرطة عُمان السلطانية في الإقامة: صلاحية جواز السفر للمدة المطلوبة")
def passport_valid(f: Any, p: Any) -> Check:
    expiry = f.worker.passport_expiry_date
    if expiry is None:
        return Check.unknown("passport_unconfirmed")
    months = p.worker.passport_min_validity_months
    needed = add_months(p.date, months)
    if expiry < needed:
        return Check.failed("passport_expires_too_soon", expiry=expiry, months=months, needed=needed)
    return Check.passed()


@rule("no-active-permit-elsewhere", applies_to=(NEW_PERMIT,),
      cites="Labour Law RD 53/2023 (a worker licensed to one employer works for no other); the way to move "
            "is a transfer (OMAN-RULES §1.3, §2.9)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023 (لا يعمل العامل المرخص له لدى صاحب عمل لدى غيره)؛ "
               "والانتقال يكون بطلب نقل")
def no_active_permit_elsewhere(f: Any, p: Any) -> Check:
    if f.worker.has_active_permit_elsewhere:
        return Check.failed("active_permit_elsewhere")
    return Check.passed()


@rule("no-abandonment-report", applies_to=PERMITS,
      cites="Ministerial Decision 270/2018 (an approved work-abandonment report bars other work and transfer) "
            "(OMAN-RULES §2.10)",
      cites_ar="القرار الوزاري 270/2018 (بلاغ ترك العمل المعتمد يمنع العمل لدى الغير والنقل)")
def no_abandonment_report(f: Any, p: Any) -> Check:
    if f.worker.has_abandonment_report:
        return Check.failed("abandonment_report")
    return Check.passed()


# -------------------------------------------------------------------------------------------- renewal
@rule("permit-renewable", applies_to=(RENEWAL,),
      cites="Ministerial Decision 602/2025 (the work-practice permit is renewable) (OMAN-RULES §2.1)",
      cites_ar="القرار الوزاري 602/2025 (ترخيص مزاولة العمل قابل للتجديد)")
def permit_renewable(f: Any, p: Any) -> Check:
    if f.permit.is_cancelled:
        return Check.failed("permit_cancelled", number=f.permit.number)
    return Check.passed()


# ------------------------------------------------------------------------------------------- transfer
@rule("transfer-basis", applies_to=(TRANSFER,),
      cites="ROP Decision 157/2020 (no NOC from 1 Jan 2021); MoL circular of 29 Jul 2021; MoL 2025 rule on "
            "renewals without a registered contract (OMAN-RULES §1.4, §2.9)",
      cites_ar="قرار شرطة عُمان السلطانية 157/2020 (إلغاء شهادة عدم الممانعة من 1 يناير 2021)؛ تعميم وزارة "
               "العمل في 29 يوليو 2021؛ قاعدة 2025 للتجديد دون عقد مسجّل")
def transfer_basis(f: TransferFacts, p: Any) -> Check | None:
    t, permit = f.transfer, f.permit
    if t.kind != "permanent":
        return None
    allowed = p.transfers.allowed_bases
    if t.basis not in allowed:
        return Check.failed("transfer_basis_not_allowed", basis=t.basis, allowed=list(allowed))
    if t.basis == "permit_expired_no_contract" and (permit.expiry_date >= p.date or permit.has_registered_contract):
        return Check.failed("permit_not_expired_without_contract", expiry=permit.expiry_date)
    if t.basis == "renewed_without_contract":
        if permit.has_registered_contract or permit.renewed_on is None:
            return Check.failed("contract_is_registered", number=permit.number)
        free_from = permit.renewed_on + dt.timedelta(days=p.transfers.unregistered_contract_days)
        if p.date < free_from:
            return Check.failed("unregistered_contract_wait", renewed_on=permit.renewed_on, from_date=free_from)
    return Check.passed()


@rule("worker-consents", applies_to=(TRANSFER,),
      cites="MD 730/2024, condition 3 (temporary transfer); ROP Decision 157/2020 (the worker applies to move)",
      cites_ar="القرار الوزاري 730/2024، الشرط 3 (النقل المؤقت)؛ قرار شرطة عُمان السلطانية 157/2020")
def worker_consents(f: TransferFacts, p: Any) -> Check:
    if f.transfer.worker_consents is None:
        return Check.unknown("worker_consent_pending")
    if not f.transfer.worker_consents:
        return Check.failed("worker_consent_missing")
    return Check.passed()


@rule("temporary-transfer-prior-approval", applies_to=(TRANSFER,), until="md_730_2024",
      cites="Labour Law (a licensed worker may not be lent to a third party without the Ministry's prior "
            "approval); MD 730/2024 regulates temporary transfers from 15 Dec 2024 (OMAN-RULES §1.3, §2.9)",
      cites_ar="قانون العمل (لا يجوز إعارة العامل المرخص له إلى الغير دون موافقة مسبقة من الوزارة)؛ وينظم القرار "
               "الوزاري 730/2024 النقل المؤقت اعتبارًا من 15 ديسمبر 2024")
def temporary_transfer_prior_approval(f: TransferFacts, p: Any) -> Check | None:
    if f.transfer.kind != "temporary":
        return None
    return Check.refer("temporary_transfer_prior_approval")


@rule("temporary-transfer-service", applies_to=(TRANSFER,), since="md_730_2024",
      cites="Ministerial Decision 730/2024, condition 4 (six months' service with the sender)",
      cites_ar="القرار الوزاري 730/2024، الشرط 4 (ستة أشهر خدمة لدى المنشأة الناقلة)")
def temporary_transfer_service(f: TransferFacts, p: Any) -> Check | None:
    t = f.transfer
    if t.kind != "temporary":
        return None
    assert t.start_date is not None
    months = p.transfers.temporary_min_service_months
    served = complete_months(f.permit.employment_start, t.start_date)
    if served < months:
        return Check.failed("temporary_service_too_short", served=served, months=months)
    return Check.passed()


@rule("temporary-transfer-permit-validity", applies_to=(TRANSFER,), since="md_730_2024",
      cites="Ministerial Decision 730/2024, condition 5 (permit active with six months left)",
      cites_ar="القرار الوزاري 730/2024، الشرط 5 (ترخيص ساري المفعول متبقٍ منه ستة أشهر)")
def temporary_transfer_permit_validity(f: TransferFacts, p: Any) -> Check | None:
    if f.transfer.kind != "temporary":
        return None
    months = p.transfers.temporary_min_permit_months_left
    needed = add_months(p.date, months)
    if f.permit.is_cancelled or f.permit.expiry_date < needed:
        return Check.failed("temporary_permit_too_short", expiry=f.permit.expiry_date, months=months,
                            needed=needed)
    return Check.passed()


@rule("temporary-transfer-duration", applies_to=(TRANSFER,), since="md_730_2024",
      cites="Ministerial Decision 730/2024, condition 6 (at most six months in a calendar year)",
      cites_ar="القرار الوزاري 730/2024، الشرط 6 (ستة أشهر على الأكثر في السنة الميلادية)")
def temporary_transfer_duration(f: TransferFacts, p: Any) -> Check | None:
    t = f.transfer
    if t.kind != "temporary":
        return None
    assert t.start_date is not None and t.end_date is not None
    maximum = p.transfers.temporary_max_months_per_year
    latest_end = add_months(t.start_date, max(maximum - t.prior_months_this_year, 0))
    if t.end_date > latest_end:
        return Check.failed("temporary_transfer_too_long", maximum=maximum, prior=t.prior_months_this_year,
                            end=t.end_date, latest_end=latest_end)
    return Check.passed()


@rule("temporary-transfer-same-category", applies_to=(TRANSFER,), since="md_730_2024",
      cites="Ministerial Decision 730/2024, condition 2 (same category and nature of work)",
      cites_ar="القرار الوزاري 730/2024، الشرط 2 (العمل من الفئة نفسها وبالطبيعة نفسها)")
def temporary_transfer_same_category(f: TransferFacts, p: Any) -> Check | None:
    if f.transfer.kind != "temporary":
        return None
    before, after = f.permit.occupation_isco08, f.occupation.isco08
    if before == after:
        return Check.passed()
    if fee_category(before, p) == fee_category(after, p):
        return Check.refer("temporary_nature_review", before=before, after=after)
    return Check.failed("temporary_category_differs", before=before, after=after)


@rule("temporary-transfer-sender-standing", applies_to=(TRANSFER,), since="md_730_2024",
      cites="Ministerial Decision 730/2024, condition 7 (neither establishment owes dues or has services "
            "suspended; both meet Omanisation)",
      cites_ar="القرار الوزاري 730/2024، الشرط 7 (لا مستحقات ولا خدمات موقوفة على المنشأتين، والتزام كلتيهما "
               "بالتعمين)")
def temporary_transfer_sender_standing(f: TransferFacts, p: Any) -> Check | None:
    if f.transfer.kind != "temporary":
        return None
    sender = f.current_employer
    if sender.has_unpaid_dues:
        return Check.failed("sender_unpaid_dues", cr_number=sender.cr_number)
    if sender.services_suspended:
        return Check.failed("sender_services_suspended", cr_number=sender.cr_number)
    if omanisation_status(sender, p) == NOT_MET:
        return Check.failed("sender_omanisation_not_met", cr_number=sender.cr_number,
                            ratio=omanisation_ratio(sender), target=prescribed_target(sender, p))
    return Check.passed()


@rule("temporary-transfer-share", applies_to=(TRANSFER,), since="md_730_2024",
      cites="Ministerial Decision 730/2024, condition 8 (at most half of either workforce)",
      cites_ar="القرار الوزاري 730/2024، الشرط 8 (بحد أقصى نصف القوى العاملة لدى أي من المنشأتين)")
def temporary_transfer_share(f: TransferFacts, p: Any) -> Check | None:
    t = f.transfer
    if t.kind != "temporary":
        return None
    share = p.transfers.temporary_max_share_percent
    sent, sender_size = t.sender_transferred_out + 1, f.current_employer.workforce
    if sent * 100 > share * sender_size:
        return Check.failed("sender_share_exceeded", count=sent, workforce=sender_size, share=share)
    received, receiver_size = t.receiver_received + 1, f.establishment.workforce
    if received * 100 > share * receiver_size:
        return Check.failed("receiver_share_exceeded", count=received, workforce=receiver_size, share=share)
    return Check.passed()


@rule("temporary-transfer-wage", applies_to=(TRANSFER,), since="md_730_2024",
      cites="Ministerial Decision 730/2024 (the receiver pays at least the same wage through WPS)",
      cites_ar="القرار الوزاري 730/2024 (تدفع المنشأة المستقبلة الأجر نفسه على الأقل عبر نظام حماية الأجور)")
def temporary_transfer_wage(f: TransferFacts, p: Any) -> Check | None:
    if f.transfer.kind != "temporary":
        return None
    if f.basic_wage < f.permit.basic_wage:
        return Check.failed("temporary_wage_lower", offered=f.basic_wage, current=f.permit.basic_wage)
    return Check.passed()


# --------------------------------------------------------------------------------------- cancellation
@rule("permit-cancellable", applies_to=(CANCELLATION,),
      cites="Ministry of Labour e-services: cancellation of a work-practice permit (OMAN-RULES §3.1)",
      cites_ar="الخدمات الإلكترونية لوزارة العمل: إلغاء ترخيص مزاولة العمل")
def permit_cancellable(f: Any, p: Any) -> Check:
    if f.permit.is_cancelled:
        return Check.failed("permit_already_cancelled", number=f.permit.number)
    return Check.passed()


@rule("no-open-labour-complaint", applies_to=(CANCELLATION,),
      cites="Labour Law RD 53/2023 (the worker may complain within 30 days; art. no. unverified); MD 602/2025 "
            "exemptions where the worker has filed a labour complaint (OMAN-RULES §1.7, §2.4)",
      cites_ar="قانون العمل الصادر بالمرسوم السلطاني 53/2023 (حق العامل في الشكوى خلال 30 يومًا)؛ إعفاءات "
               "القرار الوزاري 602/2025 عند تقديم العامل شكوى عمالية")
def no_open_labour_complaint(f: Any, p: Any) -> Check:
    if f.has_open_labour_complaint:
        return Check.refer("open_labour_complaint")
    return Check.passed()

