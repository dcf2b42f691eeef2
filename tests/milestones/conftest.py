"""Milestone personas: a PM, finance, a client's contact, another client's contact, and one
Office Design milestone on a milestone-billed sale-order line, published to its client."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.clients.models import ProjectPublication
from portal.core.models import BusinessUnit, User
from portal.milestones.models import MilestoneRecord
from portal.milestones.services import ensure_record
from portal.odoo.models import Milestone, Partner, Project
from tests.factories import person
from tests.milestones.factories import (
    MilestoneFactory,
    PartnerFactory,
    ProjectFactory,
    SaleOrderLineFactory,
)


@dataclass
class Setup:
    client: Partner
    other_client: Partner
    project: Project
    other_project: Project
    milestone: Milestone
    other_milestone: Milestone

    @property
    def record(self) -> MilestoneRecord:
        return ensure_record(self.milestone)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path: Path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "private"
    settings.PRIVATE_FILES_ROOT = root
    monkeypatch.setenv("PRIVATE_FILES_ROOT", str(root))  # a worker process reads the files
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Personas are created per test; the production hasher would make each take a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return root


@pytest.fixture(autouse=True)
def sent_tasks(request, monkeypatch) -> list[tuple[str, tuple]]:  # type: ignore[no-untyped-def]
    """Record Celery sends instead of publishing; milestone notifications run in-process.

    Not eager mode: `.delay` is still only reached from on_commit callbacks, which tests
    run with django_capture_on_commit_callbacks; the worker test uses a real worker.
    """
    from portal.milestones import tasks
    from portal.odoo import tasks as odoo_tasks

    sent: list[tuple[str, tuple]] = []
    if "celery_worker_process" in request.fixturenames:
        return sent  # the end-to-end test talks to a real worker

    def fake(task):  # type: ignore[no-untyped-def]
        def delay(*args):  # type: ignore[no-untyped-def]
            sent.append((task.name, args))
            if task.name.startswith("portal.milestones."):
                task.run(*args)

        return delay

    for task in (
        tasks.notify_evidence_added,
        tasks.notify_client_decision,
        tasks.notify_signoff_invalidated,
        odoo_tasks.deliver_outbox,
    ):
        monkeypatch.setattr(task, "delay", fake(task))
    return sent


@pytest.fixture
def checklist(db) -> None:  # type: ignore[no-untyped-def]
    """The seeded checklist; transactional tests flush it, so seed it again when gone."""
    from django.apps import apps

    migration = importlib.import_module("portal.milestones.migrations.0002_evidence_checklist")
    migration.seed(apps, None)


@pytest.fixture
def ms(unit: BusinessUnit, checklist: None) -> Setup:
    client = PartnerFactory(name="Deco Addict")
    other_client = PartnerFactory(name="Azure Interior")
    project = ProjectFactory(name="Office Design", partner=client, business_unit=unit, manager_id=7)
    other_project = ProjectFactory(name="Renovations", partner=other_client, business_unit=unit)
    ProjectPublication.objects.create(project=project)
    ProjectPublication.objects.create(project=other_project)
    line = SaleOrderLineFactory(order__partner=client, price_subtotal=Decimal("10000.00"))
    milestone = MilestoneFactory(
        name="Second Phase", project=project, sale_line=line, quantity_percentage=Decimal("0.3")
    )
    other_milestone = MilestoneFactory(name="Roofing", project=other_project)
    return Setup(client, other_client, project, other_project, milestone, other_milestone)


@pytest.fixture
def pm(ms: Setup, unit: BusinessUnit) -> User:
    return person("pm@example.com", "project_manager", unit, odoo_user_id=7, full_name="Marc Demo")


@pytest.fixture
def finance(ms: Setup, unit: BusinessUnit) -> User:
    return person("finance@example.com", "finance", unit, full_name="Fiona Finance")


@pytest.fixture
def account_manager(ms: Setup, unit: BusinessUnit) -> User:
    return person("am@example.com", "account_manager", unit)


@pytest.fixture
def client_contact(ms: Setup) -> User:
    return person(
        "joel@client.example",
        "client_contact",
        client_partner_id=ms.client.pk,
        full_name="Joel Willis",
    )


@pytest.fixture
def other_client_contact(ms: Setup) -> User:
    return person("ana@other.example", "client_contact", client_partner_id=ms.other_client.pk)


@pytest.fixture
def finance_policy(db) -> PolicyVersion:  # type: ignore[no-untyped-def]
    policy = ApprovalPolicy.objects.create(kind="milestone_acceptance", name="Milestone billing")
    return PolicyVersion.objects.create(
        policy=policy,
        number=1,
        state=PolicyVersion.State.ACTIVE,
        steps=[
            {
                "order": 1,
                "name": "Finance validation",
                "approver_type": "role",
                "role": "finance",
                "mode": "any",
                "n": 1,
                "conditions": [],
                "sla_hours": 24,
                "escalation_roles": [],
            }
        ],
    )
