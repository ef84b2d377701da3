"""The main job through the services: submit, decide, pay, issue; and what happens when facts change."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from manpower.audit.services import verify_chain
from manpower.core import outbox
from manpower.core.errors import DomainError, InputErrors, PermissionDenied
from manpower.core.models import OutboxMessage
from manpower.payments.models import Invoice
from manpower.payments.services import invoice_record_payment
from manpower.permits import credentials, services
from manpower.permits.inputs import parse_application
from manpower.permits.models import Application, Permit
from manpower.registry.models import Person
from tests import factories as f
from tests.permits.conftest import TODAY, new_permit, submit

pytestmark = pytest.mark.django_db


def pay(world, application):
    invoice = Invoice.objects.get(subject_id=application.number, status="due")
    invoice_record_payment(actor=world["officer"], invoice=invoice, amount=invoice.total_omr, method="counter",
                           reference=f"R-{application.number}")
    outbox.deliver_due()
    application.refresh_from_db()
    return invoice


def test_a_clean_case_is_approved_at_once_with_an_invoice_of_the_fee_lines(employer_world):
    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    application.refresh_from_db()
    assert application.state == "approved", application.latest_decision.not_passed
    decision = application.latest_decision
    assert decision.outcome == "approve" and decision.source == "rules"
    assert all(check["status"] == "passed" for check in decision.checks)
    invoice = Invoice.objects.get(subject_id=application.number)
    assert invoice.total_omr == Decimal(decision.result["total"]) > 0
    assert [line.code for line in invoice.lines.all()] == [fee["code"] for fee in decision.result["fees"]]
    assert invoice.due_on > TODAY


def test_medical_fitness_unknown_waits_then_a_new_decision_is_recorded(employer_world):
    application = submit(employer_world)
    assert application.state == "awaiting_verification"
    first = application.latest_decision
    assert [c["id"] for c in first.checks if c["status"] == "unknown"] == ["medical-fitness"]
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    application.refresh_from_db()
    assert application.state == "approved"
    assert list(application.decisions.values_list("seq", "outcome")) == [(1, "await"), (2, "approve")]
    first.refresh_from_db()
    assert first.outcome == "await", "the first decision is kept as it was"
    assert OutboxMessage.objects.filter(topic="application.decided", payload__application=application.number).count() == 2


def test_decisions_are_never_edited(employer_world):
    decision = submit(employer_world).latest_decision
    decision.outcome = "approve"
    with pytest.raises(ValueError, match="never edited"):
        decision.save()


def test_payment_issues_the_permit_with_a_verifiable_credential(employer_world):
    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    pay(employer_world, application)
    assert application.state == "issued"
    permit = Permit.objects.get(issued_by_application=application)
    assert permit.status == "active" and permit.valid_from == date.today()
    assert (permit.valid_until - permit.valid_from).days in range(729, 732), "24 months"
    checked = credentials.verify_token(permit.credential)
    assert checked.valid and checked.claims["pn"] == permit.number
    assert set(checked.claims) == {"iss", "typ", "pn", "vf", "vu", "cr", "occ", "name", "nat", "pp4"}
    assert verify_chain().ok


def test_a_tampered_credential_fails(employer_world):
    token = "eyJhbGciOiJFUzI1NiJ9.eyJwbiI6IldQIn0.c2lnbmF0dXJl"
    assert not credentials.verify_token(token).valid


def test_a_young_worker_is_refused_with_the_reason_and_no_invoice(employer_world):
    application = submit(employer_world, date_of_birth="2010-01-01")
    assert application.state == "rejected"
    failed = [c for c in application.latest_decision.checks if c["status"] == "failed"]
    assert "worker-minimum-age" in {c["id"] for c in failed}
    check = next(c for c in failed if c["id"] == "worker-minimum-age")
    assert check["message"]["ar"] and check["message"]["en"] and check["citation"]["en"]
    assert not Invoice.objects.filter(subject_id=application.number).exists()


def test_the_same_idempotency_key_returns_the_first_application(employer_world):
    first = submit(employer_world, key="k-1")
    again = submit(employer_world, key="k-1")
    assert again.pk == first.pk and Application.objects.count() == 1
    with pytest.raises(DomainError) as error:
        submit(employer_world, key="k-1", passport_number="OTHER123")
    assert error.value.code == "idempotency_key_reused" and error.value.params == {"application": first.number}
    assert Application.objects.count() == 1


def test_a_worker_holding_an_active_permit_elsewhere_is_refused_specifically(employer_world):
    application = submit(employer_world, passport_number="Z1234567")
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    pay(employer_world, application)
    other = f.establishment()
    f.employ(other, f.person(nationality="OM"))
    world2 = {"est": other, "rep": f.user("employer", establishments=[other]), "officer": employer_world["officer"]}
    with pytest.raises(DomainError) as error:
        submit(world2, passport_number="Z1234567")
    assert error.value.code == "worker_holds_active_permit" and error.value.field == "passport_number"
    held = Permit.objects.get(person_id=application.person_id, status=Permit.Status.ACTIVE).number
    assert not error.value.params and held not in error.value.message("en"), "the permit number is the worker's to give"


def test_a_passport_on_record_with_another_name_is_refused_without_saying_which_detail(employer_world):
    first = submit(employer_world, passport_number="NM123456", name_latin="Arun Kumar")
    services.application_withdraw(actor=employer_world["rep"], application=first)
    again = submit(employer_world, passport_number="NM123456", name_latin="ARUN  KUMAR")  # as the passport prints it
    assert again.person_id == first.person_id
    services.application_withdraw(actor=employer_world["rep"], application=again)
    for changed in ({"name_latin": "Someone Else"}, {"sex": "F"}, {"date_of_birth": "1994-05-18"}):
        with pytest.raises(DomainError) as error:
            submit(employer_world, passport_number="NM123456", **changed)
        assert (error.value.code, error.value.field) == ("passport_details_differ", "passport_number")
        assert set(error.value.params) == {"passport"}
    assert Person.objects.get(pk=first.person_id).name_latin == "Arun Kumar"


def test_bad_input_reports_every_field_and_writes_nothing(employer_world):
    before = (Application.objects.count(), Person.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(InputErrors) as error:
        parse_application(new_permit(passport_number="x", nationality="XX", date_of_birth="1994-13-01",
                                     occupation="9999", basic_wage="12.34567"))
    assert {e.field for e in error.value.errors} == {"passport_number", "nationality", "date_of_birth", "occupation",
                                                      "basic_wage"}
    assert (Application.objects.count(), Person.objects.count(), OutboxMessage.objects.count()) == before


def test_another_establishments_representative_cannot_apply(employer_world):
    outsider = f.user("employer", establishments=[f.establishment()])
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=outsider, establishment=employer_world["est"],
                                    data=parse_application(new_permit()))


def test_a_submission_takes_the_same_number_of_queries_whatever_the_workforce(employer_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_one_submission(passport):
        data = parse_application(new_permit(passport_number=passport))
        with CaptureQueriesContext(connection) as captured:
            services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"], data=data)
        return len(captured)

    queries_for_one_submission("W0000001")  # the first of the year creates the number sequence
    small = queries_for_one_submission("W0000002")
    for _ in range(40):
        f.employ(employer_world["est"])
    assert queries_for_one_submission("W0000003") == small <= 15


def issued_permit(world, passport="P7000001"):
    application = submit(world, passport_number=passport)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    pay(world, application)
    return Permit.objects.get(issued_by_application=application)


def test_renewal_extends_the_permit_and_a_second_renewal_is_refused(employer_world):
    permit = issued_permit(employer_world)
    data = parse_application({"type": "renewal", "permit_number": permit.number, "occupation": "7112",
                              "basic_wage": "230.000"})
    renewal = services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"], data=data)
    with pytest.raises(DomainError) as error:
        services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"], data=data)
    assert error.value.code == "application_in_progress"
    assert renewal.state == "approved", renewal.latest_decision.not_passed
    old_until = permit.valid_until
    pay(employer_world, renewal)
    permit.refresh_from_db()
    assert renewal.state == "issued" and permit.valid_until > old_until
    assert credentials.verify_token(permit.credential).claims["vu"] == permit.valid_until.isoformat()


def test_a_cancelled_permit_cannot_be_renewed(employer_world):
    permit = issued_permit(employer_world)
    cancel = services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"],
                                         data=parse_application({"type": "cancellation", "permit_number": permit.number}))
    cancel.refresh_from_db()
    permit.refresh_from_db()
    assert (cancel.state, permit.status) == ("issued", "cancelled"), cancel.latest_decision.not_passed
    with pytest.raises(DomainError) as error:
        services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"],
                                    data=parse_application({"type": "renewal", "permit_number": permit.number,
                                                            "occupation": "7112", "basic_wage": "200"}))
    assert error.value.code == "permit_not_active"


def test_transfer_waits_for_the_workers_consent_then_moves_the_permit(employer_world):
    permit = issued_permit(employer_world)
    new_employer = f.establishment()
    f.employ(new_employer, f.person(nationality="OM"))
    rep = f.user("employer", establishments=[new_employer])
    transfer = services.application_submit(actor=rep, establishment=new_employer, data=parse_application(
        {"type": "transfer", "permit_number": permit.number, "occupation": "7112", "basic_wage": "260.000"}))
    assert transfer.state == "awaiting_verification"
    assert "worker-consents" in {c["id"] for c in transfer.latest_decision.checks if c["status"] == "unknown"}
    worker = f.user("worker", person_record=permit.person)
    with pytest.raises(PermissionDenied):
        services.transfer_consent(actor=f.user("worker"), application=transfer)
    services.transfer_consent(actor=worker, application=transfer)
    transfer.refresh_from_db()
    if transfer.state == "approved":
        pay(employer_world, transfer)
    permit.refresh_from_db()
    assert transfer.state == "issued", transfer.latest_decision.not_passed
    assert permit.status == "transferred"
    assert Permit.objects.get(person=permit.person, status="active").establishment == new_employer


def test_withdrawing_cancels_the_invoice(employer_world):
    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    services.application_withdraw(actor=employer_world["rep"], application=application)
    assert Invoice.objects.get(subject_id=application.number).status == "cancelled"
    application.refresh_from_db()
    assert application.state == "withdrawn"


def test_daily_job_lapses_unpaid_expires_permits_and_schedules_reminders_once(employer_world):
    application = submit(employer_world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application, on=TODAY)
    invoice = Invoice.objects.get(subject_id=application.number)
    assert services.applications_lapse(on=invoice.due_on) == 0
    assert services.applications_lapse(on=invoice.due_on + timedelta(days=1)) == 1
    application.refresh_from_db()
    assert application.state == "lapsed"

    permit = issued_permit(employer_world, passport="P7000002")
    reminder_day = permit.valid_until - timedelta(days=30)
    assert services.permits_remind_expiry(on=reminder_day) == 1
    services.permits_remind_expiry(on=reminder_day)
    assert OutboxMessage.objects.filter(topic="permit.expiring").count() == 1
    assert services.permits_expire(on=permit.valid_until) == 0
    assert services.permits_expire(on=permit.valid_until + timedelta(days=1)) == 1
    permit.refresh_from_db()
    assert permit.status == "expired"


def test_a_renewal_reads_whether_a_registered_contract_is_in_force(employer_world):
    """Without a registered contract the renewal goes through, and the fact is recorded as it is: the worker may then
    move to another employer 30 days after the renewal (the transfer rules read it)."""
    from manpower.contracts.models import Contract, ContractVersion
    from manpower.permits.facts import gather_facts

    permit = issued_permit(employer_world)
    data = parse_application({"type": "renewal", "permit_number": permit.number, "occupation": "7112",
                              "basic_wage": "230.000"})
    renewal = services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"], data=data)
    assert gather_facts(renewal, on=TODAY)["permit"]["has_registered_contract"] is False
    assert renewal.latest_decision.facts["permit"]["has_registered_contract"] is False

    contract = Contract.objects.create(number="CTR-2026-0000900-0", establishment=employer_world["est"],
                                       person=permit.person, created_by=employer_world["rep"])
    version = ContractVersion.objects.create(
        contract=contract, seq=1, state="signed", occupation_id="7112", duties_ar="بناء", workplace_ar="مسقط",
        term="indefinite", start_date=TODAY, basic_wage=Decimal("230.000"), daily_hours=8, weekly_hours=40,
        rest_days_per_week=2, annual_leave_days=30, notice_days=30, drafted_by=employer_world["rep"])
    Contract.objects.filter(pk=contract.pk).update(registered_version=version, status="registered")
    assert gather_facts(renewal, on=TODAY)["permit"]["has_registered_contract"] is True
    assert gather_facts(renewal, on=TODAY - timedelta(days=1))["permit"]["has_registered_contract"] is False


def test_a_paid_renewal_that_can_no_longer_be_carried_out_is_refused_and_refunded(employer_world):
    """The permit was cancelled between the approval and the payment: nobody pays for a service never delivered."""
    from manpower.payments.models import Refund

    permit = issued_permit(employer_world)
    data = parse_application({"type": "renewal", "permit_number": permit.number, "occupation": "7112",
                              "basic_wage": "230.000"})
    renewal = services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"], data=data)
    assert renewal.state == "approved"
    Permit.objects.filter(pk=permit.pk).update(status=Permit.Status.CANCELLED)
    invoice = pay(employer_world, renewal)

    assert renewal.state == "rejected"
    invoice.refresh_from_db()
    assert invoice.status == "refunded"
    refund = Refund.objects.get(payment__invoice=invoice)
    assert refund.is_automatic and refund.amount_omr == invoice.total_omr
    assert refund.reason_code == Refund.Reason.NOT_DELIVERED
    permit.refresh_from_db()
    assert permit.status == Permit.Status.CANCELLED
    assert OutboxMessage.objects.filter(topic="invoice.refunded", payload__invoice=invoice.number).exists()
    assert not OutboxMessage.objects.filter(topic="permit.renewed", key__endswith=renewal.number).exists()
