"""The portal, as the demo employer and the demo worker would use it: draft, send, ask for a change,
revise, sign; the downloaded PDF carries two valid signatures."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from manpower.contracts import signing
from manpower.contracts.models import Contract
from manpower.core.models import OutboxMessage
from manpower.identity.models import User
from manpower.registry.demo import load_demo
from tests.contracts.conftest import lawful_terms

pytestmark = pytest.mark.django_db


def code_for(user: User) -> str:
    return str(OutboxMessage.objects.filter(topic="signing.otp", payload__user_id=user.pk).latest("id").payload["code"])


def test_the_demo_flow_draft_change_request_revision_and_two_signatures(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo(timezone.localdate())
    employer_user = User.objects.get(email="employer@demo.manpower.om")
    worker_user = User.objects.get(email="worker@demo.manpower.om")
    employer, worker = Client(), Client()
    employer.force_login(employer_user)
    worker.force_login(worker_user)

    listing = employer.get("/en/contracts/new/").content.decode()
    employment_id = re.search(r'\?employment=(\d+)">Rahul Kumar Nair', listing).group(1)
    form = employer.get(f"/en/contracts/new/?employment={employment_id}").content.decode()
    assert "Draft an employment contract" in form and 'value="7112"' in form
    terms = lawful_terms(start_date=timezone.localdate().isoformat(), end_date="", term="indefinite",
                         non_renewal_notice_days="", basic_wage="180.000")
    response = employer.post(f"/en/contracts/new/?employment={employment_id}", terms)
    assert response.status_code == 302, response.content.decode()[:3000]
    contract = Contract.objects.get()
    page = employer.get(response.url).content.decode()
    assert "lawful" in page and "Sign and send: send me a code" in page and "أعمال البناء" in page

    assert employer.post(f"/en/contracts/{contract.number}/code/").status_code == 302
    assert "We sent a six-digit code" in employer.get(f"/en/contracts/{contract.number}/").content.decode()
    employer.post(f"/en/contracts/{contract.number}/send/", {"code": code_for(employer_user)})
    assert contract.versions.get().state == "offered"

    offer = worker.get(f"/en/contracts/{contract.number}/").content.decode()
    assert "Your answer" in offer and "Silence is never taken as acceptance" in offer
    worker.post(f"/en/contracts/{contract.number}/change/", {"comment": "Please add a housing allowance of 50"})
    assert contract.versions.get().state == "change_requested"

    assert "Please add a housing allowance of 50" in employer.get(f"/en/contracts/{contract.number}/").content.decode()
    response = employer.post(f"/en/contracts/{contract.number}/revise/")
    assert response.url == f"/en/contracts/{contract.number}/edit/"
    employer.post(response.url, terms | {"housing_allowance": "50.000"})
    employer.post(f"/en/contracts/{contract.number}/code/")
    employer.post(f"/en/contracts/{contract.number}/send/", {"code": code_for(employer_user)})

    worker.post(f"/en/contracts/{contract.number}/code/")
    signed = worker.post(f"/en/contracts/{contract.number}/sign/", {"code": code_for(worker_user)}, follow=True)
    html = signed.content.decode()
    assert "Signed. The contract is registered" in html and "registered" in html
    contract.refresh_from_db()
    assert contract.status == "registered" and contract.registered_version.seq == 2

    download = worker.get(f"/en/contracts/{contract.number}/v2.pdf")
    pdf = b"".join(download.streaming_content)
    report = signing.validate(pdf)
    assert report.valid and len(report.signatures) == 2
    history = employer.get(f"/en/contracts/{contract.number}/").content.decode()
    assert "Employer" in history and "Worker" in history and "Rahul Kumar Nair" in history


def test_the_verification_page_is_public_and_contract_pages_are_not(client):
    assert client.get("/verify/contract").status_code == 200
    assert client.get("/en/contracts/").status_code == 302


def test_an_unlawful_draft_shows_each_reason_with_its_citation(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo(timezone.localdate())
    employer = Client()
    employer.force_login(User.objects.get(email="employer@demo.manpower.om"))
    listing = employer.get("/en/contracts/new/").content.decode()
    employment_id = re.search(r'\?employment=(\d+)">Mohammad', listing).group(1)
    terms = lawful_terms(probation_days="100", weekly_hours="48")
    page = employer.post(f"/en/contracts/new/?employment={employment_id}", terms, follow=True).content.decode()
    assert "breaks the law: it cannot be sent" in page
    assert "Art 37" in page and "40 a week" in page
    assert "Sign and send" not in page
