"""`manpower bench contract`: render a contract PDF and apply both signatures (each time-stamped by the
sandbox's TSA, run as its own process as a real TSA would be), then validate the signed contract.

Self-contained: a throw-away CA, signers and file store in a temporary folder; no database rows.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from django.conf import settings

ROUNDS = 30
WARM_UP = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _version() -> Any:
    """A contract version in memory, with everything its document shows."""
    from manpower.contracts.models import Contract, ContractVersion
    from manpower.registry.models import Country, Establishment, Governorate, Occupation, Person, Wilayat

    governorate = Governorate(code=3, iso_code="OM-MA", name_ar="مسقط", name_en="Muscat")
    establishment = Establishment(
        cr_number="1234567", name_ar="شركة الخليج للمقاولات والتجارة ش.م.م", name_en="Gulf Contracting & Trading LLC",
        kind="company", governorate=governorate, wilayat=Wilayat(code=2, governorate=governorate, name_ar="السيب",
                                                                 name_en="As Seeb"))
    person = Person(passport_number="P8812345", passport_country_id="IN", name_latin="Rahul Kumar Nair",
                    name_ar="راهول كومار ناير", date_of_birth=date(1990, 4, 12), sex="M",
                    nationality=Country(code="IN", alpha3="IND", numeric="356", name_en="India", name_ar="الهند",
                                        nationality_en="Indian", nationality_ar="هندي"))
    contract = Contract(number="CTR-2026-0000001-4", establishment=establishment, person=person)
    return ContractVersion(
        contract=contract, seq=1, occupation=Occupation(code="7112", level="unit", name_en="Bricklayers and related "
                                                        "workers", name_ar="البنّاؤون والعاملون في مهن ذات صلة"),
        duties_ar="أعمال البناء بالطوب والحجر في مواقع الشركة، مع الالتزام بتعليمات السلامة.",
        duties_en="Brick and stone laying on the company's sites, following the safety instructions.",
        workplace_ar="السيب، مسقط", workplace_en="As Seeb, Muscat", term="fixed", start_date=date(2027, 1, 1),
        end_date=date(2028, 12, 31), probation_days=60, pay_basis="monthly", basic_wage=Decimal("220.000"),
        housing_allowance=Decimal("40.000"), transport_allowance=Decimal("20.000"), other_allowances=Decimal("0.000"),
        pay_day=7, daily_hours=Decimal(8), weekly_hours=Decimal(40), rest_days_per_week=2, annual_leave_days=30,
        notice_days=30, non_renewal_notice_days=30)


def _signer(name: str, serial: str) -> dict[str, Any]:
    from manpower.identity import pki

    key = pki.new_signing_key()
    certificate = pki.issue_certificate(pki.Subject(common_name=name, serial_number=serial), key.public_key())
    context = f"bench:{serial}"
    return {"sealed_key": pki.seal_private_key(key, context=context), "key_context": context,
            "certificate_pem": certificate.public_bytes(serialization.Encoding.PEM), "signer_label": name}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    from manpower.contracts import documents, signing
    from manpower.identity import pki

    names = ("PKI_DIR", "PKI_CA_CERT_FILE", "PKI_CA_KEY_FILE", "TSA_URL")
    saved = {name: getattr(settings, name) for name in names}
    with tempfile.TemporaryDirectory(prefix="manpower-bench-") as folder:
        pki_dir = Path(folder) / "pki"
        port = _free_port()
        settings.PKI_DIR = pki_dir
        settings.PKI_CA_CERT_FILE = str(pki_dir / "ca-cert.pem")
        settings.PKI_CA_KEY_FILE = str(pki_dir / "ca-key.pem")
        settings.TSA_URL = f"http://127.0.0.1:{port}/tsa"
        pki.authority.cache_clear()
        pki.trust_roots.cache_clear()
        pki.ensure_development_ca()
        sandbox = subprocess.Popen([sys.executable, "-m", "manpower.cli", "sandbox", "--port", str(port)],
                                   env={**os.environ, "PKI_DIR": str(pki_dir)}, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            _wait_for(f"http://127.0.0.1:{port}/health", sandbox)
            version = _version()
            employer, worker = _signer("Salim Al Harthi", "CIVILID-10203040"), _signer("Rahul Kumar Nair",
                                                                                       "PASSPORT-IN-P8812345")
            make: list[float] = []
            check: list[float] = []
            pdf = b""
            for round_ in range(rounds + WARM_UP):
                started = time.perf_counter()
                pdf = documents.render(version)
                pdf = signing.sign(pdf, field_name=signing.EMPLOYER_FIELD, certify=True, reason="bench",
                                   location="Muscat", role_label="employer", **employer)
                pdf = signing.sign(pdf, field_name=signing.WORKER_FIELD, certify=False, reason="bench",
                                   location="Muscat", role_label="worker", **worker)
                made = time.perf_counter()
                report = signing.validate(pdf)
                done = time.perf_counter()
                if not report.valid:
                    raise RuntimeError(f"the benchmark's contract does not validate: {report}")
                if round_ >= WARM_UP:
                    make.append((made - started) * 1000)
                    check.append((done - made) * 1000)
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=10)
            for name, value in saved.items():
                setattr(settings, name, value)
            pki.authority.cache_clear()
            pki.trust_roots.cache_clear()
    return {
        "bench": "contract", "rounds": rounds, "pdf_bytes": len(pdf),
        "render_and_sign_p50_ms": round(statistics.median(make), 1),
        "render_and_sign_p95_ms": round(_percentile(make, 0.95), 1),
        "validate_p50_ms": round(statistics.median(check), 1),
        "validate_p95_ms": round(_percentile(check, 0.95), 1),
        "targets_ms": {"render_and_sign_p50": 300, "validate_p50": 200},
    }


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the sandbox stopped before it answered")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the sandbox did not answer within 30 s")
