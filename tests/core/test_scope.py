"""What a request reads twice is read once, and only within that request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from manpower.core.scope import forget, remembered, request_scope
from manpower.identity.authz import can_act_for
from manpower.identity.models import EstablishmentPermission, Role
from manpower.registry import services as registry
from tests import factories as f


def test_a_value_is_computed_once_per_request_and_every_time_outside_one():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert (remembered("k", compute), remembered("k", compute)) == (1, 2)
    with request_scope():
        assert (remembered("k", compute), remembered("k", compute)) == (3, 3)
        forget("k")
        assert remembered("k", compute) == 4
    with request_scope():
        assert remembered("k", compute) == 5


@pytest.mark.django_db
def test_memberships_are_read_once_per_request_and_a_grant_is_seen_at_once():
    own, other = f.establishment(), f.establishment()
    rep = f.user(Role.EMPLOYER, establishments=[own])
    manager_of_other = f.user(Role.EMPLOYER, establishments=[other])
    with request_scope():
        with CaptureQueriesContext(connection) as captured:
            assert can_act_for(rep, EstablishmentPermission.VIEW, own)
            assert not can_act_for(rep, EstablishmentPermission.VIEW, other)
            assert can_act_for(rep, EstablishmentPermission.APPLY, own)
        assert len(captured) == 1
        registry.membership_grant(actor=manager_of_other, establishment=other, user=rep,
                                  permissions=[EstablishmentPermission.APPLY])
        assert can_act_for(rep, EstablishmentPermission.APPLY, other)  # the grant is seen within the same request
