"""The worker killed (SIGKILL) while it turns "invoice.paid" messages into issued permits."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.processes import Installation, Process, Worker, django_run, wait_for

COUNT = 60

PREPARE = """
from manpower.identity.models import User
from manpower.payments.models import Invoice
from manpower.payments.services import invoice_record_payment
from manpower.permits import services
from manpower.permits.inputs import parse_application
from manpower.registry.models import Establishment, Person

employer = User.objects.get(email="employer@demo.manpower.om")
officer = User.objects.get(email="officer@demo.manpower.om")
establishment = Establishment.objects.get(cr_number="1234567")
numbers = []
for index in range(COUNT):
    row = {"type": "new_permit", "passport_number": f"Y{index:07d}", "passport_country": "IN", "nationality": "IN",
           "name_latin": "Arun Kumar", "date_of_birth": "1994-05-17", "sex": "M", "passport_expires_on": "2031-01-01",
           "occupation": "7112", "basic_wage": "220.000"}
    application = services.application_submit(actor=employer, establishment=establishment, data=parse_application(row),
                                              idempotency_key=f"paid-{index}")
    Person.objects.filter(pk=application.person_id).update(medical_fitness="fit")
    services.application_redecide(application=application)
    application.refresh_from_db()
    assert application.state == "approved", (application.number, application.state)
    numbers.append(application.number)
for number in numbers:  # each payment commits on its own, with its "invoice.paid" message
    invoice = Invoice.objects.get(subject_id=number, status="due")
    invoice_record_payment(actor=officer, invoice=invoice, amount=invoice.total_omr, method="counter",
                           reference=f"R-{number}")
result = numbers
"""

CHECK = """
from django.db.models import Count
from manpower.audit.services import verify_chain
from manpower.core.models import OutboxMessage, Sequence
from manpower.payments.models import Invoice
from manpower.permits.models import Application, Permit

applications = Application.objects.filter(number__in=NUMBERS)
invoices = list(Invoice.objects.filter(subject_id__in=NUMBERS).values_list("number", flat=True))
permits = Permit.objects.filter(issued_by_application__number__in=NUMBERS)
result = {
    "states": dict(applications.values_list("state").annotate(n=Count("id")).values_list("state", "n")),
    "permits_per_application": sorted(set(
        permits.values("issued_by_application").annotate(n=Count("id")).values_list("n", flat=True))),
    "permits": permits.count(),
    "active_permits": permits.filter(status="active").count(),
    "permit_messages": OutboxMessage.objects.filter(topic="permit.issued",
                                                    payload__permit__in=list(permits.values_list("number", flat=True)))
                                            .count(),
    "paid_messages": dict(OutboxMessage.objects.filter(topic="invoice.paid", payload__invoice__in=invoices)
                          .values_list("status").annotate(n=Count("id")).values_list("status", "n")),
    "all_permits": Permit.objects.count(),
    "wp_sequence": sum(Sequence.objects.filter(name="WP").values_list("value", flat=True)),
    "audit_chain_ok": verify_chain().ok,
}
"""


def _issued(installation: Installation) -> int:
    return int(installation.scalar("SELECT COUNT(*) FROM permits_application "
                                   "WHERE idempotency_key LIKE 'paid-%' AND state = 'issued'"))


def _undelivered_paid(installation: Installation) -> int:
    return int(installation.scalar("SELECT COUNT(*) FROM core_outboxmessage "
                                   "WHERE topic = 'invoice.paid' AND status <> 'delivered'"))


def _age_claims(installation: Installation, minutes: int) -> int:
    """Move the claim time of messages left 'sending' back by ``minutes``: the sweep hands a message back for another
    attempt only when its claim is 5 minutes old (outbox.release_stuck), and a test cannot wait that long."""
    rows = installation.query("SELECT id, next_attempt_at FROM core_outboxmessage WHERE status = 'sending'")
    import sqlite3

    connection = sqlite3.connect(installation.sqlite_path, timeout=30)
    try:
        with connection:
            for pk, value in rows:
                earlier = datetime.fromisoformat(str(value)) - timedelta(minutes=minutes)
                connection.execute("UPDATE core_outboxmessage SET next_attempt_at = ? WHERE id = ?",
                                   (earlier.isoformat(sep=" "), pk))
    finally:
        connection.close()
    return len(rows)


@pytest.mark.slow
def test_a_worker_killed_while_delivering_loses_and_duplicates_no_permit(installation: Installation,
                                                                        processes: list[Process]):
    numbers = django_run(installation, PREPARE.replace("COUNT", str(COUNT)))
    assert len(numbers) == COUNT and _issued(installation) == 0

    worker = Worker(installation, interval=0.1)
    processes.append(worker)
    worker.start()
    wait_for(lambda: _issued(installation) >= 5, timeout=60, interval=0.005, message="5 permits issued")
    worker.kill()
    at_kill = _issued(installation)
    assert at_kill < COUNT, "the worker finished before it was killed"

    claimed = _age_claims(installation, minutes=6)
    restarted = Worker(installation, interval=0.1)
    processes.append(restarted)
    restarted.start()
    wait_for(lambda: _issued(installation) == COUNT, timeout=45, interval=0.1, message=f"all {COUNT} permits issued")
    # A message the killed worker had claimed may have done its work already; the restarted worker still
    # takes it up again once its claim is stale, and must find the work done.
    wait_for(lambda: _undelivered_paid(installation) == 0, timeout=45, interval=0.1,
             message="every invoice.paid message delivered")
    restarted.stop()

    check = django_run(installation, CHECK.replace("NUMBERS", repr(numbers)))
    assert check["states"] == {"issued": COUNT}, check
    assert check["permits_per_application"] == [1] and check["permits"] == check["active_permits"] == COUNT, check
    assert check["permit_messages"] == COUNT, check
    assert check["paid_messages"] == {"delivered": COUNT}, (check, claimed)
    assert check["wp_sequence"] == check["all_permits"], "permit numbers are gap-free: a killed transaction took none"
    assert check["audit_chain_ok"], "the audit chain verifies"
