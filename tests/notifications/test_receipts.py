"""Delivery receipts: signed by the gateway, applied once, early ones kept until the message is known."""

from __future__ import annotations

import time

import pytest

from manpower.notifications.models import Message, Receipt
from manpower.notifications.services import notify, reference_for
from tests import factories as f
from tests.notifications.conftest import SMS_SECRET, run_worker, signed_receipt, verified

pytestmark = pytest.mark.slow


@pytest.fixture
def sent_sms(db, channels):  # type: ignore[no-untyped-def]
    """A password-change notice (security: SMS whatever the preferences) accepted by the gateway."""
    user = verified(f.user(), phone="+96892000021", language="en")
    notify(topic="identity.password_changed", key="identity.password_changed:t1", payload={"user_id": user.pk,
                                                                                         "at": "2026-12-03T08:00:00Z"})
    run_worker()
    message = Message.objects.get(event_key="identity.password_changed:t1", channel="sms")
    assert message.status == "sending" and message.provider_id
    return message


def _post(client, items, secret=SMS_SECRET, at=None):  # type: ignore[no-untyped-def]
    body, signature = signed_receipt(items, secret, at)
    return client.post("/notifications/receipts/sandbox", data=body, content_type="application/json",
                       HTTP_GATEWAY_SIGNATURE=signature)


def test_a_receipt_marks_the_message_delivered_once_even_if_it_comes_twice(sent_sms, client):
    item = {"id": "dlr_1", "message_id": sent_sms.provider_id, "reference": sent_sms.reference, "status": "delivered"}
    assert _post(client, [item]).json() == {"outcomes": ["applied"]}
    assert _post(client, [item]).json() == {"outcomes": ["duplicate"]}
    sent_sms.refresh_from_db()
    assert sent_sms.status == "delivered"
    assert Receipt.objects.filter(receipt_id="dlr_1").count() == 1


def test_a_later_receipt_does_not_undo_a_final_status(sent_sms, client):
    _post(client, [{"id": "dlr_a", "reference": sent_sms.reference, "status": "permanent-failure",
                    "failure_code": "unknown_subscriber"}])
    _post(client, [{"id": "dlr_b", "reference": sent_sms.reference, "status": "delivered"}])
    sent_sms.refresh_from_db()
    assert (sent_sms.status, sent_sms.failure_code) == ("permanent-failure", "unknown_subscriber")


def test_a_receipt_that_is_not_signed_by_the_gateway_is_refused(sent_sms, client):
    item = {"id": "dlr_2", "reference": sent_sms.reference, "status": "delivered"}
    assert _post(client, [item], secret="not-the-secret").status_code == 401
    assert _post(client, [item], at=time.time() - 3600).status_code == 401
    sent_sms.refresh_from_db()
    assert sent_sms.status == "sending"
    assert not Receipt.objects.exists()


def test_a_receipt_before_the_send_is_recorded_is_applied_when_it_is(db, channels, client):
    user = verified(f.user(), phone="+96892000022", language="ar")
    key = "identity.password_changed:t2"
    reference = reference_for(key, f"user:{user.pk}", "sms")
    assert _post(client, [{"id": "dlr_3", "reference": reference, "status": "delivered"}]).json() == {
        "outcomes": ["pending"]}
    notify(topic="identity.password_changed", key=key, payload={"user_id": user.pk, "at": "2026-12-03T08:00:00Z"})
    message = Message.objects.get(reference=reference)
    assert message.status == "created"
    run_worker()
    message.refresh_from_db()
    assert message.status == "delivered"
    assert Receipt.objects.get(receipt_id="dlr_3").applied_at is not None


def test_the_gateway_answering_with_the_receipt_before_its_reply_is_handled(db, channels, client, settings):
    """The sandbox sends the receipt before it answers the submission (mode "early"): our row is still claimed."""
    channels["sms"].admin("faults", receipts="early")
    user = verified(f.user(), phone="+96892000023", language="ar")
    notify(topic="identity.password_changed", key="identity.password_changed:t3",
           payload={"user_id": user.pk, "at": "2026-12-03T08:00:00Z"})
    run_worker()  # the receipt goes to a dead end here; the gateway retries it later
    message = Message.objects.get(event_key="identity.password_changed:t3", channel="sms")
    assert message.status == "sending"
    sandbox_message = channels["sms"].messages("+96892000023")[0]
    assert sandbox_message["status"] == "delivered" and sandbox_message["submissions"] == 1
    _post(client, [{"id": "dlr_4", "reference": message.reference, "status": sandbox_message["status"]}])
    message.refresh_from_db()
    assert message.status == "delivered"
