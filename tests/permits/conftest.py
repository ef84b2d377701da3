from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from manpower.identity.models import Role
from manpower.permits.inputs import parse_application
from tests import factories as f

TODAY = date(2026, 12, 3)


@pytest.fixture
def employer_world(db):  # type: ignore[no-untyped-def]
    """A construction company in good standing: valid CR, Omani staff, no dues; its representative."""
    est = f.establishment(activity_code="4100", cr_issued_on=date(2015, 1, 1), cr_expires_on=date(2030, 1, 1))
    for _ in range(2):
        f.employ(est, f.person(nationality="OM"), occupation="1321")
    for _ in range(3):
        f.employ(est, f.person(nationality="IN"))
    rep = f.user(Role.EMPLOYER, establishments=[est])
    officer = f.user(Role.OFFICER)
    return {"est": est, "rep": rep, "officer": officer}


def new_permit(**overrides: Any) -> dict[str, Any]:
    data = {"type": "new_permit", "passport_number": f"N{abs(hash(str(overrides))) % 10**7:07d}",
            "passport_country": "IN", "nationality": "IN", "name_latin": "Arun Kumar", "date_of_birth": "1994-05-17",
            "sex": "M", "passport_expires_on": "2031-01-01", "occupation": "7112", "basic_wage": "220.000"}
    data.update(overrides)
    return data


def submit(world: dict, on: date = TODAY, key: str | None = None, **overrides: Any):  # type: ignore[no-untyped-def]
    from manpower.permits.services import application_submit

    return application_submit(actor=world["rep"], establishment=world["est"], data=parse_application(new_permit(**overrides)),
                              idempotency_key=key, on=on)
