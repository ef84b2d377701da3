"""Contracts tests: a throw-away certificate authority and file store, and the sandbox's time-stamping
authority started as a real process on a free port (one per test worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.utils.functional import empty

from manpower.contracts import services
from manpower.contracts.models import Contract
from manpower.contracts.terms import parse_terms
from manpower.core.models import OutboxMessage
from manpower.identity.models import Role
from tests import factories as f

TODAY = date(2026, 12, 3)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session", autouse=True)
def signing_environment(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Point the CA, the files and the TSA at this session's own, and start the sandbox."""
    root = tmp_path_factory.mktemp("contracts")
    pki_dir = root / "pki"
    saved = {name: getattr(django_settings, name) for name in
             ("PKI_DIR", "PKI_CA_CERT_FILE", "PKI_CA_KEY_FILE", "MEDIA_ROOT", "TSA_URL")}
    port = _free_port()
    django_settings.PKI_DIR = pki_dir
    django_settings.PKI_CA_CERT_FILE = str(pki_dir / "ca-cert.pem")
    django_settings.PKI_CA_KEY_FILE = str(pki_dir / "ca-key.pem")
    django_settings.MEDIA_ROOT = str(root / "files")
    django_settings.TSA_URL = f"http://127.0.0.1:{port}/tsa"
    from django.core.files.storage import default_storage

    from manpower.identity import pki

    default_storage._wrapped = empty  # re-read MEDIA_ROOT
    pki.authority.cache_clear()
    pki.trust_roots.cache_clear()
    pki.ensure_development_ca()
    env = {**os.environ, "PKI_DIR": str(pki_dir), "DJANGO_SETTINGS_MODULE": "manpower.settings"}
    process = subprocess.Popen([sys.executable, "-m", "manpower.cli", "sandbox", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the sandbox did not start: " + (process.stderr.read().decode() if process.stderr else ""))
        time.sleep(0.1)
    yield {"tsa_url": django_settings.TSA_URL, "pki_dir": Path(pki_dir)}
    process.terminate()
    process.wait(timeout=10)
    for name, value in saved.items():
        setattr(django_settings, name, value)
    default_storage._wrapped = empty
    pki.authority.cache_clear()
    pki.trust_roots.cache_clear()


def lawful_terms(**overrides: Any) -> dict[str, Any]:
    terms = {
        "occupation": "7112", "duties_ar": "أعمال البناء بالطوب والحجر في مواقع الشركة",
        "duties_en": "Brick and stone laying on the company's sites", "workplace_ar": "السيب، مسقط",
        "workplace_en": "As Seeb, Muscat", "term": "fixed", "start_date": "2027-01-01", "end_date": "2028-12-31",
        "probation_days": "60", "pay_basis": "monthly", "basic_wage": "220.000", "housing_allowance": "40.000",
        "transport_allowance": "20.000", "pay_day": "7", "daily_hours": "8", "weekly_hours": "40",
        "rest_days_per_week": "2", "annual_leave_days": "30", "notice_days": "30", "non_renewal_notice_days": "30",
    }
    terms.update(overrides)
    return terms


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """An employer with a representative allowed to sign, and a worker employed there with an account."""
    est = f.establishment()
    rep = f.user(Role.EMPLOYER, establishments=[est], phone="+96891110000")
    person = f.person(nationality="IN", phone="+96892220000", email="worker@example.om")
    employment = f.employ(est, person, start=date(2024, 3, 1), wage="220.000")
    worker = f.user(Role.WORKER, person_record=person)
    return {"est": est, "rep": rep, "person": person, "employment": employment, "worker": worker}


def draft(world: dict[str, Any], **overrides: Any) -> Contract:
    return services.contract_draft(actor=world["rep"], establishment=world["est"], person=world["person"],
                                   terms=parse_terms(lawful_terms(**overrides)), employment=world["employment"],
                                   on=TODAY)


def last_code(user: Any, topic: str = "signing.otp") -> str:
    message = OutboxMessage.objects.filter(topic=topic, payload__user_id=user.pk).order_by("-id").first()
    assert message is not None, f"no {topic} message for {user}"
    return str(message.payload["code"])


def send(world: dict[str, Any], contract: Contract) -> Any:
    services.signing_code_request(actor=world["rep"], contract=contract, on=TODAY)
    return services.contract_send(actor=world["rep"], contract=contract, code=last_code(world["rep"]), on=TODAY)


def sign(world: dict[str, Any], contract: Contract) -> Any:
    services.signing_code_request(actor=world["worker"], contract=contract, on=TODAY)
    return services.contract_sign(actor=world["worker"], contract=contract, code=last_code(world["worker"]), on=TODAY)


def topics() -> list[str]:
    return list(OutboxMessage.objects.order_by("id").values_list("topic", flat=True))
