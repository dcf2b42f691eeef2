"""Personas for the dashboards: a delivery leader, an operator, a consultant."""

from __future__ import annotations

import pytest

from portal.core.models import BusinessUnit, Role, User
from portal.dashboards import health
from tests.factories import person


@pytest.fixture(autouse=True)
def _fresh_health_cache() -> None:
    health.forget_odoo_check()


@pytest.fixture
def leader(unit: BusinessUnit) -> User:
    """Delivery leader of the whole firm."""
    return person("leader@example.com", Role.DELIVERY_LEADER)


@pytest.fixture
def unit_leader(unit: BusinessUnit) -> User:
    """Delivery leader of the consulting unit only."""
    return person("unit-leader@example.com", Role.DELIVERY_LEADER, unit)


@pytest.fixture
def operator(db: None) -> User:
    return person("operator@example.com", Role.OPERATOR)


@pytest.fixture
def consultant(db: None) -> User:
    """Signed in, with a role that sees no dashboard (the read-only persona)."""
    return person("consultant@example.com", Role.CONSULTANT)
