from __future__ import annotations

import pytest

from tests.factories import person


@pytest.fixture
def am(unit):  # type: ignore[no-untyped-def]
    """Account manager who raises requests."""
    return person("am@example.com", "account_manager", unit, full_name="Ann Account")


@pytest.fixture
def pm(unit):  # type: ignore[no-untyped-def]
    return person("pm@example.com", "project_manager", unit, full_name="Pete PM")


@pytest.fixture
def fin(unit):  # type: ignore[no-untyped-def]
    return person("fin@example.com", "finance", unit, full_name="Fiona Finance")


@pytest.fixture
def pl(unit):  # type: ignore[no-untyped-def]
    return person("pl@example.com", "practice_leader", unit, full_name="Paul Practice")


@pytest.fixture
def dl(unit):  # type: ignore[no-untyped-def]
    return person("dl@example.com", "delivery_leader", unit, full_name="Dana Delivery")


@pytest.fixture
def op(db):  # type: ignore[no-untyped-def]
    return person("op@example.com", "operator", None, full_name="Otto Operator")


@pytest.fixture
def op2(db):  # type: ignore[no-untyped-def]
    return person("op2@example.com", "operator", None, full_name="Olga Operator")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_broker(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Unit tests never reach a broker: on-commit wake-ups are recorded, not sent.

    Tests with a real worker keep the real wake-ups.
    """
    calls: list[str] = []
    if "celery_worker_process" in request.fixturenames:
        return calls
    monkeypatch.setattr("portal.approvals.notifications._send_soon", lambda: calls.append("n"))
    monkeypatch.setattr("portal.odoo.outbox._wake_worker", lambda: calls.append("o"))
    return calls
