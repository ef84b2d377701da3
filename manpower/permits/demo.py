"""Applications for the demo accounts, so that a new installation shows every state of the main job.

Each is submitted through the real services with an idempotency key, so running this again changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction

from manpower.core import outbox
from manpower.identity.models import Role, User
from manpower.payments.models import Invoice
from manpower.payments.services import invoice_record_payment
from manpower.permits import services
from manpower.permits.inputs import parse_application
from manpower.permits.models import Application
from manpower.registry.demo import DEMO_CR
from manpower.registry.models import Establishment, Person


def _worker(passport: str, country: str, name: str, born: date, today: date, **extra: Any) -> dict[str, Any]:
    return {"type": "new_permit", "passport_number": passport, "passport_country": country, "nationality": country,
            "name_latin": name, "date_of_birth": born.isoformat(), "sex": extra.pop("sex", "M"),
            "passport_expires_on": (today + timedelta(days=4 * 365)).isoformat(), **extra}


def load_demo_applications(today: date) -> int:
    employer = User.objects.filter(email="employer@demo.manpower.om").first()
    officer = User.objects.filter(role=Role.OFFICER, email="officer@demo.manpower.om").first()
    establishment = Establishment.objects.filter(cr_number=DEMO_CR).first()
    if employer is None or officer is None or establishment is None:
        return 0
    cases = [
        # The demo worker's own permit: approved, paid, issued.
        ("demo-issued", _worker("P8812345", "IN", "Rahul Kumar Nair", date(1990, 4, 12), today, occupation="7112",
                                basic_wage="180.000"), "fit", True),
        # Approved, the fee waiting to be paid.
        ("demo-approved", _worker("K4455667", "BD", "Abdul Karim Miah", date(1992, 8, 19), today, occupation="9313",
                                  basic_wage="140.000"), "fit", False),
        # Waiting for the medical examination result from the health authority (the sandbox ministry has
        # none for a passport ending in 9 until a tester records one).
        ("demo-awaiting", _worker("N9988779", "NP", "Ram Bahadur Thapa", date(1996, 3, 7), today, occupation="7115",
                                  basic_wage="170.000"), None, False),
        # Refused: the worker is under the minimum age (the decision says why and how to fix it).
        ("demo-rejected", _worker("L1239876", "LK", "Nuwan Perera", today.replace(year=today.year - 19), today,
                                  occupation="9313", basic_wage="130.000"), "fit", False),
        # Referred to an officer: the occupation group includes titles reserved for Omanis.
        ("demo-referred", _worker("PH5566778", "PH", "Maria Cruz Santos", date(1991, 11, 23), today, occupation="5223",
                                  basic_wage="260.000", sex="F"), "fit", False),
    ]
    created = 0
    for key, row, fitness, pay in cases:
        if Application.objects.filter(establishment=establishment, idempotency_key=key).exists():
            continue
        with transaction.atomic():
            application = services.application_submit(actor=employer, establishment=establishment,
                                                      data=parse_application(row), idempotency_key=key, on=today)
            if fitness:
                Person.objects.filter(pk=application.person_id).update(medical_fitness=fitness)
                services.application_redecide(application=application, on=today)
        created += 1
        if pay:
            invoice = Invoice.objects.filter(subject_id=application.number, status=Invoice.Status.DUE).first()
            if invoice is not None:
                invoice_record_payment(actor=officer, invoice=invoice, amount=invoice.total_omr, method="counter",
                                       reference=f"DEMO-{invoice.number}")
    outbox.deliver_due()
    return created
