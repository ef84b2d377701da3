"""A realistic register for demonstrations and load: establishments and workers drawn from the real code
lists, in the proportions of the published workforce figures (``registry/data/oman_expat_workforce_stats.csv``:
NCSI figures of September 2024 for nationalities and economic activities, February 2022 for governorates).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from manpower.registry.models import Activity, Employment, Establishment, JobTitle, Occupation, Person, Wilayat
from manpower.registry.reference import DATA_DIR

# Typical occupations (ISCO-08 unit groups) by ISIC section, for drawing a worker's job.
OCCUPATIONS_BY_SECTION = {
    "F": ["7112", "7115", "9313", "7126", "7411", "8342", "3112", "7131", "7212"],
    "G": ["5223", "5221", "4321", "8322", "7231", "9333", "5230"],
    "C": ["8121", "7212", "8160", "9329", "7223", "8189", "7233"],
    "I": ["5120", "5131", "9412", "9112", "5151", "5141"],
    "H": ["8332", "8322", "9333", "4323", "8344"],
    "N": ["9112", "5414", "9129", "4110", "9613"],
    "Q": ["2221", "3221", "2211", "3256", "5321"],
    "P": ["2330", "2341", "2320", "4110"],
    "A": ["6111", "6121", "9211", "9212"],
    "M": ["2142", "2411", "3313", "2161", "3118"],
}
OTHER_SECTIONS = ["H", "N", "Q", "P", "A", "M"]
OMANI_OCCUPATIONS = ["1212", "1219", "4110", "3343", "2411", "4226"]


@dataclass(frozen=True)
class Weights:
    nationalities: list[tuple[str, int]]
    sections: list[tuple[str, int]]
    governorates: list[tuple[str, int]]


def published_weights() -> Weights:
    rows = list(csv.DictReader((DATA_DIR / "oman_expat_workforce_stats.csv").open(encoding="utf-8")))
    total = next(int(r["value"]) for r in rows if r["reference_period"] == "2024-09" and r["dimension"] == "total"
                 and r["category"] == "expatriate workers")
    nationalities = [(r["nationality_iso2"], int(r["value"])) for r in rows
                     if r["reference_period"] == "2024-09" and r["dimension"] == "nationality" and r["nationality_iso2"]]
    other = total - sum(value for _, value in nationalities)
    # "Other nationalities" spread over further sending countries.
    nationalities += [(code, other // 6) for code in ("NP", "ET", "KE", "UG", "ID", "JO")]
    sections = [(r["isic4_section"], int(r["value"])) for r in rows
                if r["reference_period"] == "2024-09" and r["dimension"] == "economic_activity"]
    rest = total - sum(value for _, value in sections)
    sections += [(section, rest // len(OTHER_SECTIONS)) for section in OTHER_SECTIONS]
    governorates = [(r["category"], int(r["value"])) for r in rows
                    if r["reference_period"] == "2022-02" and r["dimension"] == "governorate"]
    governorates.append(("Musandam", 15000))  # cut off in the source; a small share, as in earlier years
    return Weights(nationalities, sections, governorates)


FIRST_NAMES = {"BD": ["Mohammad", "Abdul", "Rafiqul", "Shahidul", "Jahangir"], "IN": ["Rahul", "Suresh", "Anil", "Vijay", "Deepak"],
               "PK": ["Imran", "Asif", "Bilal", "Tariq", "Usman"], "PH": ["Maria", "Jose", "Mark", "Ana", "John"],
               "EG": ["Ahmed", "Mahmoud", "Mostafa", "Hany", "Tarek"]}
LAST_NAMES = {"BD": ["Islam", "Hossain", "Rahman", "Uddin", "Miah"], "IN": ["Nair", "Kumar", "Sharma", "Pillai", "Das"],
              "PK": ["Khan", "Ali", "Hussain", "Iqbal", "Butt"], "PH": ["Santos", "Reyes", "Cruz", "Garcia", "Bautista"],
              "EG": ["Hassan", "Mohamed", "Ibrahim", "Saad", "Fathy"]}
OMANI_NAMES = ["سالم", "خالد", "محمد", "أحمد", "سعيد", "ناصر", "فاطمة", "مريم", "عائشة", "شيخة"]
OMANI_FAMILIES = ["الحارثي", "البلوشي", "الهنائي", "الرواحي", "الكندي", "السيابي", "المعمري", "الشحي"]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


@dataclass
class Population:
    establishments: list[Establishment]
    workers: int


def build(*, establishments: int, workers: int, today: date, seed: int = 1, cr_start: int = 3000000) -> Population:
    """Create establishments with their current workforce (Omani and non-Omani), in one transaction each."""
    rng = random.Random(seed)
    weights = published_weights()
    wilayats_by_gov: dict[str, list[Wilayat]] = {}
    for wilayat in Wilayat.objects.select_related("governorate"):
        wilayats_by_gov.setdefault(wilayat.governorate.name_en, []).append(wilayat)
    classes_by_section: dict[str, list[str]] = {}
    for code, section in Activity.objects.filter(level="class").values_list("code", "section"):
        classes_by_section.setdefault(section, []).append(code)
    units = set(Occupation.objects.filter(level="unit").values_list("code", flat=True))
    sizes = [max(1, int(rng.paretovariate(1.2))) for _ in range(establishments)]
    scale = workers / max(1, sum(sizes))
    sizes = [max(1, round(size * scale)) for size in sizes]
    made: list[Establishment] = []
    existing = set(Establishment.objects.filter(cr_number__startswith=str(cr_start)[:2]).values_list("cr_number", flat=True))
    passport_seq = Person.objects.count() + 1
    created_workers = 0
    for index, size in enumerate(sizes):
        cr_number = str(cr_start + index)
        if cr_number in existing:
            continue
        section = _pick(rng, weights.sections)
        governorate = _pick(rng, weights.governorates)
        wilayat = rng.choice(wilayats_by_gov.get(governorate) or wilayats_by_gov["Muscat"])
        issued = today - timedelta(days=rng.randint(200, 6000))
        roll = rng.random()
        with transaction.atomic():
            est = Establishment.objects.create(
                cr_number=cr_number, name_ar=f"مؤسسة {rng.choice(OMANI_NAMES)} {rng.choice(OMANI_FAMILIES)} للتجارة",
                name_en=f"{rng.choice(['Al Noor', 'Gulf', 'Sohar', 'Muscat', 'Dhofar', 'Oasis'])} "
                        f"{rng.choice(['Trading', 'Contracting', 'Services', 'Industries'])} {index}",
                kind="company", activity_id=rng.choice(classes_by_section.get(section, ["4100"])),
                governorate=wilayat.governorate, wilayat=wilayat, cr_issued_on=issued,
                cr_expires_on=today - timedelta(days=10) if roll < 0.03 else today + timedelta(days=rng.randint(60, 1500)),
                status="suspended" if 0.03 <= roll < 0.04 else "active",
                unpaid_dues_omr=Decimal("120.000") if 0.04 <= roll < 0.06 else Decimal("0.000"),
                wps_breach=0.06 <= roll < 0.08,
                size_class="micro" if size <= 5 else "small" if size <= 25 else "medium" if size <= 99 else "large",
            )
            people, jobs = [], []
            omani_share = rng.choice([0.0, 0.1, 0.15, 0.2, 0.3, 0.4]) if size > 1 else 0.0
            # Most establishments employ at least one Omani, as the rules have required since 2025.
            first_is_omani = size > 1 and rng.random() < 0.8
            for position in range(size):
                is_omani = (position == 0 and first_is_omani) or rng.random() < omani_share
                nationality = "OM" if is_omani else _pick(rng, weights.nationalities)
                first = FIRST_NAMES.get(nationality, FIRST_NAMES["IN"])
                last = LAST_NAMES.get(nationality, LAST_NAMES["IN"])
                people.append(Person(
                    passport_number=f"D{passport_seq:08d}", passport_country_id=nationality, nationality_id=nationality,
                    passport_expires_on=today + timedelta(days=rng.randint(100, 3000)),
                    name_latin=f"{rng.choice(first)} {rng.choice(last)}",
                    name_ar=f"{rng.choice(OMANI_NAMES)} {rng.choice(OMANI_FAMILIES)}" if is_omani else "",
                    date_of_birth=today - timedelta(days=rng.randint(22 * 365, 58 * 365)), sex=rng.choice("MMMMF"),
                    civil_id=f"{60000000 + passport_seq}" if is_omani else None, medical_fitness="fit",
                ))
                choices = OMANI_OCCUPATIONS if is_omani else OCCUPATIONS_BY_SECTION.get(section, ["9112"])
                jobs.append((rng.choice([c for c in choices if c in units] or ["9112"]), is_omani))
                passport_seq += 1
            Person.objects.bulk_create(people)
            Employment.objects.bulk_create([
                Employment(person=person, establishment=est, occupation_id=job, is_omani=is_omani,
                           start_date=today - timedelta(days=rng.randint(30, 3000)),
                           basic_wage_omr=Decimal(rng.randint(90, 900)) if not is_omani else Decimal(rng.randint(325, 2000)))
                for person, (job, is_omani) in zip(people, jobs, strict=True)
            ])
            created_workers += size
        made.append(est)
    return Population(made, created_workers)


def application_stream(population: Population, count: int, *, today: date, seed: int = 2) -> Iterator[tuple[Establishment, dict]]:
    """New-permit applications as employers send them: mostly clean, some with the usual mistakes."""
    rng = random.Random(seed)
    weights = published_weights()
    titles: dict[str, list[str]] = {}
    for uri, unit in JobTitle.objects.values_list("esco_uri", "occupation_id"):
        titles.setdefault(unit, []).append(uri)
    for n in range(count):
        est = rng.choice(population.establishments)
        nationality = _pick(rng, weights.nationalities)
        section = Activity.objects.filter(code=est.activity_id).values_list("section", flat=True).first() or "F"
        roll = rng.random()
        age_days = rng.randint(22 * 365, 50 * 365) if roll >= 0.03 else rng.randint(18 * 365, 20 * 365)
        first = FIRST_NAMES.get(nationality, FIRST_NAMES["IN"])
        last = LAST_NAMES.get(nationality, LAST_NAMES["IN"])
        yield est, {
            "type": "new_permit", "passport_number": f"S{seed % 10}{n:07d}", "passport_country": nationality,
            "nationality": nationality, "name_latin": f"{rng.choice(first)} {rng.choice(last)}",
            "date_of_birth": (today - timedelta(days=age_days)).isoformat(), "sex": rng.choice("MMMF"),
            "passport_expires_on": (today + timedelta(days=rng.randint(30, 3000) if roll >= 0.06 else 20)).isoformat(),
            "occupation": (unit := rng.choice(OCCUPATIONS_BY_SECTION.get(section, ["9112"]))),
            # Most employers pick the exact job title; some leave it at the occupation group.
            "job_title": rng.choice(titles[unit]) if unit in titles and rng.random() < 0.85 else "",
            "basic_wage": f"{rng.randint(90, 600)}.000",
        }
