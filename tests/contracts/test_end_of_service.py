"""End of service: the reason recorded, the gratuity and the leave balance from the rule book, with the
arithmetic both parties see. Figures are the worked examples of OMAN-RULES §1.10."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from manpower.contracts import services
from manpower.contracts.models import Contract, ContractVersion
from manpower.core.errors import DomainError
from manpower.core.models import OutboxMessage
from tests import factories as f

pytestmark = pytest.mark.django_db


def registered(world, *, start: date, wage: str, term: str = "indefinite") -> Contract:
    """A contract already registered (its signing is tested elsewhere)."""
    employment = f.employ(world["est"], world["person"], start=start, wage=wage)
    contract = Contract.objects.create(number=f"CTR-2026-{start.toordinal():07d}-0", establishment=world["est"],
                                       person=world["person"], employment=employment, created_by=world["rep"])
    version = ContractVersion.objects.create(
        contract=contract, seq=1, state="signed", occupation_id="7112", duties_ar="بناء", workplace_ar="مسقط",
        term=term, start_date=start, end_date=None, basic_wage=Decimal(wage), daily_hours=8, weekly_hours=40,
        rest_days_per_week=2, annual_leave_days=30, notice_days=30, drafted_by=world["rep"])
    contract.registered_version = version
    contract.status = "registered"
    contract.registered_at = timezone.now()
    contract.save()
    return contract


def test_the_ministry_example_old_rate_to_july_2023_then_the_new_rate(world):
    contract = registered(world, start=date(2021, 8, 1), wage="500.000")
    services.contract_end(actor=world["rep"], contract=contract, reason="termination",
                          last_working_day=date(2025, 7, 31), leave_days_taken=100)
    contract.refresh_from_db()
    figures = contract.end_figures
    assert contract.status == "ended" and contract.end_reason == "termination"
    assert figures["gratuity"]["amount"] == "1500.000"  # RO 250 a year for 2 years, then RO 500 a year for 2 years
    explained = figures["gratuity"]["explanation"]["en"]
    assert "2021-08-01 to 2023-07-31" in explained and "× 0.5 month × RO 500.000 = RO 500.000" in explained
    assert "2023-08-01 to 2025-07-31" in explained and "× 1 month × RO 500.000 = RO 1000.000" in explained
    assert "المادة 61" in figures["gratuity"]["explanation"]["ar"]
    leave = figures["leave"]
    assert (leave["accrued_days"], leave["taken_days"], leave["balance_days"]) == ("120.08", 100, 20)
    assert leave["pay"] == "333.333"  # 20 days × RO 500 / 30
    assert figures["total"] == "1833.333"
    notice = OutboxMessage.objects.get(topic="contract.ended")
    assert notice.payload["gratuity"] == "1500.000" and notice.payload["worker"]["person_id"] == world["person"].pk


def test_service_only_under_the_new_law_is_paid_a_month_a_year_pro_rata(world):
    contract = registered(world, start=date(2024, 1, 1), wage="400.000")
    services.contract_end(actor=world["rep"], contract=contract, reason="resignation",
                          last_working_day=date(2025, 6, 30))
    contract.refresh_from_db()
    expected = (Decimal("400") * (1 + Decimal(181) / 365)).quantize(Decimal("0.001"))
    assert Decimal(contract.end_figures["gratuity"]["amount"]) == expected == Decimal("598.356")


def test_under_a_year_under_the_old_law_earns_no_gratuity(world):
    contract = registered(world, start=date(2022, 9, 1), wage="300.000")
    services.contract_end(actor=world["rep"], contract=contract, reason="end_of_contract",
                          last_working_day=date(2023, 6, 30))
    contract.refresh_from_db()
    assert contract.end_figures["gratuity"]["amount"] == "0.000"
    assert "no gratuity" in contract.end_figures["gratuity"]["explanation"]["en"]


def test_dismissal_under_article_40_earns_no_gratuity(world):
    contract = registered(world, start=date(2021, 8, 1), wage="500.000")
    services.contract_end(actor=world["rep"], contract=contract, reason="dismissal_article_40",
                          last_working_day=date(2025, 7, 31))
    contract.refresh_from_db()
    assert Decimal(contract.end_figures["gratuity"]["amount"]) == 0
    assert "Art 40" in contract.end_figures["gratuity"]["explanation"]["en"]


def test_leave_is_not_yet_due_in_the_first_six_months(world):
    contract = registered(world, start=date(2025, 1, 1), wage="300.000")
    services.contract_end(actor=world["rep"], contract=contract, reason="resignation", last_working_day=date(2025, 4, 30))
    contract.refresh_from_db()
    assert contract.end_figures["leave"]["balance_days"] == 0 and contract.end_figures["leave"]["eligible"] is False


def test_an_ended_contract_cannot_be_ended_or_amended_again_and_the_worker_cannot_end_it(world):
    contract = registered(world, start=date(2024, 1, 1), wage="400.000")
    with pytest.raises(DomainError, match="not_permitted"):
        services.contract_end(actor=world["worker"], contract=contract, reason="resignation",
                              last_working_day=date(2025, 1, 1))
    services.contract_end(actor=world["rep"], contract=contract, reason="resignation", last_working_day=date(2025, 1, 1))
    with pytest.raises(DomainError, match="contract_ended"):
        services.contract_end(actor=world["rep"], contract=contract, reason="resignation",
                              last_working_day=date(2025, 1, 1))
