"""Fixtures of the stats tests: matches run their finish task. The players Ann, Ivan, Olga and
Petr are the shared personas (testing/personas.py)."""

import pytest


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the finish task, broadcasts) as the scoring service commits."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
