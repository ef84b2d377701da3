"""Submissions racing for the same rows at the same moment, each on its own database connection: two renewals of
one permit, and one new worker's application sent many times with the same idempotency key."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection, connections

from manpower.core.errors import DomainError
from manpower.permits import services
from manpower.permits.inputs import parse_application
from manpower.permits.models import Application, ApplicationType
from tests.permits.test_pipeline import issued_permit

pytestmark = pytest.mark.db_engine

CONTENDERS = 2
ROUNDS = 3


def _submit_at_once(world: dict[str, Any], data: Any, contenders: int = CONTENDERS,
                    key: str | None = None) -> list[tuple[str, str]]:
    """Each thread has its own connection (Django's are per thread); the barrier releases them together."""
    barrier = threading.Barrier(contenders)
    results: list[tuple[str, str]] = [("none", "")] * contenders

    def renew(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(200):
                try:
                    application = services.application_submit(actor=world["rep"], establishment=world["est"], data=data,
                                                              idempotency_key=key)
                except OperationalError as error:
                    # The SQLite test database lives in shared-cache memory, where a writer that finds the other's
                    # lock fails at once instead of waiting as it does on a file (busy_timeout) or on PostgreSQL:
                    # retry, as the waiting would.
                    if connection.vendor != "sqlite" or "locked" not in str(error):
                        raise
                    threading.Event().wait(0.005)
                    continue
                results[index] = ("ok", application.number)
                return
            results[index] = ("error", "still locked after 200 attempts")
        except DomainError as error:
            results[index] = ("refused", error.code)
        except Exception as error:
            results[index] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=renew, args=(index,)) for index in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_two_renewals_of_one_permit_at_the_same_moment_exactly_one_succeeds(reference_data_reloaded, transactional_db,
                                                                             employer_world):
    for round_ in range(ROUNDS):
        permit = issued_permit(employer_world, passport=f"R{round_:07d}")
        data = parse_application({"type": "renewal", "permit_number": permit.number, "occupation": "7112",
                                  "basic_wage": "230.000"})
        results = _submit_at_once(employer_world, data)
        outcomes = sorted(outcome for outcome, _ in results)
        assert outcomes == ["ok", "refused"], results
        assert {detail for outcome, detail in results if outcome == "refused"} == {"application_in_progress"}
        winner = next(detail for outcome, detail in results if outcome == "ok")
        renewals = Application.objects.filter(permit=permit, type=ApplicationType.RENEWAL)
        assert list(renewals.values_list("number", flat=True)) == [winner]
        assert renewals.get().decisions.count() == 1


def test_one_new_worker_sent_many_times_at_once_with_one_key_is_one_application(reference_data_reloaded,
                                                                               transactional_db, employer_world):
    from manpower.registry.models import Person
    from tests.permits.conftest import new_permit

    data = parse_application(new_permit(passport_number="RACE0001"))
    results = _submit_at_once(employer_world, data, contenders=6, key="payroll-run-17")
    assert {outcome for outcome, _ in results} == {"ok"}, results
    assert len({number for _, number in results}) == 1, "every sender gets the first result"
    assert Application.objects.filter(idempotency_key="payroll-run-17").count() == 1
    assert Person.objects.filter(passport_number="RACE0001").count() == 1


def test_one_known_worker_sent_at_once_without_a_key_is_one_open_application(reference_data_reloaded,
                                                                           transactional_db, employer_world):
    from tests.permits.conftest import new_permit

    data = parse_application(new_permit(passport_number="RACE0002"))
    first = services.application_submit(actor=employer_world["rep"], establishment=employer_world["est"], data=data)
    services.application_withdraw(actor=employer_world["rep"], application=first)  # the worker is on record now
    results = _submit_at_once(employer_world, data, contenders=4)
    assert sorted(outcome for outcome, _ in results) == ["ok", "refused", "refused", "refused"], results
    assert {detail for outcome, detail in results if outcome == "refused"} == {"worker_application_in_progress"}
    assert Application.objects.filter(person_id=first.person_id).exclude(pk=first.pk).count() == 1
