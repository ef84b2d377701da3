"""The contracts API: the same services, errors as {code, field, message} in the caller's language."""

from __future__ import annotations

import pytest
from django.test import Client

from manpower.core.models import OutboxMessage
from tests.contracts.conftest import lawful_terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    employer, worker = Client(), Client()
    employer.force_login(world["rep"])
    worker.force_login(world["worker"])
    return {"employer": employer, "worker": worker}


def test_draft_check_send_and_sign_over_the_api(world, api):
    created = api["employer"].post("/api/v1/contracts", {
        "cr_number": world["est"].cr_number, "employment_id": world["employment"].pk,
        "terms": lawful_terms(probation_days="100")}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["number"]
    assert body["current"]["law"]["outcome"] == "reject" and body["actions"]["send"] is False

    refused = api["employer"].post(f"/api/v1/contracts/{number}/signing-code", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert errors == [{"code": "contract_rule_failed", "field": "probation-limit", "message": errors[0]["message"]}]
    assert "37" in errors[0]["message"], "the message carries the article it applies"

    updated = api["employer"].put(f"/api/v1/contracts/{number}/draft", {"terms": lawful_terms()},
                                  content_type="application/json")
    assert updated.json()["actions"]["send"] is True
    sent = api["employer"].post(f"/api/v1/contracts/{number}/signing-code").json()
    assert sent["channel"] == "sms" and sent["destination"].endswith("0000")
    code = OutboxMessage.objects.filter(topic="signing.otp").latest("id").payload["code"]
    offered = api["employer"].post(f"/api/v1/contracts/{number}/send", {"code": code}, content_type="application/json")
    assert offered.json()["current"]["state"] == "offered"

    wrong = api["worker"].post(f"/api/v1/contracts/{number}/sign", {"code": "12345"}, content_type="application/json",
                               HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "code_format"
    api["worker"].post(f"/api/v1/contracts/{number}/signing-code")
    code = OutboxMessage.objects.filter(topic="signing.otp", payload__user_id=world["worker"].pk).latest("id").payload["code"]
    signed = api["worker"].post(f"/api/v1/contracts/{number}/sign", {"code": code}, content_type="application/json")
    assert signed.json()["status"] == "registered"
    assert [s["role"] for s in signed.json()["current"]["signatures"]] == ["employer", "worker"]
    pdf = api["worker"].get(f"/api/v1/contracts/{number}/versions/1/pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_another_employer_cannot_see_or_draft_for_this_worker(world, db):
    from manpower.identity.models import Role
    from tests import factories as f

    stranger = Client()
    stranger.force_login(f.user(Role.EMPLOYER, establishments=[f.establishment()]))
    refused = stranger.post("/api/v1/contracts", {
        "cr_number": world["est"].cr_number, "employment_id": world["employment"].pk, "terms": lawful_terms()},
        content_type="application/json")
    assert refused.status_code == 404
    assert stranger.get("/api/v1/contracts").json()["count"] == 0
