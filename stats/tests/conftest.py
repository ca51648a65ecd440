"""Personas of the stats tests: Ann, Ivan, Olga and Petr play; matches run their finish task."""

import pytest

from accounts.tests.factories import UserFactory


@pytest.fixture
def ann(db):
    return UserFactory(username="ann", first_name="Ann", last_name="Player")


@pytest.fixture
def ivan(db):
    return UserFactory(username="ivan", first_name="Ivan", last_name="Player")


@pytest.fixture
def olga(db):
    return UserFactory(username="olga", first_name="Olga", last_name="Player")


@pytest.fixture
def petr(db):
    return UserFactory(username="petr", first_name="Petr", last_name="Player")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the finish task, broadcasts) as the scoring service commits."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
