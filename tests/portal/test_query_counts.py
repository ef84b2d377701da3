"""The list pages make a fixed number of SQL queries: as many with 30 rows as with 3.

Each page is rendered with few rows, then with many more rows of every kind it lists, in both languages; the
query counts must be equal (no query per row) and within the page's budget. Speed is not asserted here:
``manpower bench portal`` measures it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from manpower.audit.services import record
from manpower.core.numbers import format_number
from manpower.identity.models import Role, User
from manpower.notifications.models import Channel, Message
from manpower.payments.models import Payment
from manpower.permits.models import Application, ApplicationType, Permit, State
from manpower.portal.models import ApplicationDraft
from manpower.registry.models import Establishment, Person
from manpower.support.services import dispute_answer, dispute_open
from tests import factories as f
from tests.payments.conftest import make_invoice

pytestmark = pytest.mark.django_db

FEW, MANY = 3, 30
LANGUAGES = ["", "/en"]
NATIONALITIES = ("IN", "BD", "PK", "NP", "PH", "EG", "LK", "SD", "YE", "OM")
OCCUPATIONS = ("7112", "9313", "7115", "8332", "7126", "7411", "7212", "7131", "8342", "9312")
_numbers = itertools.count(9_000_000)


def _count(client: Client, url: str) -> tuple[int, str]:
    """Queries of a page's second request (the first may write the session), and its HTML."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:2000]
    return len(queries), response.content.decode()


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _application(est: Establishment, person: Person, by: User, state: str = State.SUBMITTED, **fields: Any) -> Application:
    now = timezone.now()
    values: dict[str, Any] = {
        "number": format_number("APP", now.year, next(_numbers)), "type": ApplicationType.NEW_PERMIT, "state": state,
        "establishment": est, "person": person, "occupation_id": "7112", "basic_wage_omr": Decimal("220.000"),
        "submitted_by": by, "created_at": now - timedelta(hours=2), "state_changed_at": now - timedelta(hours=1)}
    values.update(fields)
    return Application.objects.create(**values)


def _permit(est: Establishment, person: Person, by: User, *, valid_until: Any, status: str = Permit.Status.ACTIVE) -> Permit:
    issuing = _application(est, person, by, State.ISSUED)
    return Permit.objects.create(number=format_number("WP", valid_until.year, next(_numbers)), person=person,
                                 establishment=est, occupation_id="7112", status=status,
                                 valid_from=valid_until - timedelta(days=730), valid_until=valid_until,
                                 issued_by_application=issuing, credential="test-credential")


def _assert_flat(client: Client, url: str, add_rows: Callable[[int], Any], budget: int,
                 expect: Callable[[str, int], bool] | None = None) -> None:
    """``add_rows(n)`` adds n rows of everything the page lists: counts with FEW rows and with MANY are equal."""
    add_rows(FEW)
    few, html = _count(client, url)
    assert expect is None or expect(html, FEW), "the page does not list the rows it was given"
    add_rows(MANY - FEW)
    many, html = _count(client, url)
    assert expect is None or expect(html, MANY), "the page does not list the rows it was given"
    assert many == few, f"{url}: {few} queries with {FEW} rows, {many} with {MANY}"
    assert many <= budget, f"{url}: {many} queries, over the budget of {budget}"


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    est = f.establishment()
    rep = f.user(Role.EMPLOYER, establishments=[est])
    officer = f.user(Role.OFFICER)
    return {"est": est, "rep": rep, "officer": officer}


# ------------------------------------------------------------------------------------------- employer
@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_employer_dashboard(world, prefix):  # type: ignore[no-untyped-def]
    est, rep = world["est"], world["rep"]
    today = timezone.localdate()
    made = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(made)
            worker = f.person(nationality=NATIONALITIES[i % len(NATIONALITIES)])
            f.employ(est, worker, occupation=OCCUPATIONS[i % len(OCCUPATIONS)])
            if worker.nationality_id != "OM":
                _permit(est, worker, rep, valid_until=today + timedelta(days=5 + i % 80))
            _application(est, f.person(), rep, [State.SUBMITTED, State.REFERRED, State.APPROVED][i % 3])
            make_invoice(est, subject=f"S-{i}")
            ApplicationDraft.objects.create(user=rep, establishment=est, data={"name_latin": f"Draft {i}"})

    def shows(html: str, n: int) -> bool:
        return f">{n}<" in html  # the headcount

    _assert_flat(_signed_in(rep), f"{prefix}/dashboard/", add, budget=20, expect=shows)


def test_the_employer_dashboard_for_several_establishments_counts_queries_per_establishment(world):  # type: ignore[no-untyped-def]
    """Each establishment of the representative is a section of its own with its own figures: a fixed number of
    queries each, not a query per row within it."""
    rep = world["rep"]
    client = _signed_in(rep)
    one, _ = _count(client, "/en/dashboard/")
    second = f.establishment()
    rep.memberships.create(establishment=second, permissions=["apply"])
    two, _ = _count(client, "/en/dashboard/")
    third = f.establishment()
    rep.memberships.create(establishment=third, permissions=["apply"])
    three, html = _count(client, "/en/dashboard/")
    assert three - two == two - one, (one, two, three)
    assert third.cr_number in html


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_applications_list(world, prefix):  # type: ignore[no-untyped-def]
    est, rep = world["est"], world["rep"]

    def add(n: int) -> None:
        for i in range(n):
            other = f.establishment()
            rep.memberships.create(establishment=other, permissions=["apply"])
            _application(est if i % 2 else other, f.person(nationality=NATIONALITIES[i % len(NATIONALITIES)]), rep,
                         [State.SUBMITTED, State.REFERRED, State.ISSUED, State.REJECTED][i % 4])

    def shows(html: str, n: int) -> bool:
        return html.count("/applications/APP-") == n

    _assert_flat(_signed_in(rep), f"{prefix}/applications/", add, budget=12, expect=shows)


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_invoices_list(world, prefix):  # type: ignore[no-untyped-def]
    est, rep = world["est"], world["rep"]
    made = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(made)
            invoice = make_invoice(est, subject=f"INV-ROW-{i}")
            if i % 3 == 1:
                Payment.objects.create(invoice=invoice, amount_omr=invoice.total_omr, method=Payment.Method.CARD,
                                       reference=f"PAY-ROW-{i}", status=Payment.Status.STARTED, recorded_by=rep)

    def shows(html: str, n: int) -> bool:
        return html.count("/payments/invoices/INV-") >= n

    _assert_flat(_signed_in(rep), f"{prefix}/payments/", add, budget=15, expect=shows)


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_notifications_list(world, prefix):  # type: ignore[no-untyped-def]
    rep = world["rep"]
    made = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(made)
            Message.objects.create(
                reference=f"MSG-ROW-{i}", event_key=f"row:{i}", event="application.decided", kind="applications",
                channel=Channel.INAPP, language="en", recipient_key=f"user:{rep.pk}", user=rep,
                subject=f"Decision on row {i}", body="A decision was taken.", link="/applications/",
                read_at=timezone.now() if i % 2 else None)

    def shows(html: str, n: int) -> bool:
        return html.count("Decision on row") == n

    _assert_flat(_signed_in(rep), f"{prefix}/notifications/", add, budget=10, expect=shows)


# ------------------------------------------------------------------------------------------- officer
@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_officer_review_queue(world, prefix):  # type: ignore[no-untyped-def]
    rep = world["rep"]

    def add(n: int) -> None:
        for i in range(n):
            _application(f.establishment(), f.person(nationality=NATIONALITIES[i % len(NATIONALITIES)]), rep,
                         State.REFERRED)

    def shows(html: str, n: int) -> bool:
        return html.count("/applications/APP-") == n

    _assert_flat(_signed_in(world["officer"]), f"{prefix}/review/", add, budget=10, expect=shows)


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_officer_search_results(world, prefix):  # type: ignore[no-untyped-def]
    made = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(made)
            f.person(nationality=NATIONALITIES[i % len(NATIONALITIES)], name_latin=f"Ravi Kumar {i}",
                     name_ar=f"رافي كومار {i}")
            f.establishment(name_en=f"Kumar Trading {i}", name_ar=f"كومار للتجارة {i}")

    def shows(html: str, n: int) -> bool:
        return html.count("/officer/establishments/") == min(n, 25)

    _assert_flat(_signed_in(world["officer"]), f"{prefix}/officer/search/?q=kumar", add, budget=10, expect=shows)


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_establishment_file(world, prefix):  # type: ignore[no-untyped-def]
    est, rep = world["est"], world["rep"]
    today = timezone.localdate()

    def add(n: int) -> None:
        for i in range(n):
            person = f.person(nationality=NATIONALITIES[i % len(NATIONALITIES)])
            f.employ(est, person)
            application = _application(est, person, rep, State.SUBMITTED)
            record(rep, "application.submitted", application, subject_person_id=person.pk, number=application.number)
            if person.nationality_id != "OM":
                _permit(est, person, rep, valid_until=today + timedelta(days=100 + i))

    _assert_flat(_signed_in(world["officer"]), f"{prefix}/officer/establishments/{est.cr_number}/", add, budget=16)


# ------------------------------------------------------------------------------------------- worker
@pytest.fixture
def worker(world):  # type: ignore[no-untyped-def]
    person = f.person()
    account = f.user(Role.WORKER, person_record=person)
    return {**world, "person": person, "worker": account}


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_worker_record(worker, prefix):  # type: ignore[no-untyped-def]
    person, rep = worker["person"], worker["rep"]
    today = timezone.localdate()
    made = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(made)
            employer = f.establishment()
            _application(employer, person, rep, [State.SUBMITTED, State.ISSUED, State.REJECTED][i % 3])
            _permit(employer, person, rep, valid_until=today - timedelta(days=30 + i), status=Permit.Status.EXPIRED)

    def shows(html: str, n: int) -> bool:
        return html.count("/applications/APP-") == min(2 * n, 20)  # each permit's issuing application too

    _assert_flat(_signed_in(worker["worker"]), f"{prefix}/me/", add, budget=10, expect=shows)


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_the_worker_activity_log(worker, prefix):  # type: ignore[no-untyped-def]
    person, rep, account = worker["person"], worker["rep"], worker["worker"]
    officer = worker["officer"]
    support = f.user(Role.SUPPORT)
    made = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(made)
            actor = [rep, None, officer, account][i % 4]
            event = record(actor, "contract.draft_updated", person, subject_person_id=person.pk, number=f"CTR-{i}")
            if i % 5 == 0:
                dispute = dispute_open(actor=account, event=event, reason=f"Not so, row {i}")
                if i % 10 == 0:
                    dispute_answer(actor=support, dispute=dispute, finding="upheld", answer="Corrected.")

    def shows(html: str, n: int) -> bool:
        return html.count("CTR-") == n

    _assert_flat(_signed_in(account), f"{prefix}/me/activity/", add, budget=10, expect=shows)
