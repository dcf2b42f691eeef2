"""`manage.py seed_demo`: demo users for every persona, linked to the Odoo demo data.

Idempotent: run it again after a sync and it links what it could not link before and
resets the demo passwords. Run `manage.py odoo_sync` first so the Odoo users, employees
and clients exist in the mirror; without them the users are created unlinked.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from portal.core.models import BusinessUnit, Role, RoleMembership, User

logger = logging.getLogger(__name__)

MAIN_UNIT = "yourcompany"
SECOND_UNIT = "digital"
DEMO_DOMAIN = "demo.example.com"


@dataclass(frozen=True)
class Persona:
    key: str
    name: str
    role: str
    unit: str | None  # unit code; None is firm-wide
    try_this: str
    odoo_login: str | None = None  # link to this Odoo user (and its employee)
    odoo_employee: str | None = None  # or to this Odoo employee by name
    client_project: str | None = None  # client contact of this project's customer
    operator_admin: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@{DEMO_DOMAIN}"

    @property
    def password(self) -> str:
        return f"demo-{self.key}"


# Odoo's demo projects are managed by `admin` (Mitchell Admin) and `demo` (Marc Demo);
# Office Design's customer is Joel Willis, Home Construction's is Deco Addict.
PERSONAS = [
    Persona("leader", "Mitchell Admin", Role.DELIVERY_LEADER, None,
            "Portfolio counts on the home page; every project in the list.",
            odoo_login="admin"),
    Persona("pm", "Marc Demo", Role.PROJECT_MANAGER, MAIN_UNIT,
            "My projects (Office Design, Home Construction); the project page.",
            odoo_login="demo"),
    Persona("account", "Alex Account", Role.ACCOUNT_MANAGER, MAIN_UNIT,
            "Projects of YourCompany; publishing projects to clients."),
    Persona("resources", "Robin Resource", Role.RESOURCE_MANAGER, MAIN_UNIT,
            "The staffing board from the home page."),
    Persona("finance", "Fran Finance", Role.FINANCE, None,
            "The billing queue; every project's hours and milestones."),
    Persona("practice", "Pat Practice", Role.PRACTICE_LEADER, SECOND_UNIT,
            "Only the Digital unit's projects: roles are held per unit."),
    Persona("consultant", "Fiona Lindqvist", Role.CONSULTANT, MAIN_UNIT,
            "My open tasks and hours this week; the projects I work on.",
            odoo_login="fiona.lindqvist", odoo_employee="Jeffrey Kelly"),
    Persona("operator", "Olivia Operator", Role.OPERATOR, None,
            "Sync status on the home page; admin and operations links.",
            operator_admin=True),
    Persona("client1", "Joel Willis (client)", Role.CLIENT_CONTACT, None,
            "The client portal: Office Design (published by the seed) and nothing else.",
            client_project="Office Design"),
    Persona("client2", "Deco Addict contact", Role.CLIENT_CONTACT, None,
            "Another client (Deco Addict): its own published projects, never Office Design.",
            client_project="Home Construction"),
]  # fmt: skip

# Moved to the second unit so that a role held in one unit visibly scopes what is seen:
# Odoo's R&D project and the generated firm's digital engagements.
SECOND_UNIT_PROJECTS = ["Research & Development"]
PUBLISHED_PROJECT = "Office Design"
SECOND_UNIT_KEYWORDS = ["portal", "mobile", "Cloud", "Integration hub", "Cybersecurity"]


def mirror(model: str) -> Any:
    """A mirror model, looked up by name: core must not import the gateway app (DESIGN §4)."""
    return apps.get_model("odoo", model)


class Command(BaseCommand):
    help = "Create or refresh the demo users of every persona (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-table", action="store_true", help="do not print the logins")
        parser.add_argument(
            "--skip-app-seeds", action="store_true", help="only the users and units"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            main_unit, second_unit = self.seed_units()
            self.move_projects(second_unit)
            units = {MAIN_UNIT: main_unit, SECOND_UNIT: second_unit}
            users = {p.key: self.seed_user(p, units) for p in PERSONAS}
            self.publish_first_project(users["account"])

        if not options["skip_app_seeds"]:
            self.run_app_seeds()

        if not options["no_table"]:
            self.stdout.write(self.style.SUCCESS("Demo users (sign in by email):"))
            self.stdout.write(login_table())

    def run_app_seeds(self) -> None:
        """Run the apps' own seeds: policies first, then demo data (`<app>_seed_demo`).

        Apps add demo data by providing such a command; a failing one is reported and the
        others still run, so the demo starts with what worked.
        """
        commands = sorted(get_commands())
        policies = [c for c in commands if c.endswith("_seed_policies")]
        demos = [c for c in commands if c.endswith("_seed_demo")]
        if "approvals_seed_policies" in policies:  # other policies may build on approvals'
            policies.remove("approvals_seed_policies")
            policies.insert(0, "approvals_seed_policies")
        for name in policies + demos:
            self.stdout.write(f"Running {name}")
            try:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
            except Exception:
                logger.exception("%s failed; the demo goes on without its data", name)
                self.stderr.write(f"{name} failed (see the log above); continuing.")

    def seed_units(self) -> tuple[BusinessUnit, BusinessUnit]:
        """The unit of Odoo's main company (as the sync names it) and a second one."""
        Company = mirror("Company")
        company = Company.objects.order_by("id").first()
        company_id = company.pk if company else 1
        main = BusinessUnit.objects.filter(odoo_company_id=company_id).order_by("id").first()
        if main is None:
            main, _ = BusinessUnit.objects.get_or_create(
                code=MAIN_UNIT,
                defaults={
                    "name": getattr(company, "name", "") or "YourCompany",
                    "odoo_company_id": company_id,
                },
            )
        second, _ = BusinessUnit.objects.get_or_create(
            code=SECOND_UNIT, defaults={"name": "Digital"}
        )
        # Projects the sync has not placed yet belong to the main company's unit.
        mirror("Project").objects.filter(business_unit__isnull=True).update(business_unit=main)
        return main, second

    def move_projects(self, second_unit: BusinessUnit) -> None:
        wanted = Q(name__in=SECOND_UNIT_PROJECTS)
        for keyword in SECOND_UNIT_KEYWORDS:
            wanted |= Q(name__icontains=keyword)
        mirror("Project").objects.filter(wanted).update(business_unit=second_unit)

    def seed_user(self, persona: Persona, units: dict[str, BusinessUnit]) -> User:
        user, created = User.objects.get_or_create(
            email=persona.email, defaults={"full_name": persona.name}
        )
        user.full_name = persona.name
        user.set_password(persona.password)
        user.is_active = True
        user.is_staff = user.is_superuser = persona.operator_admin
        self.link(user, persona)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=persona.email, defaults={"verified": True, "primary": True}
        )
        unit = units[persona.unit] if persona.unit else None
        RoleMembership.objects.get_or_create(user=user, role=persona.role, business_unit=unit)
        logger.info("Demo user %s %s", persona.email, "created" if created else "refreshed")
        return user

    def link(self, user: User, persona: Persona) -> None:
        """Link to the Odoo demo records; an operator-style override, as emails differ."""
        OdooUser, Employee = mirror("OdooUser"), mirror("Employee")
        if persona.odoo_login:
            odoo_user = OdooUser.objects.filter(login=persona.odoo_login).first()
            if odoo_user is not None:
                User.objects.filter(odoo_user_id=odoo_user.pk).exclude(pk=user.pk).update(
                    odoo_user_id=None
                )
                user.odoo_user_id = odoo_user.pk
                employee = Employee.objects.filter(user_id=odoo_user.pk).first()
                user.odoo_employee_id = employee.pk if employee else None
                user.odoo_link_overridden = True
                user.full_name = odoo_user.name or persona.name
        if persona.odoo_employee and user.odoo_employee_id is None:
            employee = Employee.objects.filter(name=persona.odoo_employee).first()
            if employee is not None:
                user.odoo_employee_id = employee.pk
                user.odoo_link_overridden = True
                user.full_name = employee.name or persona.name
        if persona.client_project:
            project = (
                mirror("Project")
                .objects.select_related("partner")
                .filter(name=persona.client_project, partner__isnull=False)
                .first()
            )
            if project is not None:
                partner = project.partner
                user.client_partner_id = partner.commercial_partner_id or partner.pk
            elif user.client_partner_id is None:
                self.stderr.write(
                    f"{persona.email}: project {persona.client_project!r} is not in the "
                    "mirror yet (run manage.py odoo_sync); the contact has no client."
                )

    def publish_first_project(self, account_manager: User) -> None:
        """Show Office Design to its client, through the client portal's own service.

        Only on the first seed: a project an account manager later unpublished stays so.
        Home Construction is left for the demo user to publish.
        """
        try:
            publication = importlib.import_module("portal.clients.services.publication")
            Publication = apps.get_model("clients", "ProjectPublication")
        except (ImportError, LookupError):
            self.stdout.write("The client portal is not available; nothing published.")
            return
        project = mirror("Project").objects.filter(name=PUBLISHED_PROJECT).first()
        if project is None or Publication.objects.filter(project_id=project.pk).exists():
            return
        publication.publish_project(project, actor=account_manager)
        self.stdout.write(f"Published {PUBLISHED_PROJECT!r} to its client's contacts.")


def login_table() -> str:
    """The demo logins as a plain-text table (also printed by run_demo)."""
    rows = [("Persona", "Email", "Password", "Try")]
    rows += [(Role(p.role).label + (f" ({p.unit})" if p.unit else ""), p.email, p.password,
              p.try_this) for p in PERSONAS]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True))
                     + "  " + row[3])  # fmt: skip
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 3)
    return "\n".join(lines)
