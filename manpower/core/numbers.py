"""Document numbers people read out on the phone and type into forms.

``PREFIX-YYYY-NNNNNNN-C``: the year of issue, a seven-digit sequence for that year, and a Luhn check
digit over the year and the sequence, so that a mistyped digit is caught before any look-up.
"""

from __future__ import annotations

import re

from django.db import DatabaseError, ProgrammingError, connection, transaction

from manpower.core.models import Sequence

NUMBER = re.compile(r"^(?P<prefix>[A-Z]{2,3})-(?P<year>\d{4})-(?P<seq>\d{7})-(?P<check>\d)$")


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def format_number(prefix: str, year: int, value: int) -> str:
    body = f"{year:04d}{value:07d}"
    return f"{prefix}-{year:04d}-{value:07d}-{luhn_check_digit(body)}"


def is_well_formed(number: str, prefix: str | None = None) -> bool:
    match = NUMBER.match(number or "")
    if match is None or (prefix is not None and match["prefix"] != prefix):
        return False
    return luhn_check_digit(match["year"] + match["seq"]) == int(match["check"])


def next_number(prefix: str, year: int, *, gap_free: bool = True) -> str:
    """Take the next number for ``prefix`` in ``year``, in the caller's transaction.

    Gap-free numbers (invoices, payments, permits: documents an auditor counts) come from a counter row that
    stays locked until the caller commits: writers of the same kind of document take turns. Numbers that may
    skip one when a transaction fails (applications, of which many are submitted at once) come, on PostgreSQL,
    from a database sequence that no one waits for. On SQLite one transaction writes at a time anyway.
    """
    if not gap_free and connection.vendor == "postgresql":
        return format_number(prefix, year, _sequence_value(prefix, year))
    # The audit chain's head is always locked before a counter row, never after: see audit.appended_at_end().
    from manpower.audit.services import append_pending

    append_pending()
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # One statement increments and reads the counter (SQLite ≥ 3.35 and PostgreSQL have RETURNING).
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s AND year = %s RETURNING value",  # noqa: S608 - the table is the model's own, quoted
                       [prefix, year])
        row = cursor.fetchone()
        if row is None:  # the year's first number
            counter, _ = Sequence.objects.select_for_update().get_or_create(name=prefix, year=year)
            counter.value += 1
            counter.save(update_fields=["value"])
            return format_number(prefix, year, counter.value)
        return format_number(prefix, year, int(row[0]))


_sequences_seen: set[tuple[str, str]] = set()  # (database, sequence) known to exist: committed


def _sequence_value(prefix: str, year: int) -> int:
    """``nextval`` of the PostgreSQL sequence for prefix and year, created on first use after the numbers that
    the counter table already gave. (Creating a sequence is transactional: it is known to exist, and read
    without a savepoint, only once a transaction that saw it has committed.)"""
    name = connection.ops.quote_name(f"number_{prefix.lower()}_{year:04d}")
    seen = (str(connection.settings_dict["NAME"]), name)
    with connection.cursor() as cursor:
        if seen in _sequences_seen:
            cursor.execute("SELECT nextval(%s)", [name])
            return int(cursor.fetchone()[0])
        transaction.on_commit(lambda: _sequences_seen.add(seen))
        try:
            with transaction.atomic():
                cursor.execute("SELECT nextval(%s)", [name])
                return int(cursor.fetchone()[0])
        except ProgrammingError:  # no such sequence yet
            pass
        given = Sequence.objects.filter(name=prefix, year=year).values_list("value", flat=True).first() or 0
        try:
            with transaction.atomic():
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(given) + 1}")
        except DatabaseError:  # another transaction created it at the same moment (IF NOT EXISTS is not race-free)
            pass
        cursor.execute("SELECT nextval(%s)", [name])
        return int(cursor.fetchone()[0])
