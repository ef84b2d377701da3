from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The reference code lists are loaded once into each test database, as `manpower setup` does."""
    from manpower.registry.reference import SOURCES, load_source

    with django_db_blocker.unblock():
        for source in SOURCES:
            load_source(source)


@pytest.fixture
def reference_data_reloaded(django_db_blocker):  # type: ignore[no-untyped-def]
    """A transactional test's database is emptied after it (the reference lists with it): load them again,
    so that the tests that follow in this process find them. Request it before `transactional_db`."""
    yield
    from manpower.registry.reference import SOURCES, load_source

    with django_db_blocker.unblock():
        for source in SOURCES:
            load_source(source)
