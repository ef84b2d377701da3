"""The two-party loop through the services: draft, send (employer signs), change request, revision,
the worker's signature, registration; and what each party is told."""

from __future__ import annotations

from decimal import Decimal

import pytest

from manpower.audit.services import verify_chain
from manpower.contracts import selectors, services, signing
from manpower.contracts.models import Contract, ContractVersion
from manpower.contracts.terms import parse_terms, terms_of
from manpower.core.errors import DomainError
from manpower.core.models import OutboxMessage
from tests.contracts.conftest import TODAY, draft, lawful_terms, send, sign, topics

pytestmark = pytest.mark.django_db


def test_the_whole_loop_with_a_change_request_ends_in_a_registered_contract_signed_twice(world):
    contract = draft(world)
    assert contract.status == "negotiating" and contract.open_version.law_check["outcome"] == "approve"

    offered = send(world, contract)
    assert offered.state == "offered" and offered.deadline == TODAY + __import__("datetime").timedelta(days=14)
    sent = OutboxMessage.objects.get(topic="contract.sent")
    assert sent.payload["person_id"] == world["person"].pk and sent.payload["user_id"] == world["worker"].pk

    services.contract_request_change(actor=world["worker"], contract=contract, comment="Housing allowance of 60, please",
                                     on=TODAY)
    asked = OutboxMessage.objects.get(topic="contract.change_requested")
    assert asked.payload["comment"] == "Housing allowance of 60, please" and asked.payload["user_id"] == world["rep"].pk

    revision = services.contract_revise(actor=world["rep"], contract=contract,
                                        terms=parse_terms(lawful_terms(housing_allowance="60.000")), on=TODAY)
    assert revision.seq == 2 and revision.state == "draft"
    send(world, contract)
    assert OutboxMessage.objects.filter(topic="contract.revised").count() == 1

    signed = sign(world, contract)
    contract.refresh_from_db()
    assert signed.state == "signed" and contract.status == "registered" and contract.registered_version_id == signed.pk
    assert signed.housing_allowance == Decimal("60.000")
    assert list(contract.versions.values_list("seq", "state")) == [(1, "superseded"), (2, "signed")]
    assert [s.role for s in signed.signatures.all()] == ["employer", "worker"]
    assert all(s.timestamp is not None for s in signed.signatures.all())
    assert {"contract.signed", "contract.registered"} <= set(topics())
    assert selectors.has_registered_contract(world["person"].pk, world["est"].pk, on=TODAY.replace(year=2027))
    assert not selectors.has_registered_contract(world["person"].pk, world["est"].pk, on=TODAY.replace(year=2029))
    assert verify_chain().ok

    report = signing.validate(services.read_document(signed))
    assert report.valid, report
    employer, worker = report.signatures
    assert employer.certifying and employer.modification == "form_filling" and employer.timestamp_valid
    assert not worker.certifying and worker.modification == "none" and worker.coverage == "entire_file"
    assert worker.signer == world["person"].name_latin


def test_a_worker_sees_no_unsent_draft_and_cannot_sign_one(world):
    contract = draft(world)
    assert not selectors.contracts_for(world["worker"]).filter(pk=contract.pk).exists()
    with pytest.raises(DomainError) as error:
        services.signing_code_request(actor=world["worker"], contract=contract, on=TODAY)
    assert error.value.code == "nothing_to_sign"


def test_a_rejected_offer_is_not_concluded_and_the_employer_is_told(world):
    contract = draft(world)
    send(world, contract)
    services.contract_reject(actor=world["worker"], contract=contract, comment="I found other work", on=TODAY)
    contract.refresh_from_db()
    assert contract.status == "not_concluded"
    assert OutboxMessage.objects.get(topic="contract.rejected").payload["comment"] == "I found other work"
    assert not selectors.has_registered_contract(world["person"].pk, world["est"].pk, on=TODAY)


def test_an_amendment_goes_through_the_same_loop_and_the_history_keeps_both_versions(world):
    contract = draft(world)
    send(world, contract)
    sign(world, contract)
    contract.refresh_from_db()
    data = terms_of(contract.registered_version) | {"basic_wage": "260.000"}
    amendment = services.contract_amend(actor=world["rep"], contract=contract, change="wage", terms=parse_terms(data),
                                        on=TODAY)
    assert amendment.kind == "amendment" and amendment.state == "draft"
    contract.refresh_from_db()
    assert contract.status == "registered", "the version in force stays in force while an amendment is agreed"
    send(world, contract)
    sign(world, contract)
    contract.refresh_from_db()
    assert contract.registered_version.basic_wage == Decimal("260.000")
    history = {v.seq: (v.kind, v.state, [s.role for s in v.signatures.all()]) for v in contract.versions.all()}
    assert history == {1: ("original", "superseded", ["employer", "worker"]),
                       2: ("amendment", "signed", ["employer", "worker"])}


def test_the_employer_cannot_change_a_version_once_sent(world):
    contract = draft(world)
    send(world, contract)
    with pytest.raises(Exception, match="not_a_draft"):
        services.contract_update_draft(actor=world["rep"], contract=contract, terms=parse_terms(lawful_terms()))
    assert ContractVersion.objects.get(contract=contract).state == "offered"
    assert Contract.objects.get(pk=contract.pk).status == "negotiating"
