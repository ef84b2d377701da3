"""The REST API as a client uses it: HTTP Basic, JSON, Idempotency-Key, Accept-Language."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from manpower.permits.models import Application
from manpower.registry.models import Person
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
    again = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit()}, rep,
                 HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Application.objects.count() == 1


def test_an_idempotency_key_sent_with_another_application_is_refused(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    first = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit()}, rep,
                 HTTP_IDEMPOTENCY_KEY="abc-123")
    other = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit(passport_number="ZZ99887")},
                 rep, HTTP_IDEMPOTENCY_KEY="abc-123", HTTP_ACCEPT_LANGUAGE="en")
    assert (first.status_code, other.status_code) == (201, 422)
    [error] = other.json()["errors"]
    assert error["code"] == "idempotency_key_reused" and error["field"] == "Idempotency-Key"
    assert first.json()["number"] in error["message"]
    assert Application.objects.count() == 1 and not Person.objects.filter(passport_number="ZZ99887").exists()


def test_an_idempotency_key_longer_than_120_characters_is_refused_not_cut(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    body = {"cr_number": est.cr_number, **new_permit()}
    response = post(client, "/api/v1/applications", body, rep, HTTP_IDEMPOTENCY_KEY="k" * 121, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"code": "too_long", "field": "Idempotency-Key",
                                          "message": "Enter at most 120 characters; this has 121."}]
    assert post(client, "/api/v1/applications", body, rep, HTTP_IDEMPOTENCY_KEY="k" * 120).status_code == 201


def test_the_idempotency_key_header_is_in_the_openapi_document(client):
    schema = client.get("/api/openapi.json").json()
    parameters = schema["paths"]["/api/v1/applications"]["post"]["parameters"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()
    assert parameters[0]["schema"]["maxLength"] == 120


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
    """Authenticate (token), find the establishment, decide, persist, audit and write the outbox: 16 statements,
    18 on PostgreSQL here (a test never commits, so the application-number sequence is read under a savepoint)."""
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
    assert len(captured) <= 18, [q["sql"][:80] for q in captured]
    number = response.json()["number"]
    assert OutboxMessage.objects.filter(key__contains=number).count() == 2  # submitted, decided
    assert verify_chain().ok


def test_input_longer_or_larger_than_its_column_is_a_422_not_a_server_error(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    body = {"cr_number": est.cr_number, **new_permit(name_latin="A" * 301, name_ar="ع" * 301, basic_wage="10000000",
                                                     email="not-an-address", date_of_birth="2999-01-01")}
    response = post(client, "/api/v1/applications", body, rep, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert {field: e["code"] for field, e in errors.items()} == {
        "name_latin": "too_long", "name_ar": "too_long", "basic_wage": "amount_too_large", "email": "invalid_email",
        "date_of_birth": "date_in_future"}
    assert errors["basic_wage"]["message"] == "Enter an amount of at most 9,999,999.999 rials."
    assert errors["name_latin"]["message"] == "Enter at most 300 characters; this has 301."
    arabic = post(client, "/api/v1/applications", body, rep, HTTP_ACCEPT_LANGUAGE="ar").json()["errors"]
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in e["message"]) for e in arabic), arabic
    assert Application.objects.count() == 0
    assert not Person.objects.filter(passport_number=body["passport_number"]).exists()


def test_an_unknown_field_is_refused_by_name_as_in_bulk(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    response = post(client, "/api/v1/applications", {"cr_number": est.cr_number, **new_permit(), "salary": "300"}, rep,
                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"code": "unknown_field", "field": "salary",
                                          "message": "salary is not a field of an application."}]


def test_a_refused_token_is_401_in_the_error_shape_even_on_post(client):
    for header in ("Bearer mpw_garbage", "Bearer", "Basic !!!", "Digest x"):
        response = client.post("/api/v1/applications", {}, content_type="application/json", HTTP_AUTHORIZATION=header,
                               HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 401, (header, response.content)
        assert response.json()["errors"][0]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bulk_row_key_longer_than_120_characters_refuses_that_row_only(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    rows = [{**new_permit(passport_number="BK000001"), "idempotency_key": "x" * 121},
            {**new_permit(passport_number="BK000002"), "idempotency_key": "row-2"}]
    body = post(client, "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": rows}, rep,
                HTTP_ACCEPT_LANGUAGE="en").json()
    assert [r["accepted"] for r in body["results"]] == [False, True]
    assert body["results"][0]["errors"][0] | {"message": ""} == {"code": "too_long", "field": "idempotency_key",
                                                                  "message": ""}
    too_long_batch = post(client, "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": rows}, rep,
                          HTTP_IDEMPOTENCY_KEY="b" * 116)
    assert too_long_batch.status_code == 422 and too_long_batch.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Application.objects.count() == 1


def test_a_second_open_application_for_the_same_worker_is_refused_with_the_first_ones_number(client, employer_world):
    est, rep = employer_world["est"], employer_world["rep"]
    body = {"cr_number": est.cr_number, **new_permit(passport_number="DUP12345")}
    first = post(client, "/api/v1/applications", body, rep)
    assert first.status_code == 201 and first.json()["state"] in {"approved", "awaiting_verification", "referred"}
    again = post(client, "/api/v1/applications", body, rep, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 422
    [error] = again.json()["errors"]
    assert (error["code"], error["field"]) == ("worker_application_in_progress", "passport_number")
    assert first.json()["number"] in error["message"]
    assert Application.objects.count() == 1


def test_the_openapi_document_describes_the_refusals_in_their_shape(client):
    schema = client.get("/api/openapi.json").json()
    responses = schema["paths"]["/api/v1/applications"]["post"]["responses"]
    assert {"200", "201", "401", "422"} <= set(responses)
    errors = schema["components"]["schemas"]["ErrorsOut"]
    assert errors["properties"]["errors"]["items"]["$ref"].endswith("/ErrorOut")
