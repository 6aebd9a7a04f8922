"""Fixtures of the league tests."""

import pytest


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """`with run_on_commit(): ...` — what a committed transaction would do afterwards (the test
    runs inside one transaction, so on-commit callbacks run only when captured)."""

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture
