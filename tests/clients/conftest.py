"""Personas of the client portal: two clients, their contacts, and the firm's staff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.core.models import Role
from tests.clients.factories import OdooUserFactory, PartnerFactory, ProjectFactory, publish
from tests.factories import person


@pytest.fixture(autouse=True)
def private_files(settings: Any, tmp_path: Path) -> Path:
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    settings.PORTAL_BASE_URL = "http://testserver"
    # Fast hashing for the many personas (PBKDF2 costs ~0.3 s per user).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.PRIVATE_FILES_ROOT  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def no_worker_wakeup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests check outbox rows; they must not send wake-ups to a real broker.

    End-to-end tests with a real worker keep them.
    """
    if "celery_worker_process" not in request.fixturenames:
        monkeypatch.setattr("portal.odoo.outbox._wake_worker", lambda: None)


@pytest.fixture
def client1(db):  # type: ignore[no-untyped-def]
    return PartnerFactory(name="Client One Ltd")


@pytest.fixture
def client2(db):  # type: ignore[no-untyped-def]
    return PartnerFactory(name="Client Two Secret Corp")


@pytest.fixture
def pm_odoo(db):  # type: ignore[no-untyped-def]
    return OdooUserFactory(name="Paula PM")


@pytest.fixture
def pm(unit, pm_odoo):  # type: ignore[no-untyped-def]
    return person("pm@firm.example", Role.PROJECT_MANAGER, unit, odoo_user_id=pm_odoo.pk)


@pytest.fixture
def leader(unit):  # type: ignore[no-untyped-def]
    return person("leader@firm.example", Role.DELIVERY_LEADER, unit)


@pytest.fixture
def account_manager(unit):  # type: ignore[no-untyped-def]
    return person("am@firm.example", Role.ACCOUNT_MANAGER, unit)


@pytest.fixture
def other_am(other_unit):  # type: ignore[no-untyped-def]
    return person("am2@firm.example", Role.ACCOUNT_MANAGER, other_unit)


@pytest.fixture
def project1(client1, unit, pm_odoo):  # type: ignore[no-untyped-def]
    project = ProjectFactory(
        name="Client One rollout", partner=client1, business_unit=unit, manager=pm_odoo
    )
    publish(project)
    return project


@pytest.fixture
def project2(client2, unit, pm_odoo):  # type: ignore[no-untyped-def]
    project = ProjectFactory(
        name="Client Two Secret project", partner=client2, business_unit=unit, manager=pm_odoo
    )
    publish(project)
    return project


@pytest.fixture
def contact1(client1):  # type: ignore[no-untyped-def]
    return person(
        "alice@client1.example",
        Role.CLIENT_CONTACT,
        None,
        client_partner_id=client1.pk,
        full_name="Alice Client",
    )


@pytest.fixture
def contact2(client2):  # type: ignore[no-untyped-def]
    return person(
        "bob@client2.example",
        Role.CLIENT_CONTACT,
        None,
        client_partner_id=client2.pk,
        full_name="Bob Other",
    )
