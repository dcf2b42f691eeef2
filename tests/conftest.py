"""Shared test plumbing: personas, environment-dependent skips, factories."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.factories import BusinessUnitFactory, UserFactory

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.worker"]

REQUIRE_ALL = os.environ.get("REQUIRE_ALL") == "1"


def needs(what: str, available: bool, install_hint: str) -> None:
    """Skip (or fail in CI, where REQUIRE_ALL=1) a test whose service is missing."""
    if available:
        return
    message = f"needs {what}: {install_hint}"
    if REQUIRE_ALL:
        pytest.fail(f"REQUIRE_ALL=1 and this test {message}")
    pytest.skip(message)


@pytest.fixture
def postgres() -> None:
    url = os.environ.get("DATABASE_URL", "")
    needs("PostgreSQL", url.startswith("postgres"), "set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_broker() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    needs("Redis", url.startswith("redis"), "set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    return url


@pytest.fixture
def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    needs("Chromium", Path(path).exists(), "apt-get install chromium")
    return path


@pytest.fixture
def unit(db):  # type: ignore[no-untyped-def]
    return BusinessUnitFactory(code="consulting", name="Consulting")


@pytest.fixture
def other_unit(db):  # type: ignore[no-untyped-def]
    return BusinessUnitFactory(code="digital", name="Digital")


@pytest.fixture
def outsider(db):  # type: ignore[no-untyped-def]
    """A signed-in person with no role anywhere."""
    return UserFactory(email="outsider@example.com")
