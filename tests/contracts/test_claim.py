"""A worker invited to a contract claims their account by proving who they are, then signs."""

from __future__ import annotations

import pytest
from django.test import Client

from manpower.contracts import claims
from manpower.core.errors import DomainError
from manpower.core.models import OutboxMessage
from manpower.identity.models import Role, User
from tests import factories as f
from tests.contracts.conftest import TODAY, draft, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(db):
    """A worker on the register (with a phone on file) and no account yet, offered a contract."""
    est = f.establishment()
    rep = f.user(Role.EMPLOYER, establishments=[est], phone="+96891110000")
    person = f.person(nationality="BD", phone="+96893330000")
    employment = f.employ(est, person)
    world = {"est": est, "rep": rep, "person": person, "employment": employment}
    contract = draft(world)
    send(world, contract)
    return world | {"contract": contract}


def claim_code(person_id: int) -> str:
    return str(OutboxMessage.objects.filter(topic="identity.otp", payload__person_id=person_id).latest("id").payload["code"])


def test_the_invitation_links_to_claiming_and_the_claimed_account_can_read_the_offer(invited):
    person = invited["person"]
    sent = OutboxMessage.objects.get(topic="contract.sent")
    assert sent.payload["user_id"] is None and sent.payload["claim_url"].endswith("/account/claim/")
    assert sent.payload["phone"] == "+96893330000"

    client = Client()
    page = client.post("/en/account/claim/", {"passport_number": person.passport_number, "nationality": "BD",
                                              "date_of_birth": person.date_of_birth.isoformat()})
    assert page.status_code == 302
    code = claim_code(person.pk)
    opened = client.post("/en/account/claim/code/", {"code": code, "email": "rafiq@example.om",
                                                     "password": "a long passphrase 42"}, follow=True)
    assert "Your account is open" in opened.content.decode()
    user = User.objects.get(email="rafiq@example.om")
    assert user.role == Role.WORKER and user.person_id == person.pk
    assert invited["contract"].number in client.get("/en/contracts/").content.decode()


def test_details_that_do_not_match_get_the_same_answer_and_no_code(invited):
    person = invited["person"]
    ticket = claims.claim_start(passport_number=person.passport_number, nationality="BD", date_of_birth="1970-01-01")
    assert ticket.person_id is None
    assert not OutboxMessage.objects.filter(topic="identity.otp").exists()
    client = Client()
    response = client.post("/en/account/claim/", {"passport_number": person.passport_number, "nationality": "BD",
                                                  "date_of_birth": "1970-01-01"})
    assert response.status_code == 302 and response.url == "/en/account/claim/code/"
    with pytest.raises(DomainError, match="code_expired"):
        claims.claim_complete(ticket=ticket, code="123456", email="x@example.om", password="a long passphrase 42")


def test_five_wrong_claim_codes_lock_claiming(invited, settings):
    person = invited["person"]
    ticket = claims.claim_start(passport_number=person.passport_number, nationality="BD",
                                date_of_birth=person.date_of_birth.isoformat())
    right = claim_code(person.pk)
    wrong = "000000" if right != "000000" else "111111"
    codes_seen = []
    for _ in range(settings.SIGNING_CODE_MAX_FAILURES):
        with pytest.raises(DomainError) as refused:
            claims.claim_complete(ticket=ticket, code=wrong, email="x@example.om", password="a long passphrase 42")
        codes_seen.append(refused.value.code)
    assert codes_seen[-1] == "signing_locked"
    assert OutboxMessage.objects.filter(topic="signing.locked", payload__person_id=person.pk).exists()
    with pytest.raises(DomainError):
        claims.claim_complete(ticket=ticket, code=right, email="x@example.om", password="a long passphrase 42")
    assert not User.objects.filter(person=person).exists()
    assert TODAY
