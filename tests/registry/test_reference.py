from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from manpower.registry import reference
from manpower.registry.models import Activity, Country, Governorate, JobTitle, Occupation, Wilayat

pytestmark = pytest.mark.django_db


def source_rows(name: str) -> int:
    with (reference.DATA_DIR / name).open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def test_reference_counts_equal_the_source_files():
    assert Occupation.objects.count() == source_rows("isco08.csv") == 619
    assert Occupation.objects.filter(level="unit").count() == 436
    assert JobTitle.objects.count() == source_rows("esco_occupations.csv") == 2942
    assert Activity.objects.count() == source_rows("isic4.csv") == 766
    assert Activity.objects.filter(level="class").count() == 419
    assert Governorate.objects.count() == 11
    assert Wilayat.objects.count() == 63
    assert Country.objects.count() == source_rows("countries.csv") == 249


def test_every_occupation_has_an_arabic_title_and_translations_are_marked_unofficial():
    assert not Occupation.objects.filter(name_ar="").exists()
    # The 127 sourced minor-group titles are official; every other level is our own translation.
    assert Occupation.objects.filter(name_ar_unofficial=False).count() == 127
    assert Occupation.objects.get(code="7112").name_ar_unofficial is True
    assert Occupation.objects.get(code="214").name_ar == "الاختصاصيّون في الهندسة (عدا تقنية الكهرباء)"


def test_countries_have_arabic_names_and_nationalities():
    india = Country.objects.get(code="IN")
    assert india.name_ar == "الهند"
    assert india.nationality_en == "Indian" and india.nationality_ar
    assert not Country.objects.filter(name_ar="").exists()
    assert Country.objects.get(code="PY").nationality_ar_unofficial is True


def test_wilayats_belong_to_their_governorate():
    seeb = Wilayat.objects.get(code=2)
    assert (seeb.name_ar, seeb.governorate.name_en) == ("السيب", "Muscat")
    assert Governorate.objects.get(iso_code="OM-MU").wilayats.count() == 4


def _database_fingerprint() -> str:
    sha = hashlib.sha256()
    for model in (Country, Governorate, Wilayat, Occupation, JobTitle, Activity):
        for row in model.objects.order_by("pk").values_list():
            sha.update(repr(row).encode())
    return sha.hexdigest()


def test_setup_twice_leaves_the_same_database():
    call_command("setup", "--no-migrate", "--quiet")
    first = _database_fingerprint()
    call_command("setup", "--no-migrate", "--quiet")
    assert _database_fingerprint() == first


def test_changed_rows_are_updated_by_code(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(reference.DATA_DIR, data)
    text = (data / "isic4.csv").read_text(encoding="utf-8").replace("Growing of rice", "Growing of rice (paddy)")
    (data / "isic4.csv").write_text(text, encoding="utf-8")
    monkeypatch.setattr(reference, "DATA_DIR", data)
    result = reference.load_source(next(s for s in reference.SOURCES if s.file == "isic4.csv"))
    assert (result.created, result.updated) == (0, 1)
    assert Activity.objects.get(code="0112").name_en == "Growing of rice (paddy)"


def _broken_copy(tmp_path: Path, file: str, line: int, replacement: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(reference.DATA_DIR, data)
    lines = (data / file).read_text(encoding="utf-8").splitlines()
    lines[line - 1] = replacement
    (data / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


def test_a_malformed_file_names_file_line_and_reason_and_loads_nothing(tmp_path, monkeypatch, capsys):
    Wilayat.objects.filter(code=63).delete()
    data = _broken_copy(tmp_path, "oman_wilayats.csv", 5, "4,99,OM-XX,Nowhere,لا مكان,Bawshar,بوشر,")
    monkeypatch.setattr(reference, "DATA_DIR", data)
    with pytest.raises(CommandError):
        call_command("setup", "--no-migrate", "--quiet")
    err = capsys.readouterr().err
    assert "oman_wilayats.csv, line 5: governorate 99 is not in oman_governorates.csv" in err
    assert not Wilayat.objects.filter(code=63).exists(), "nothing of the malformed file was loaded"


@pytest.mark.parametrize(
    ("file", "line", "content", "reason"),
    [
        ("isco08.csv", 3, "01,unit,0,0,Officers,,", "level 'unit' does not fit a code of 2 digit(s)"),
        ("isic4.csv", 2, "01,division,Z,A,Crops,محاصيل", "parent 'Z' has not been defined above"),
        ("countries.csv", 3, "AE,ARE,784,,,,,,,Emirati,إماراتي", "'name_en' is empty"),
        ("countries.csv", 4, "AE,ARE,784,United Arab Emirates,,,الإمارات,,,Emirati,إماراتي", "repeats line 3"),
    ],
)
def test_malformed_rows_are_reported_precisely(tmp_path, monkeypatch, file, line, content, reason):
    monkeypatch.setattr(reference, "DATA_DIR", _broken_copy(tmp_path, file, line, content))
    source = next(s for s in reference.SOURCES if s.file == file)
    with pytest.raises(reference.MalformedFile) as error:
        source.parse()
    assert error.value.file == file and error.value.line == line
    assert reason in error.value.reason
