"""A column changed by a migration while the web server runs costs one failed request, not every later one."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection

from manpower.core.db import close_after_stale_plan


def _other_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(dbname=connection.settings_dict["NAME"], user=db.get("USER") or None,
                           host=db.get("HOST") or None, port=db.get("PORT") or None, password=db.get("PASSWORD") or None,
                           autocommit=True)


def test_a_stale_prepared_statement_closes_the_connection_when_the_request_ends(reference_data_reloaded,
                                                                                transactional_db) -> None:
    if connection.vendor != "postgresql" or not connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold"):
        pytest.skip("prepared statements are a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE stale_plan_probe (amount integer)")
        cursor.execute("INSERT INTO stale_plan_probe VALUES (1)")
    try:
        for _ in range(6):  # past prepare_threshold: the statement is now prepared on the server
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM stale_plan_probe WHERE amount > %s", [0])
        with _other_connection() as other:  # another process migrates
            other.execute("ALTER TABLE stale_plan_probe ALTER COLUMN amount TYPE numeric(10, 3)")
        with pytest.raises(DatabaseError) as failed, connection.cursor() as cursor:
            cursor.execute("SELECT * FROM stale_plan_probe WHERE amount > %s", [0])
        assert "cached plan must not change result type" in str(failed.value)

        try:
            raise failed.value
        except DatabaseError:
            close_after_stale_plan()  # as Django's got_request_exception calls it
        connection.close_if_unusable_or_obsolete()  # what request_finished does
        assert connection.connection is None, "the connection with the stale plan is closed"

        with connection.cursor() as cursor:  # the next request connects afresh
            cursor.execute("SELECT * FROM stale_plan_probe WHERE amount > %s", [0])
            assert str(cursor.fetchone()[0]) == "1.000"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS stale_plan_probe")


@pytest.mark.django_db
def test_other_errors_leave_the_connection_open() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    planned = connection.close_at  # when CONN_MAX_AGE would close it
    try:
        raise DatabaseError("deadlock detected")
    except DatabaseError:
        close_after_stale_plan()
    assert connection.close_at == planned
