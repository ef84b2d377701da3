"""Test data built through the models, with only what a test cares about given explicitly."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from manpower.identity.models import EstablishmentPermission, Membership, Role, User
from manpower.registry.models import Activity, Employment, Establishment, Occupation, Person, Wilayat

_seq = itertools.count(1)


def establishment(**fields: Any) -> Establishment:
    n = next(_seq)
    wilayat = Wilayat.objects.select_related("governorate").get(code=fields.pop("wilayat_code", 2))
    defaults: dict[str, Any] = {
        "cr_number": f"{2000000 + n}", "name_ar": f"مؤسسة الاختبار {n}", "name_en": f"Test Establishment {n}",
        "kind": Establishment.Kind.COMPANY, "activity": Activity.objects.get(code=fields.pop("activity_code", "4100")),
        "governorate": wilayat.governorate, "wilayat": wilayat, "cr_issued_on": date(2018, 1, 1),
        "cr_expires_on": date(2030, 1, 1),
    }
    defaults.update(fields)
    return Establishment.objects.create(**defaults)


def person(*, nationality: str = "IN", **fields: Any) -> Person:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "passport_number": f"T{n:07d}", "passport_country_id": nationality, "nationality_id": nationality,
        "passport_expires_on": date(2031, 1, 1), "name_latin": f"Test Person {n}", "name_ar": f"شخص {n}",
        "date_of_birth": date(1990, 1, 1), "sex": "M",
    }
    if nationality == "OM":
        defaults["civil_id"] = f"{30000000 + n}"
    defaults.update(fields)
    return Person.objects.create(**defaults)


def employ(est: Establishment, who: Person | None = None, *, occupation: str = "7112", start: date = date(2022, 1, 1),
           end: date | None = None, wage: str = "200.000") -> Employment:
    who = who or person()
    return Employment.objects.create(person=who, establishment=est, occupation=Occupation.objects.get(code=occupation),
                                     start_date=start, end_date=end, basic_wage_omr=Decimal(wage),
                                     is_omani=who.nationality_id == "OM")


def user(role: str = Role.EMPLOYER, *, establishments: list[Establishment] | None = None,
         permissions: list[str] | None = None, person_record: Person | None = None, password: str = "correct horse battery",
         **fields: Any) -> User:
    n = next(_seq)
    if role == Role.WORKER and person_record is None:
        person_record = person()
    account = User.objects.create_user(f"user{n}@example.om", password, full_name=f"User {n}", role=role,
                                       person=person_record, **fields)
    for est in establishments or []:
        Membership.objects.create(user=account, establishment=est,
                                  permissions=permissions if permissions is not None else [p.value for p in EstablishmentPermission])
    return account
