"""Property-based run of the whole API against its own OpenAPI schema.

In-process (Django's WSGI app, no server), authenticated with a token that has every
scope, a few hundred generated requests: no server error and no response that breaks
the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.checks import not_a_server_error

from tests.api.conftest import token_header


@pytest.fixture
def api_schema(world):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, world) -> None:  # type: ignore[no-untyped-def]
    header = token_header(world.people["pm"])["HTTP_AUTHORIZATION"]

    case.call_and_validate(
        headers={"Authorization": header},
        checks=[not_a_server_error, response_schema_conformance],
    )
