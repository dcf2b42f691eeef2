"""Property-based run of the whole API against its own OpenAPI schema.

In-process (Django's WSGI app, no server), authenticated with a token that has every
scope, a few hundred generated requests: no server error and no response that breaks
the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import token_header

EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def keep_test_connection():  # type: ignore[no-untyped-def]
    """The WSGI handler closes the connection after each request; the test transaction
    must survive (Django's own test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_api_conforms_to_its_schema(world, keep_test_connection) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    header = token_header(world.people["pm"])["HTTP_AUTHORIZATION"]
    calls = 0
    failures: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            case.call_and_validate(
                headers={"Authorization": header},
                checks=[not_a_server_error, response_schema_conformance],
            )

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.verbose_name}: {str(exc)[:1500]}")

    assert not failures, "\n\n".join(failures)
    assert calls >= 200
