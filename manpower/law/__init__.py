"""The rule book: Oman's Labour Law and work-permit rules as versioned, explainable, tested code.

Pure Python: nothing here reads a database, the clock or the network, or imports the rest of the
platform. The date and every fact are inputs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from manpower.law.benefits import annual_leave, gratuity, sick_leave_pay, unused_leave_pay
from manpower.law.errors import FactError, LawError, ParameterError, UnknownApplicationType
from manpower.law.facts import FACTS_BY_TYPE, facts_from_dict, facts_to_dict
from manpower.law.parameters import book
from manpower.law.rulebook import (
    APPLICATION_TYPES,
    CANCELLATION,
    CONTRACT,
    NEW_PERMIT,
    OUTCOMES,
    RENEWAL,
    TRANSFER,
    Check,
    CheckResult,
    Decision,
    Replay,
    catalogue,
    evaluate,
    fees_due,
    replay,
    ruleset_version,
)


def parameter(name: str, on: dt.date) -> Any:
    """A parameter's value on a day, e.g. ``parameter("permits.validity_months", date(2026, 1, 1))``."""
    if name not in book().parameters:
        raise LawError("parameter_unknown", name=name, en="Unknown parameter {name}.", ar="المعيار {name} غير معروف.")
    return book().parameters[name].at(on).value


def law_on(on: dt.date) -> Any:
    """All parameters in force on a day, as the rules read them (``law_on(d).permits.validity_months``)."""
    return book().on(on)


__all__ = [
    "APPLICATION_TYPES", "CANCELLATION", "CONTRACT", "FACTS_BY_TYPE", "NEW_PERMIT", "OUTCOMES", "RENEWAL",
    "TRANSFER", "Check", "CheckResult", "Decision", "FactError", "LawError", "ParameterError", "Replay",
    "UnknownApplicationType", "annual_leave", "catalogue", "evaluate", "facts_from_dict", "facts_to_dict", "fees_due",
    "gratuity", "law_on", "parameter", "replay", "ruleset_version", "sick_leave_pay", "unused_leave_pay",
]
