"""A small firm in the mirror: two units, a PM who manages a project in the other unit too,
a consultant who logged time on one project, and two clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.core.models import BusinessUnit, User
from portal.odoo.models import OdooUser, Partner, Project
from tests.factories import person
from tests.projects.factories import (
    EmployeeFactory,
    OdooUserFactory,
    PartnerFactory,
    ProjectFactory,
    TaskFactory,
    TimesheetFactory,
)


@dataclass
class Firm:
    unit: BusinessUnit
    other_unit: BusinessUnit
    pm_odoo: OdooUser
    consultant_odoo: OdooUser
    client: Partner
    other_client: Partner
    main: Project  # unit, client, managed by someone else
    managed_elsewhere: Project  # other unit, managed by the PM
    other: Project  # other unit, other client
    worked_on: Project  # other unit; the consultant logged time on it
    assigned: Project  # other unit; the consultant is an assignee of a task


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    """Hashing demo passwords at full strength would dominate these tests' run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def firm(unit: BusinessUnit, other_unit: BusinessUnit) -> Firm:
    pm_odoo = OdooUserFactory(name="Marc Demo", login="demo")
    consultant_odoo = OdooUserFactory(name="Jeffrey Kelly", login="jkelly")
    client = PartnerFactory(name="Deco Addict")
    contact = PartnerFactory(name="Joel Willis", is_company=False, parent=client,
                             commercial_partner_id=client.pk)  # fmt: skip
    other_client = PartnerFactory(name="Azure Interior")
    main = ProjectFactory(name="Office Design", business_unit=unit, partner=contact)
    managed = ProjectFactory(name="Home Construction", business_unit=other_unit, manager=pm_odoo,
                             partner=other_client)  # fmt: skip
    other = ProjectFactory(name="Renovations", business_unit=other_unit, partner=other_client)
    worked_on = ProjectFactory(name="After-Sales", business_unit=other_unit, partner=other_client)
    assigned = ProjectFactory(name="Research", business_unit=other_unit, partner=other_client)
    employee = EmployeeFactory(name="Jeffrey Kelly", user=consultant_odoo)
    TimesheetFactory(project=worked_on, employee=employee, user_id=None)
    TaskFactory(project=assigned, assignees=[consultant_odoo])
    return Firm(unit, other_unit, pm_odoo, consultant_odoo, client, other_client, main, managed,
                other, worked_on, assigned)  # fmt: skip


@pytest.fixture
def pm(firm: Firm) -> User:
    return person("pm@example.com", "project_manager", firm.unit, odoo_user_id=firm.pm_odoo.pk)


@pytest.fixture
def consultant(firm: Firm) -> User:
    return person("consultant@example.com", "consultant", firm.unit,
                  odoo_user_id=firm.consultant_odoo.pk,
                  odoo_employee_id=firm.consultant_odoo.employees.get().pk)  # fmt: skip


@pytest.fixture
def leader(firm: Firm) -> User:
    return person("leader@example.com", "delivery_leader")


@pytest.fixture
def client_contact(firm: Firm) -> User:
    return person("joel@client.example", "client_contact", client_partner_id=firm.client.pk)


@pytest.fixture
def other_client_contact(firm: Firm) -> User:
    return person("ann@azure.example", "client_contact", client_partner_id=firm.other_client.pk)
