"""The signed contract as a standard PDF reader sees it: Poppler (the engine of common desktop readers)
finds both signatures valid and, trusting our certificate authority, their certificates trusted."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from manpower.contracts import services
from tests.contracts.conftest import draft, send, sign

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not (shutil.which("pdfsig") and shutil.which("certutil")),
                                 reason="Poppler's pdfsig and NSS's certutil are not installed (.ci/run installs them)")]


def reader_report(pdf: Path, nss: Path) -> list[dict[str, str]]:
    # Our certificates name no OCSP responder, so the reader has nothing to ask online.
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True,
                         timeout=60).stdout
    signatures: list[dict[str, str]] = []
    for line in out.splitlines():
        if line.startswith("Signature #"):
            signatures.append({})
        elif signatures and line.strip().startswith("- "):
            name, _, value = line.strip()[2:].partition(":")  # "Total document signed" has no value
            signatures[-1][name.strip()] = value.strip()
    return signatures


def test_a_pdf_reader_shows_two_valid_trusted_signatures(world, tmp_path):
    contract = draft(world)
    send(world, contract)
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(services.read_document(sign(world, contract)))
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "Manpower CA", "-t", "CT,C,C", "-i",
                    settings.PKI_CA_CERT_FILE], check=True, capture_output=True)

    signatures = reader_report(pdf, nss)
    assert [s["Signature Field Name"] for s in signatures] == ["EmployerSignature", "WorkerSignature"]
    assert all(s["Signature Validation"] == "Signature is Valid." for s in signatures), signatures
    assert all(s["Certificate Validation"] == "Certificate is Trusted." for s in signatures), [s["Certificate Validation"] for s in signatures]
    assert "Total document signed" in signatures[1], "the worker's signature covers the whole final file"

    tampered = bytearray(pdf.read_bytes())
    position = tampered.index(b"stream", 200) + 40
    tampered[position] ^= 0x01
    pdf.write_bytes(bytes(tampered))
    assert all(s["Signature Validation"] != "Signature is Valid." for s in reader_report(pdf, nss))
