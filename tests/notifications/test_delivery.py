"""From a state change to what people receive: bilingual e-mails on a real SMTP server, SMS at the sandbox gateway,
notices in the portal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from manpower.identity.models import Role
from manpower.notifications.models import Message
from manpower.payments.models import Invoice
from manpower.payments.services import invoice_record_payment
from manpower.permits.services import application_redecide
from manpower.registry.models import Person
from tests import factories as f
from tests.notifications.conftest import body_of, run_worker, subject_of, verified
from tests.permits.conftest import submit

pytestmark = pytest.mark.slow


@pytest.fixture
def people(employer_world, channels):  # type: ignore[no-untyped-def]
    world = employer_world
    verified(world["rep"], phone="+96892000011", language="ar")
    english = f.user(Role.EMPLOYER, establishments=[world["est"]])
    verified(english, phone="+96892000012", language="en")
    return {**world, "en": english}


def _approved(world):  # type: ignore[no-untyped-def]
    application = submit(world)
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    application_redecide(application=application)
    application.refresh_from_db()
    assert application.state == "approved"
    return application


def test_submitting_paying_and_issuing_tell_each_representative_in_their_language(people, channels):
    smtp, sms = channels["smtp"].inbox, channels["sms"]
    application = _approved(people)
    run_worker()
    ar_rep, en_rep = people["rep"], people["en"]

    subjects_ar = [subject_of(m) for m in smtp.to(ar_rep.email)]
    subjects_en = [subject_of(m) for m in smtp.to(en_rep.email)]
    assert f"استلمنا الطلب {application.number}" in subjects_ar
    assert f"We received application {application.number}" in subjects_en
    assert f"Application {application.number} is approved" in subjects_en
    invoice = Invoice.objects.get(subject_id=application.number)
    approved_sms = [m["body"] for m in sms.messages("+96892000011") if application.number in m["body"]]
    assert any("تمت الموافقة" in text and f"{invoice.total_omr} OMR" in text for text in approved_sms)
    assert all(m["encoding"] == "UCS-2" for m in sms.messages("+96892000011"))

    invoice_record_payment(actor=people["officer"], invoice=invoice, amount=Decimal(invoice.total_omr),
                           method="counter", reference="R-TEST-1")
    run_worker()
    application.refresh_from_db()
    assert application.state == "issued"
    from manpower.permits.models import Permit

    number = Permit.objects.get(issued_by_application=application).number
    issued_en = [m for m in smtp.to(en_rep.email) if subject_of(m) == f"Work permit {number} is issued"]
    assert len(issued_en) == 1
    assert "is issued, valid until" in body_of(issued_en[0])
    assert str(issued_en[0]["Content-Language"]) == "en"
    issued_ar = [m for m in smtp.to(ar_rep.email) if subject_of(m) == f"صدر ترخيص العمل {number}"]
    assert len(issued_ar) == 1 and str(issued_ar[0]["Content-Language"]) == "ar"
    paid_sms = [m["body"] for m in sms.messages("+96892000012")]
    assert any(f"payment of invoice {invoice.number}" in text for text in paid_sms)
    assert any(f"work permit {number}" in text and "is issued" in text for text in paid_sms)
    every_text = [body_of(m) for m in smtp.messages] + [m["body"] for m in sms.messages()]
    assert every_text and not [text for text in every_text if "((" in text]


def test_each_message_is_sent_once_however_often_the_event_is_handled(people, channels):
    from manpower.core.models import OutboxMessage
    from manpower.notifications.services import notify

    application = _approved(people)
    run_worker()
    event = OutboxMessage.objects.get(topic="application.submitted", payload__application=application.number)
    for _ in range(3):  # a worker killed after handling, before marking: the event is handled again
        notify(topic=event.topic, key=event.key, payload=event.payload)
    run_worker()
    received = [m for m in channels["smtp"].inbox.to(people["rep"].email)
                if subject_of(m) == f"استلمنا الطلب {application.number}"]
    assert len(received) == 1


def test_the_portal_list_and_the_bell_show_unread_notices(people, channels, client):
    application = _approved(people)
    run_worker()
    client.force_login(people["en"])
    page = client.get("/en/notifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"We received application {application.number}" in text
    assert f"Application {application.number} is approved" in text
    home = client.get("/en/notifications/").content.decode()
    assert 'class="badge"' in home
    unread = Message.objects.filter(user=people["en"], channel="inapp", read_at__isnull=True)
    first = unread.first()
    response = client.post(f"/en/notifications/{first.reference}/read/")
    assert response.status_code == 302 and response["Location"].startswith("/en/applications/")
    client.post("/en/notifications/read-all/")
    assert not Message.objects.filter(user=people["en"], channel="inapp", read_at__isnull=True).exists()
    assert 'class="badge"' not in client.get("/en/notifications/").content.decode()


def test_a_refusal_gives_its_reasons_to_the_employer_and_the_worker(people, channels):
    from manpower.notifications.services import contact_mark_verified

    application = submit(people, date_of_birth="2010-01-01")  # too young to work
    assert application.state == "rejected"
    worker_user = f.user(Role.WORKER, person_record=application.person)
    contact_mark_verified(user=worker_user, channel="email", address=worker_user.email, evidence="test")
    run_worker()
    refused = [m for m in channels["smtp"].inbox.to(people["en"].email) if "is refused" in subject_of(m)]
    assert len(refused) == 1
    reason = next(c for c in application.latest_decision.checks if c["id"] == "worker-minimum-age")
    assert f"- {reason['message']['en']}" in body_of(refused[0])
    assert [m for m in channels["smtp"].inbox.to(worker_user.email) if "رُفض الطلب" in subject_of(m)]
