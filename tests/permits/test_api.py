"""The REST API as a client uses it: HTTP Basic, JSON, Idempotency-Key, Accept-Language."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from manpower.permits.models import Application
from tests import factories as f
from tests.permits.conftest import new_permit

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def auth(user) -> dict[str, str]:
    token = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post(client: Client, path: str, body: dict, user, **headers):
    return client.post(path, body, content_type="application/json", **auth(user), **headers)


def test_submit_get_and_list(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    response = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit()}, rep)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("APP-") and body["decision"]["outcome"] in {"approve", "await", "reject", "refer"}
    assert {"id", "status", "message", "fix", "citation"} <= set(body["decision"]["checks"][0])
    detail = client.get(f"/api/v1/applications/{body['number']}", **auth(rep)).json()
    assert detail["number"] == body["number"]
    listing = client.get(f"/api/v1/applications?cr_number={est.cr_number}&page_size=10", **auth(rep)).json()
    assert listing["count"] == 1 and listing["results"][0]["number"] == body["number"]


def test_the_same_idempotency_key_returns_the_first_result(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    first = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit()}, rep,
                 HTTP_IDEMPOTENCY_KEY="abc-123")
    again = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit(passport_number="ZZ99887")},
                 rep, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Application.objects.count() == 1


def test_invalid_fields_give_422_with_code_field_and_message_in_the_callers_language(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    body = {"cr_number": est.cr_number, **new_permit(passport_number="p", occupation="12", basic_wage="abc")}
    english = post(client, "/api/v1/applications", body, rep, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    errors = {e["field"]: e for e in english.json()["errors"]}
    assert set(errors) == {"passport_number", "occupation", "basic_wage"}
    assert errors["occupation"]["code"] == "unknown_occupation"
    assert errors["occupation"]["message"] == "12 is not an ISCO-08 unit group code (4 digits, e.g. 7112)."
    assert english["Content-Language"] == "en"
    arabic = post(client, "/api/v1/applications", body, rep, HTTP_ACCEPT_LANGUAGE="ar")
    assert "رمز" in {e["field"]: e for e in arabic.json()["errors"]}["occupation"]["message"]
    assert arabic["Content-Language"] == "ar"


def test_without_accept_language_the_api_answers_in_the_callers_own_language(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    body = {"cr_number": est.cr_number, **new_permit(occupation="12")}
    rep.preferred_language = "en"
    rep.save(update_fields=["preferred_language"])
    answer = post(client, "/api/v1/applications", body, rep)
    assert answer.json()["errors"][0]["message"].startswith("12 is not an ISCO-08 unit group code")
    rep.preferred_language = "ar"
    rep.save(update_fields=["preferred_language"])
    assert "رمز" in post(client, "/api/v1/applications", body, rep).json()["errors"][0]["message"]


def test_decisions_read_in_the_language_asked(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    body = {"cr_number": est.cr_number, **new_permit(date_of_birth="2010-01-01")}
    answer = post(client, "/api/v1/applications", body, rep, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert answer.status_code == 201, answer.content
    failed = [c for c in answer.json()["decision"]["checks"] if c["status"] == "failed"]
    assert failed and all(c["message"].isascii() for c in failed), failed


def test_an_unknown_cr_is_a_specific_refusal(client, employer_world):
    response = post(client, "/api/v1/applications", {"cr_number": "7777777", **new_permit()}, employer_world["rep"],
                     HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"


def test_other_establishments_applications_are_invisible(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    number = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit()}, rep).json()["number"]
    outsider = f.user("employer", establishments=[f.establishment()])
    assert client.get(f"/api/v1/applications/{number}", **auth(outsider)).status_code == 404
    assert client.get("/api/v1/applications", **auth(outsider)).json()["count"] == 0


def test_unauthenticated_calls_are_refused(client):
    assert client.get("/api/v1/applications").status_code == 401


def test_bulk_returns_a_result_per_row(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    rows = [new_permit(passport_number="B1000001"), new_permit(passport_number="bad"), new_permit(passport_number="B1000003")]
    response = post(client, "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": rows}, rep,
                    HTTP_ACCEPT_LANGUAGE="en", HTTP_IDEMPOTENCY_KEY="batch-1")
    body = response.json()
    assert (body["accepted"], body["refused"]) == (2, 1)
    assert [r["accepted"] for r in body["results"]] == [True, False, True]
    assert body["results"][1]["errors"][0]["field"] == "passport_number"
    again = post(client, "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": rows}, rep,
                 HTTP_IDEMPOTENCY_KEY="batch-1").json()
    assert [r.get("number") for r in again["results"]] == [r.get("number") for r in body["results"]]
    assert Application.objects.count() == 2


def test_bulk_refuses_more_than_1000_rows(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    response = post(client, "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": [{}] * 1001}, rep,
                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "too_many_rows"


def test_the_openapi_document_is_published(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/applications" in schema["paths"] and "/api/v1/verify" in schema["paths"]


def test_api_tokens_authenticate_without_a_password_and_can_be_revoked(client, employer_world):
    from manpower.identity.tokens import token_create, token_revoke

    token, secret = token_create(actor=employer_world["rep"], user=employer_world["rep"], name="payroll")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/me", **headers).json()["email"] == employer_world["rep"].email
    assert token.digest != secret and secret not in token.prefix + token.digest
    token_revoke(actor=employer_world["rep"], token=token)
    assert client.get("/api/v1/me", **headers).status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer mpw_not-a-token").status_code == 401


def test_an_api_submission_is_a_bounded_number_of_queries_with_its_audit_chain_intact(client, employer_world):
    """Authenticate (token), find the establishment, decide, persist, audit and write the outbox: 19 statements,
    21 on PostgreSQL here (a test never commits, so the application-number sequence is read under a savepoint)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from manpower.audit.services import verify_chain
    from manpower.core.models import OutboxMessage
    from manpower.identity.tokens import token_create

    est, rep = employer_world["est"], employer_world["rep"]
    _, secret = token_create(actor=rep, user=rep, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client.post("/api/v1/applications", {"cr_number": est.cr_number, **new_permit(passport_number="QC0000001")},
                content_type="application/json", **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/applications", {"cr_number": est.cr_number, **new_permit(passport_number="QC0000002")},
                               content_type="application/json", HTTP_IDEMPOTENCY_KEY="qc-2", **headers)
    assert response.status_code == 201, response.content
    assert len(captured) <= 21, [q["sql"][:80] for q in captured]
    number = response.json()["number"]
    assert OutboxMessage.objects.filter(key__contains=number).count() == 2  # submitted, decided
    assert verify_chain().ok
