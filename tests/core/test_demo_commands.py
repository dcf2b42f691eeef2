"""seed_demo (idempotent personas linked to the mirror) and the sandbox launcher."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from portal.core.management.commands.seed_demo import PERSONAS
from portal.core.models import BusinessUnit, RoleMembership, User
from portal.odoo.management.commands.odoo_sandbox import sandbox_command
from portal.odoo.models import Company, Employee, OdooUser, Partner, Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def odoo_demo() -> None:
    """The few mirror rows of Odoo's demo data that seed_demo links to."""
    Company.objects.create(id=1, name="YourCompany")
    OdooUser.objects.create(id=2, login="admin", name="Mitchell Admin")
    OdooUser.objects.create(id=6, login="demo", name="Marc Demo")
    Employee.objects.create(id=1, name="Mitchell Admin", user_id=2)
    Employee.objects.create(id=7, name="Jeffrey Kelly")
    joel = Partner.objects.create(id=38, name="Joel Willis", commercial_partner_id=38)
    deco = Partner.objects.create(id=5, name="Deco Addict", is_company=True,
                                  commercial_partner_id=5)  # fmt: skip
    Project.objects.create(id=1, name="Office Design", partner=joel, manager_id=6)
    Project.objects.create(id=5, name="Home Construction", partner=deco, manager_id=6)
    Project.objects.create(id=2, name="Research & Development", manager_id=2)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--skip-app-seeds", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_demo_creates_one_signable_user_per_persona(odoo_demo: None) -> None:
    output = seed()

    assert User.objects.filter(email__endswith="@demo.example.com").count() == len(PERSONAS)
    for persona in PERSONAS:
        user = User.objects.get(email=persona.email)
        assert user.check_password(persona.password)
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
        assert user.memberships.filter(role=persona.role).exists()
        assert persona.password in output


def test_seed_demo_is_idempotent(odoo_demo: None) -> None:
    seed()
    counts = (User.objects.count(), RoleMembership.objects.count(), EmailAddress.objects.count(),
              BusinessUnit.objects.count())  # fmt: skip

    seed()

    assert counts == (User.objects.count(), RoleMembership.objects.count(),
                      EmailAddress.objects.count(), BusinessUnit.objects.count())  # fmt: skip


def test_seed_demo_links_leader_pm_and_consultant_to_odoo(odoo_demo: None) -> None:
    seed()

    leader = User.objects.get(email="leader@demo.example.com")
    pm = User.objects.get(email="pm@demo.example.com")
    consultant = User.objects.get(email="consultant@demo.example.com")
    assert (leader.odoo_user_id, leader.odoo_employee_id, leader.full_name) == (
        2, 1, "Mitchell Admin"
    )  # fmt: skip
    assert pm.odoo_user_id == 6
    assert consultant.odoo_employee_id == 7  # no scenario user: falls back to the employee


def test_seed_demo_gives_the_two_client_contacts_two_different_clients(odoo_demo: None) -> None:
    seed()

    client1 = User.objects.get(email="client1@demo.example.com")
    client2 = User.objects.get(email="client2@demo.example.com")
    assert (client1.client_partner_id, client2.client_partner_id) == (38, 5)


def test_seed_demo_puts_projects_in_units_and_r_and_d_in_digital(odoo_demo: None) -> None:
    seed()

    units = dict(Project.objects.values_list("name", "business_unit__code"))
    main_unit = BusinessUnit.objects.get(odoo_company_id=1).code
    assert units == {"Office Design": main_unit, "Home Construction": main_unit,
                     "Research & Development": "digital"}  # fmt: skip


def test_seed_demo_without_a_mirror_creates_unlinked_users() -> None:
    err = StringIO()
    call_command("seed_demo", "--no-table", "--skip-app-seeds", stdout=StringIO(), stderr=err)

    assert User.objects.get(email="client1@demo.example.com").client_partner_id is None
    assert "odoo_sync" in err.getvalue()


def test_odoo_sandbox_command_runs_the_sandbox_module_with_serve_implied() -> None:
    assert sandbox_command(["--port", "9"]) == [
        sys.executable, "-m", "odoo_sandbox", "serve", "--port", "9"
    ]  # fmt: skip
    assert sandbox_command(["serve", "--demo"])[3:] == ["serve", "--demo"]


def test_seed_demo_publishes_office_design_to_its_client_only(odoo_demo: None) -> None:
    from portal.projects.access import visible_to

    seed()

    client1 = User.objects.get(email="client1@demo.example.com")
    client2 = User.objects.get(email="client2@demo.example.com")
    assert list(visible_to(client1).values_list("name", flat=True)) == ["Office Design"]
    assert not visible_to(client2).exists()


def test_seed_demo_runs_the_apps_seed_commands(odoo_demo: None) -> None:
    out = StringIO()

    call_command("seed_demo", "--no-table", stdout=out, stderr=StringIO())

    assert "Running approvals_seed_policies" in out.getvalue()


def _exited_child(name: str, required: bool):  # type: ignore[no-untyped-def]
    import subprocess

    from portal.core.management.commands.run_demo import Child

    child = Child(name, [sys.executable, "-c", "pass"], required=required)
    child.process = subprocess.Popen(child.argv)
    child.process.wait()
    return child


def test_run_demo_keeps_serving_when_the_sandbox_dies() -> None:
    from portal.core.management.commands.run_demo import Command

    command = Command(stdout=StringIO())
    sandbox = _exited_child("sandbox", required=False)
    command.children = [sandbox]

    command.check_children()

    assert command.children == []
    assert "keeps running without it" in command.stdout._out.getvalue()  # type: ignore[attr-defined]


def test_run_demo_stops_when_a_required_child_dies() -> None:
    from portal.core.management.commands.run_demo import Command

    command = Command(stdout=StringIO())
    command.children = [_exited_child("web", required=True)]

    with pytest.raises(SystemExit):
        command.check_children()
