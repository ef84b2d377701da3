"""Input no field may hold, or a column could not store, is refused whole, with its field and reason; nothing is written."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from manpower.identity.tokens import token_create
from manpower.payments.models import Invoice
from manpower.permits.models import Application
from manpower.registry.models import Person
from tests.permits.conftest import new_permit

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, employer_world):  # type: ignore[no-untyped-def]
    _, secret = token_create(actor=employer_world["rep"], user=employer_world["rep"], name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}

    def call(method: str, path: str, body: object = None, **extra: str):  # type: ignore[no-untyped-def]
        if method == "get":
            return client.get(path, **{**headers, **extra})
        return client.post(path, json.dumps(body), content_type="application/json", **{**headers, **extra})

    return call


def errors_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {error["field"]: error["code"] for error in response.json()["errors"]}


def test_a_nul_character_anywhere_is_a_422_naming_the_field(api, employer_world):
    est = employer_world["est"]
    body = {"cr_number": est.cr_number, **new_permit(name_latin="Arun\u0000Kumar")}
    response = api("post", "/api/v1/applications", body)
    assert response.status_code == 422 and errors_of(response) == {"name_latin": "nul_character"}
    bulk = api("post", "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": [new_permit(), new_permit(sex="M\u0000")]})
    assert bulk.status_code == 422 and errors_of(bulk) == {"rows.1.sex": "nul_character"}
    listing = api("get", "/api/v1/applications?state=%00")
    assert listing.status_code == 422 and errors_of(listing) == {"state": "nul_character"}
    assert api("get", "/api/v1/applications/APP%00").status_code == 404
    assert Application.objects.count() == 0


def test_a_nul_character_in_a_portal_page_is_a_plain_400(client):
    assert client.get("/en/verify?query=WP%00").status_code == 400
    assert client.post("/en/verify", {"query": "WP\u0000"}).status_code == 400


def test_a_body_over_the_limit_is_a_413_in_the_error_shape(api, employer_world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    rows = [new_permit(passport_number=f"L{index:07d}") for index in range(100)]
    response = api("post", "/api/v1/applications/bulk", {"cr_number": employer_world["est"].cr_number, "rows": rows})
    assert response.status_code == 413 and errors_of(response) == {None: "request_too_large"}
    assert Application.objects.count() == 0


def test_page_numbers_and_filters_outside_their_range_are_422(api):
    assert api("get", "/api/v1/applications?page=9223372036854775807").status_code == 422
    unknown = api("get", "/api/v1/applications?state=approvedd&type=renew")
    assert unknown.status_code == 422 and errors_of(unknown) == {"state": "unknown_code", "type": "unknown_code"}


def test_amounts_dates_and_names_must_be_written_plainly(api, employer_world):
    est = employer_world["est"]
    for field, value, code in [("basic_wage", "0", "wage_invalid"), ("basic_wage", "-0", "wage_invalid"),
                               ("basic_wage", "1e3", "wage_invalid"), ("basic_wage", "1_000", "wage_invalid"),
                               ("date_of_birth", "19940517", "invalid_date"), ("date_of_birth", "1994-W20-1", "invalid_date"),
                               ("name_latin", "Arun \u202eramuK", "control_character")]:
        response = api("post", "/api/v1/applications", {"cr_number": est.cr_number, **new_permit(**{field: value})})
        assert (response.status_code, errors_of(response)) == (422, {field: code}), (field, value)
    arabic_digits = {"cr_number": "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in est.cr_number),
                     **new_permit(occupation="٧١١٢", basic_wage="٢٢٠٫٥")}
    accepted = api("post", "/api/v1/applications", arabic_digits)
    assert accepted.status_code == 201, accepted.content
    assert (accepted.json()["occupation"], accepted.json()["basic_wage"]) == ("7112", "220.500")


def test_the_body_may_carry_the_idempotency_key_for_clients_that_cannot_set_headers(api, employer_world):
    body = {"cr_number": employer_world["est"].cr_number, **new_permit(), "idempotency_key": "row-7"}
    first, again = api("post", "/api/v1/applications", body), api("post", "/api/v1/applications", body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["number"] == again.json()["number"]
    differ = api("post", "/api/v1/applications", body, HTTP_IDEMPOTENCY_KEY="row-8")
    assert differ.status_code == 422 and errors_of(differ) == {"idempotency_key": "idempotency_keys_differ"}


def test_a_bulk_row_for_another_establishment_and_unknown_batch_fields_are_refused(api, employer_world):
    est = employer_world["est"]
    rows = [{**new_permit(passport_number="BR000001"), "cr_number": "7654321"}, new_permit(passport_number="BR000002")]
    result = api("post", "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": rows}).json()
    assert [row["accepted"] for row in result["results"]] == [False, True]
    assert result["results"][0]["errors"][0]["code"] == "row_of_other_establishment"
    unknown = api("post", "/api/v1/applications/bulk", {"cr_number": est.cr_number, "rows": [], "dry_run": True})
    assert unknown.status_code == 422 and errors_of(unknown) == {"dry_run": "unknown_field"}


def test_a_stale_session_cookie_with_refused_credentials_is_401_not_a_csrf_failure(client):
    client.cookies["sessionid"] = "expired-session"
    response = client.post("/api/v1/applications", "{}", content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer mpw_wrong")
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "not_authenticated"


def test_a_counter_payment_with_an_impossible_amount_or_too_long_a_reference_is_422(client, employer_world):
    from tests.permits.test_pipeline import submit

    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    from manpower.permits import services

    services.application_redecide(application=application)
    invoice = Invoice.objects.get(subject_id=application.number)
    _, secret = token_create(actor=employer_world["officer"], user=employer_world["officer"], name="counter")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}
    path = f"/api/v1/invoices/{invoice.number}/payments"
    for body, field, code in [({"amount": "1e999999", "method": "counter", "reference": "R1"}, "amount", "wage_invalid"),
                              ({"amount": str(invoice.total_omr), "method": "counter", "reference": "R" * 81},
                               "reference", "too_long")]:
        response = client.post(path, json.dumps(body), content_type="application/json", **headers)
        assert response.status_code == 422 and errors_of(response) == {field: code}, response.content
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DUE


def test_the_submit_command_keys_each_row_of_the_file_and_fails_when_nothing_was_accepted(employer_world, tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([new_permit(passport_number="SC000001")]), encoding="utf-8")
    arguments = [str(path), "--cr", employer_world["est"].cr_number, "--as", employer_world["rep"].email]
    call_command("submit", *arguments, "--key", "k" * 118)
    call_command("submit", *arguments, "--key", "k" * 118)  # the same file again: the same application
    assert Application.objects.filter(idempotency_key="k" * 118 + ":1").count() == 1
    with pytest.raises(CommandError, match="at most 118"):
        call_command("submit", *arguments, "--key", "k" * 119)
    path.write_text(json.dumps([new_permit(occupation="12")]), encoding="utf-8")
    with pytest.raises(CommandError, match="no row was accepted"):
        call_command("submit", *arguments)


def test_schema_errors_speak_the_callers_language_with_our_codes(api, employer_world):
    missing = api("post", "/api/v1/applications", new_permit(), HTTP_ACCEPT_LANGUAGE="ar")
    assert missing.status_code == 422 and errors_of(missing) == {"cr_number": "required"}
    assert missing.json()["errors"][0]["message"] == "هذا الحقل مطلوب."
    page = api("get", "/api/v1/applications?page=0&page_size=500")
    assert errors_of(page) == {"page": "value_too_small", "page_size": "value_too_large"}
    assert {e["message"] for e in page.json()["errors"]} == {"Enter 1 or more.", "Enter 200 or less."}


def test_the_application_page_links_only_what_its_reader_may_open(client, employer_world):
    from manpower.identity.models import Role
    from manpower.permits import services
    from tests import factories as f
    from tests.permits.test_pipeline import submit

    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application)
    invoice = Invoice.objects.get(subject_id=application.number)
    worker = f.user(Role.WORKER, person_record=Person.objects.get(pk=application.person_id))
    client.force_login(employer_world["rep"])
    assert f'/invoices/{invoice.number}/' in client.get(f"/en/applications/{application.number}/").content.decode()
    client.force_login(worker)
    page = client.get(f"/en/applications/{application.number}/")
    assert page.status_code == 200 and invoice.number in page.content.decode()
    assert f'/invoices/{invoice.number}/' not in page.content.decode()


def test_the_public_check_reads_a_permit_number_typed_with_arabic_indic_digits(client, employer_world):
    from tests.permits.test_pipeline import issued_permit

    permit = issued_permit(employer_world)
    typed = "".join("٠١٢٣٤٥٦٧٨٩"[int(ch)] if ch.isdigit() else ch for ch in permit.number.lower())
    result = client.get("/api/v1/verify", {"number": typed}).json()
    assert (result["found"], result["number"], result["status"]) == (True, permit.number, "active")


def test_unknown_api_addresses_and_methods_answer_in_the_error_shape(client):
    missing = client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"
    wrong = client.delete("/api/v1/verify", HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 405 and wrong.json()["errors"][0]["code"] == "method_not_allowed"
    assert "GET" in wrong["Allow"] and "GET" in wrong.json()["errors"][0]["message"]


def test_the_public_check_explains_its_problems_in_the_callers_language(client):
    unknown = client.get("/api/v1/verify", {"number": "WP-2026-0000001-4"}, HTTP_ACCEPT_LANGUAGE="ar").json()
    assert (unknown["found"], unknown["problem_code"]) == (False, "no_such_permit")
    assert unknown["problem"] == "لا يوجد ترخيص بهذا الرقم."
    forged = client.get("/api/v1/verify", {"token": "a.b.c"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert forged["problem_code"] == "credential_not_genuine" and forged["problem"].startswith("This credential is not genuine")
