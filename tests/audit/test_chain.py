from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from manpower.audit.models import AuditEvent, AuditHead
from manpower.audit.services import record, verify_chain
from manpower.identity.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    AuditEvent.objects.all().delete()
    AuditHead.objects.all().delete()
    officer = f.user(Role.OFFICER)
    est = f.establishment()
    for n in range(5):
        record(officer, "establishment.status_changed", est, before={"status": "active"}, after={"status": f"s{n}"})
    return list(AuditEvent.objects.order_by("seq"))


def _raw_update(seq, column, value):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, seq])


def test_an_intact_chain_verifies(chain):
    result = verify_chain()
    assert (result.ok, result.checked) == (True, 5)
    call_command("audit", "verify")


def test_each_event_links_to_the_one_before(chain):
    assert chain[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(chain))


def test_an_edited_event_is_reported(chain):
    _raw_update(3, "action", "establishment.deleted")
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "edited" in result.problem
    with pytest.raises(CommandError, match="#3"):
        call_command("audit", "verify")


def test_an_edited_value_inside_the_json_is_reported(chain):
    AuditEvent.objects.filter(seq=2).update(after={"status": "active"})
    assert verify_chain().first_bad_seq == 2


def test_a_deleted_event_is_reported(chain):
    AuditEvent.objects.filter(seq=2).delete()
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "deleted" in result.problem


def test_deleting_the_last_event_is_reported(chain):
    AuditEvent.objects.filter(seq=5).delete()
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 5)


def test_an_inserted_event_is_reported(chain):
    # A forger renumbers the later events to make room, and recomputes nothing: the link breaks.
    for seq in (5, 4, 3):
        AuditEvent.objects.filter(seq=seq).update(seq=seq + 1)
    forged = chain[1]
    AuditEvent.objects.create(seq=3, action="permit.issued", object_type="x", object_id="1",
                              prev_hash=forged.hash, hash="f" * 64)
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_an_inserted_event_with_a_valid_own_hash_still_breaks_the_next_link(chain):
    from manpower.audit.services import event_hash

    for seq in (5, 4, 3):
        AuditEvent.objects.filter(seq=seq).update(seq=seq + 1)
    fields = dict(seq=3, occurred_at=chain[1].occurred_at, actor_id=None, actor_label="system", action="forged",
                  object_type="x", object_id="1", subject_person_id=None, before={}, after={}, data={},
                  prev_hash=chain[1].hash)
    AuditEvent.objects.create(hash=event_hash(**fields), **fields)
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "does not follow" in result.problem


def test_events_appended_at_the_end_of_a_block_are_chained_in_the_order_recorded(chain):
    from django.db import transaction

    from manpower.audit.services import appended_at_end

    officer = f.user(Role.OFFICER)
    with transaction.atomic(), appended_at_end():
        first = record(officer, "application.submitted", object_type="permits.Application", object_id="1")
        record(officer, "application.await", object_type="permits.Application", object_id="1")
        assert first.pk is None and AuditEvent.objects.count() == 5  # nothing written, the head untouched
        assert AuditHead.objects.get().seq == 5
    actions = list(AuditEvent.objects.order_by("seq").values_list("seq", "action"))
    assert actions[-2:] == [(6, "application.submitted"), (7, "application.await")]
    assert verify_chain().ok and AuditHead.objects.get().seq == 7


def test_a_block_that_fails_records_nothing(chain):
    from django.db import transaction

    from manpower.audit.services import appended_at_end

    with pytest.raises(RuntimeError), transaction.atomic(), appended_at_end():
        record(None, "application.submitted", object_type="permits.Application", object_id="2")
        raise RuntimeError("refused")
    assert AuditEvent.objects.count() == 5 and verify_chain().ok


def test_a_gap_free_number_is_taken_after_the_pending_events_are_chained(chain):
    """The head is always locked before a document counter, never after: two writers cannot deadlock."""
    from django.db import transaction

    from manpower.audit.services import appended_at_end
    from manpower.core.numbers import next_number

    with transaction.atomic(), appended_at_end():
        record(None, "invoice.approved", object_type="payments.Invoice", object_id="9")
        next_number("INV", 2026)
        assert AuditEvent.objects.count() == 6  # chained before the counter row was locked
        record(None, "invoice.created", object_type="payments.Invoice", object_id="9")
    assert AuditEvent.objects.count() == 7 and verify_chain().ok
