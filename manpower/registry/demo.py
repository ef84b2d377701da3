"""Demo data for a new installation: the demo establishment, its workforce and one account per role.

Passwords are generated on the first run and kept in ``var/demo-accounts.json`` (readable by the
owner only); they are never written in code. Running this again changes nothing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from manpower.audit.services import record
from manpower.identity.models import EstablishmentPermission, Membership, Role, User
from manpower.registry.models import Activity, Employment, Establishment, Occupation, Person, Wilayat


@dataclass(frozen=True)
class DemoAccount:
    key: str
    email: str
    role: str
    full_name: str
    civil_id: str | None = None


ACCOUNTS = [
    DemoAccount("employer", "employer@demo.manpower.om", Role.EMPLOYER, "سالم بن خلفان الحارثي", "10203040"),
    DemoAccount("worker", "worker@demo.manpower.om", Role.WORKER, "Rahul Kumar Nair"),
    DemoAccount("officer", "officer@demo.manpower.om", Role.OFFICER, "مريم بنت سعيد البلوشية", "10203041"),
    DemoAccount("analyst", "analyst@demo.manpower.om", Role.ANALYST, "خالد بن ناصر الرواحي", "10203042"),
    DemoAccount("support", "support@demo.manpower.om", Role.SUPPORT, "فاطمة بنت علي الكندية", "10203043"),
    DemoAccount("admin", "admin@demo.manpower.om", Role.ADMIN, "Platform Administrator", "10203044"),
]

DEMO_CR = "1234567"


def passwords_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-accounts.json"


def demo_passwords() -> dict[str, str]:
    """The generated passwords, created on first use."""
    path = passwords_file()
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for account in ACCOUNTS:
        if account.email not in stored:
            stored[account.email] = secrets.token_urlsafe(12)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored


# The demo workforce: (passport, country, Latin name, Arabic name, date of birth, sex, ISCO unit, wage)
WORKFORCE = [
    ("P8812345", "IN", "Rahul Kumar Nair", "راهول كومار ناير", date(1990, 4, 12), "M", "7112", "180.000"),
    ("BD4471190", "BD", "Mohammad Rafiqul Islam", "محمد رفيق الإسلام", date(1988, 9, 3), "M", "9313", "120.000"),
    ("AB1203344", "PK", "Imran Ali Khan", "عمران علي خان", date(1985, 1, 22), "M", "8332", "210.000"),
    ("EC7781234", "PH", "Maria Santos Reyes", "ماريا سانتوس رييس", date(1993, 6, 30), "F", "3313", "350.000"),
]
OMANI_STAFF = [
    ("09876543", "أحمد بن سالم الحارثي", "Ahmed Salim Al Harthi", date(1987, 2, 14), "M", "1212", "1200.000"),
    ("09876544", "عائشة بنت محمد الهنائية", "Aisha Mohammed Al Hinai", date(1995, 11, 2), "F", "4110", "650.000"),
]


@transaction.atomic
def load_demo(today: date) -> dict[str, int]:
    """Create the demo establishment, people, employments and accounts where they do not exist yet."""
    created = {"establishments": 0, "people": 0, "accounts": 0}
    establishment = Establishment.objects.filter(cr_number=DEMO_CR).first()
    if establishment is None:
        wilayat = Wilayat.objects.select_related("governorate").get(code=2)  # As Seeb, Muscat
        establishment = Establishment.objects.create(
            cr_number=DEMO_CR, name_ar="شركة الخليج للمقاولات والتجارة ش.م.م", name_en="Gulf Contracting & Trading LLC",
            kind=Establishment.Kind.COMPANY, activity=Activity.objects.get(code="4100"),
            governorate=wilayat.governorate, wilayat=wilayat, cr_issued_on=date(2015, 3, 1),
            cr_expires_on=date(today.year + 2, 3, 1), size_class=Establishment.Size.SMALL,
        )
        record(None, "establishment.registered", establishment, after={"cr_number": DEMO_CR})
        created["establishments"] += 1
    people = {}
    for passport, country, latin, arabic, born, sex, isco, wage in WORKFORCE:
        person = Person.objects.filter(passport_country_id=country, passport_number=passport).first()
        if person is None:
            person = Person.objects.create(
                passport_number=passport, passport_country_id=country, nationality_id=country,
                passport_expires_on=date(today.year + 5, 1, 1), name_latin=latin, name_ar=arabic,
                date_of_birth=born, sex=sex, phone="+96891234567" if passport == "P8812345" else "",
                email="worker@demo.manpower.om" if passport == "P8812345" else "", medical_fitness="fit",
            )
            Employment.objects.create(person=person, establishment=establishment, occupation=Occupation.objects.get(code=isco),
                                      start_date=date(2023, 5, 1), basic_wage_omr=Decimal(wage), is_omani=False)
            record(None, "person.registered", person, subject_person_id=person.pk)
            created["people"] += 1
        people[passport] = person
    for civil_id, arabic, latin, born, sex, isco, wage in OMANI_STAFF:
        person = Person.objects.filter(civil_id=civil_id).first()
        if person is None:
            person = Person.objects.create(
                passport_number=f"O{civil_id}", passport_country_id="OM", nationality_id="OM", name_ar=arabic,
                name_latin=latin, date_of_birth=born, sex=sex, civil_id=civil_id, medical_fitness="fit",
            )
            Employment.objects.create(person=person, establishment=establishment, occupation=Occupation.objects.get(code=isco),
                                      start_date=date(2019, 1, 1), basic_wage_omr=Decimal(wage), is_omani=True)
            created["people"] += 1
    passwords = demo_passwords()
    for account in ACCOUNTS:
        if User.objects.filter(email=account.email).exists():
            continue
        user = User.objects.create_user(
            account.email, passwords[account.email], full_name=account.full_name, role=account.role,
            civil_id=account.civil_id, person=people["P8812345"] if account.role == Role.WORKER else None,
            preferred_language="en" if account.role == Role.WORKER else "ar",
            is_staff=account.role == Role.ADMIN, is_superuser=account.role == Role.ADMIN,
        )
        if account.role == Role.EMPLOYER:
            Membership.objects.create(user=user, establishment=establishment,
                                      permissions=[p.value for p in EstablishmentPermission])
        record(None, "account.created", user, after={"role": account.role})
        created["accounts"] += 1
    return created
