"""The signed contract validates with explicit trust roots; a tampered copy fails with the reason; the
time-stamping authority speaks RFC 3161."""

from __future__ import annotations

import hashlib
import io

import httpx
import pytest
from asn1crypto import tsp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.timestamps.api import TimeStamper

from manpower.contracts import services, signing
from manpower.identity import pki
from tests.contracts.conftest import draft, send, sign

pytestmark = pytest.mark.django_db


def _append_visible_change(pdf: bytes) -> bytes:
    """What a forger would do: an incremental update that draws new text over the first page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    overlay = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 720 Td (OMR 999.000) Tj ET"))
    contents = page["/Contents"]
    existing = list(contents) if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]
    page["/Contents"] = generic.ArrayObject([*existing, overlay])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_final_pdf_carries_two_valid_time_stamped_signatures_and_tampering_is_caught(world, client):
    contract = draft(world)
    send(world, contract)
    version = sign(world, contract)
    pdf = services.read_document(version)

    genuine = signing.validate(pdf)
    assert genuine.valid and not genuine.changed_after_signing
    assert [s.field for s in genuine.signatures] == [signing.EMPLOYER_FIELD, signing.WORKER_FIELD]
    assert all(s.trusted and s.intact and s.timestamp is not None for s in genuine.signatures)
    assert {s.issuer for s in genuine.signatures} == {"Manpower Signing CA (development)"}

    flipped = bytearray(pdf)
    position = pdf.index(b"stream", 200) + 40
    flipped[position] ^= 0x01
    altered = signing.validate(bytes(flipped))
    assert not altered.valid and altered.changed_after_signing
    assert all("digest_mismatch" in s.problems for s in altered.signatures)

    overdrawn = signing.validate(_append_visible_change(pdf))
    assert not overdrawn.valid and overdrawn.changed_after_signing
    assert all(s.intact for s in overdrawn.signatures), "the signed bytes are intact; what follows them is not allowed"
    assert all(s.modification == "other" for s in overdrawn.signatures)

    page = client.post("/en/verify/contract", {"document": io.BytesIO(pdf)}, format="multipart")
    html = page.content.decode()
    assert page.status_code == 200 and "Valid: every signature holds" in html and contract.number in html
    upload = io.BytesIO(bytes(flipped))
    upload.name = "contract.pdf"
    html = client.post("/en/verify/contract", {"document": upload}).content.decode()
    assert "Not valid" in html and "The document was changed after it was signed." in html

    upload = io.BytesIO(pdf)
    upload.name = "contract.pdf"
    answer = client.post("/api/v1/verify/contract", {"document": upload}).json()
    assert answer["valid"] is True and answer["on_record"]["contract"] == contract.number
    assert [s["role"] for s in answer["signatures"]] == ["employer", "worker"]
    assert hashlib.sha256(pdf).hexdigest() == version.document_sha256


def test_a_pdf_signed_by_someone_outside_our_trust_roots_is_not_trusted(world, tmp_path, settings):
    contract = draft(world)
    send(world, contract)
    pdf = services.read_document(contract.versions.get())
    settings.PKI_CA_CERT_FILE = str(tmp_path / "other-ca.pem")
    settings.PKI_CA_KEY_FILE = str(tmp_path / "other-ca-key.pem")
    pki.authority.cache_clear()
    pki.trust_roots.cache_clear()
    try:
        pki.ensure_development_ca()
        report = signing.validate(pdf)
    finally:
        settings.PKI_CA_CERT_FILE = str(settings.PKI_DIR / "ca-cert.pem")
        settings.PKI_CA_KEY_FILE = str(settings.PKI_DIR / "ca-key.pem")
        pki.authority.cache_clear()
        pki.trust_roots.cache_clear()
    assert not report.valid and "untrusted_certificate" in report.signatures[0].problems


def test_a_file_that_is_not_a_pdf_is_reported_not_readable():
    report = signing.validate(b"%PDF-1.7 this is not really a pdf")
    assert not report.readable and not report.valid


def test_the_time_stamping_authority_answers_rfc_3161_queries(signing_environment):
    url = signing_environment["tsa_url"]
    digest = hashlib.sha256(b"contract").digest()
    nonce, query = TimeStamper().request_cms(digest, "sha256")
    answer = httpx.post(url, content=query.dump(), headers={"Content-Type": "application/timestamp-query"})
    assert answer.headers["Content-Type"] == "application/timestamp-reply"
    reply = tsp.TimeStampResp.load(answer.content)
    assert reply["status"]["status"].native == "granted"
    info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest and info["nonce"].native == nonce
    certificate = reply["time_stamp_token"]["content"]["certificates"][0].chosen
    assert certificate.issuer == pki.as_asn1(pki.authority().certificate).subject
    assert "time_stamping" in certificate.extended_key_usage_value.native

    refused = httpx.post(url, content=b"not a query", headers={"Content-Type": "application/timestamp-query"})
    assert refused.status_code == 200
    assert tsp.PKIStatusInfo.load(refused.content[2:])["status"].native == "rejection"
    assert httpx.post(url, content=query.dump(), headers={"Content-Type": "text/plain"}).status_code == 415
    assert httpx.get(url).status_code == 405
    assert httpx.get(url + "/certificate").text.startswith("-----BEGIN CERTIFICATE-----")
