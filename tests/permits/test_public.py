"""Anyone checks a permit: by number, by the QR credential, offline with the published key."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.pdf_utils.reader import PdfFileReader

from manpower.permits.documents import permit_card_pdf
from manpower.permits.models import Permit
from tests import factories as f
from tests.permits.test_pipeline import issued_permit

pytestmark = pytest.mark.django_db


def test_verify_by_number_and_by_credential_shows_live_status(client, employer_world):
    permit = issued_permit(employer_world)
    by_number = client.get(f"/api/v1/verify?number={permit.number}").json()
    assert (by_number["found"], by_number["status"]) == (True, "active")
    by_token = client.get("/api/v1/verify", {"token": permit.credential}).json()
    assert by_token["signature_valid"] is True and by_token["number"] == permit.number
    Permit.objects.filter(pk=permit.pk).update(status="cancelled")
    assert client.get("/api/v1/verify", {"token": permit.credential}).json()["status"] == "cancelled"


def test_a_forged_credential_is_reported_as_not_genuine(client, employer_world):
    permit = issued_permit(employer_world)
    header, payload, signature = permit.credential.split(".")
    forged = f"{header}.{payload[:-4]}AAAA.{signature}"
    result = client.get("/api/v1/verify", {"token": forged}).json()
    assert result["found"] is False and result["signature_valid"] is False


def test_the_public_page_in_both_languages(client, employer_world):
    permit = issued_permit(employer_world)
    arabic = client.get("/verify", {"token": permit.credential}).content.decode()
    assert permit.number in arabic and "نشط" in arabic and 'dir="rtl"' in arabic
    english = client.get("/en/verify", {"query": permit.number}).content.decode()
    assert "active" in english
    unknown = client.get("/en/verify", {"query": "WP-2026-0000999-0"}).content.decode()
    assert "No permit has this number" in unknown


def test_the_published_key_set_checks_credentials_offline(client, employer_world, tmp_path, capsys):
    permit = issued_permit(employer_world)
    jwks = client.get("/.well-known/jwks.json").json()
    assert jwks["keys"][0]["alg"] == "ES256" and "d" not in jwks["keys"][0], "no private part is published"
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    call_command("verify-credential", permit.credential, "--jwks", str(path))
    out = capsys.readouterr().out
    assert "VALID signature" in out and permit.number in out
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("verify-credential", permit.credential[:-6] + "AAAAAA", "--jwks", str(path))


def test_the_permit_card_is_a_one_page_pdf(employer_world):
    permit = issued_permit(employer_world)
    pdf = permit_card_pdf(permit)
    assert pdf.startswith(b"%PDF")
    import io

    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.root["/Pages"]["/Kids"]) == 1


def test_permit_pages_are_for_those_concerned(client, employer_world):
    permit = issued_permit(employer_world)
    client.force_login(employer_world["rep"])
    assert client.get(f"/en/permits/{permit.number}/").status_code == 200
    card = client.get(f"/en/permits/{permit.number}/card.pdf")
    assert card.status_code == 200 and card["Content-Type"] == "application/pdf"
    client.force_login(f.user("employer", establishments=[f.establishment()]))
    assert client.get(f"/en/permits/{permit.number}/").status_code == 404


def test_submit_command_reads_csv_and_reports_each_row(employer_world, tmp_path, capsys):
    path = tmp_path / "batch.csv"
    path.write_text(
        "type,passport_number,passport_country,nationality,name_latin,date_of_birth,sex,passport_expires_on,occupation,basic_wage\n"
        "new_permit,C1000001,BD,BD,Karim Uddin,1990-02-02,M,2030-05-05,9313,150\n"
        "new_permit,C1000002,BD,BD,Rahim Uddin,1991-02-02,M,2030-05-05,99,150\n", encoding="utf-8")
    call_command("submit", str(path), "--cr", employer_world["est"].cr_number, "--as", employer_world["rep"].email)
    out = capsys.readouterr().out
    assert "row    1: accepted APP-" in out and "row    2: refused — occupation:" in out
