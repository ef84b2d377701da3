"""Every role against every establishment-scoped read and write: nobody sees or changes what is not theirs."""

from __future__ import annotations

import pytest

from manpower.core.errors import PermissionDenied
from manpower.identity.models import Role
from manpower.registry import selectors, services
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = [Role.EMPLOYER, Role.WORKER, Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN]


@pytest.fixture
def world():
    ours, theirs = f.establishment(), f.establishment()
    our_worker, their_worker = f.person(), f.person()
    f.employ(ours, our_worker)
    f.employ(theirs, their_worker)
    return {"ours": ours, "theirs": theirs, "our_worker": our_worker, "their_worker": their_worker}


def actor_for(role, world):
    if role == Role.EMPLOYER:
        return f.user(role, establishments=[world["ours"]])
    if role == Role.WORKER:
        return f.user(role, person_record=world["our_worker"])
    return f.user(role)


MINISTRY = {Role.OFFICER, Role.ANALYST, Role.SUPPORT, Role.ADMIN}


@pytest.mark.parametrize("role", ROLES)
def test_establishment_selectors_show_only_what_the_role_may_see(role, world):
    actor = actor_for(role, world)
    visible = set(selectors.establishments_for(actor))
    expected = {Role.EMPLOYER: {world["ours"]}, Role.WORKER: set()}.get(role, {world["ours"], world["theirs"]})
    assert visible == expected


@pytest.mark.parametrize("role", ROLES)
def test_people_and_employment_selectors_do_not_leak(role, world):
    actor = actor_for(role, world)
    people = set(selectors.people_for(actor))
    employments = {e.person for e in selectors.employments_for(actor)}
    if role in MINISTRY:
        assert {world["our_worker"], world["their_worker"]} <= people
    else:
        assert people == employments == {world["our_worker"]}
        assert world["their_worker"] not in people


@pytest.mark.parametrize("role", ROLES)
def test_establishment_get_refuses_other_establishments_as_not_found(role, world):
    actor = actor_for(role, world)
    if role in MINISTRY:
        assert selectors.establishment_get(actor, cr_number=world["theirs"].cr_number) == world["theirs"]
    else:
        with pytest.raises(Exception) as error:
            selectors.establishment_get(actor, cr_number=world["theirs"].cr_number)
        assert error.value.code == "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_granting_membership_needs_manage_users_on_that_establishment(role, world):
    actor = actor_for(role, world)
    newcomer = f.user(Role.EMPLOYER)
    for target, allowed in ((world["ours"], role == Role.EMPLOYER), (world["theirs"], False)):
        if allowed:
            services.membership_grant(actor=actor, establishment=target, user=newcomer, permissions=["apply"])
        else:
            with pytest.raises(PermissionDenied):
                services.membership_grant(actor=actor, establishment=target, user=newcomer, permissions=["apply"])


def test_a_representative_without_manage_users_cannot_grant(world):
    clerk = f.user(Role.EMPLOYER, establishments=[world["ours"]], permissions=["apply"])
    with pytest.raises(PermissionDenied):
        services.membership_grant(actor=clerk, establishment=world["ours"], user=f.user(Role.EMPLOYER), permissions=["pay"])


@pytest.mark.parametrize("role", ROLES)
def test_contact_details_are_changed_only_by_the_person_or_the_ministry(role, world):
    actor = actor_for(role, world)
    for target in (world["our_worker"], world["their_worker"]):
        allowed = role in MINISTRY or (role == Role.WORKER and target == world["our_worker"])
        if allowed:
            services.person_contact_update(actor=actor, person=target, phone="+968 9555 1234")
            target.refresh_from_db()
            assert target.phone == "+96895551234"
        else:
            with pytest.raises(PermissionDenied):
                services.person_contact_update(actor=actor, person=target, phone="+968 9555 1234")


@pytest.mark.parametrize("role", ROLES)
def test_only_officers_and_administrators_register_or_suspend_establishments(role, world):
    actor = actor_for(role, world)
    allowed = role in {Role.OFFICER, Role.ADMIN}
    kwargs = dict(cr_number="7654321", name_ar="مؤسسة جديدة", kind="company", activity_code="4100", wilayat_code=1,
                  cr_issued_on="2024-01-01", cr_expires_on="2027-01-01")
    if allowed:
        assert services.establishment_register(actor=actor, **kwargs).cr_number == "7654321"
        services.establishment_set_status(actor=actor, establishment=world["theirs"], status="suspended", reason="court order")
    else:
        with pytest.raises(PermissionDenied):
            services.establishment_register(actor=actor, **kwargs)
        with pytest.raises(PermissionDenied):
            services.establishment_set_status(actor=actor, establishment=world["theirs"], status="suspended", reason="x")


def test_registering_reports_every_bad_field_at_once(world):
    officer = f.user(Role.OFFICER)
    from manpower.core.errors import InputErrors

    with pytest.raises(InputErrors) as error:
        services.establishment_register(actor=officer, cr_number="12", name_ar="", kind="company", activity_code="9999",
                                        wilayat_code=99, cr_issued_on="2024-01-01", cr_expires_on="2023-01-01")
    fields = {e.field for e in error.value.errors}
    assert fields == {"cr_number", "name_ar", "activity_code", "wilayat_code", "cr_expires_on"}
