"""API personas and one small world: two clients, a published project each, a pending
discount approval for finance, a staffing request, milestones and client requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from portal.api.tokens import issue_token
from portal.approvals import services as approvals
from portal.approvals.models import ApprovalRequest
from portal.clients.models import ClientRequest, ProjectPublication
from portal.commercial.models import Adjustment
from portal.core.models import BusinessUnit, User
from portal.milestones.models import MilestoneRecord
from portal.milestones.services import ensure_record
from portal.odoo.models import Milestone, OdooUser, Partner, Project, Timesheet
from portal.staffing.models import JobRole, StaffingRequest
from tests.approvals.factories import make_adjustment, make_policy, step
from tests.factories import UserFactory, person

ALL_SCOPES = ["read", "approvals:decide", "evidence:write", "staffing:write", "requests:write"]


@dataclass
class World:
    unit: BusinessUnit
    client1: Partner
    client2: Partner
    project1: Project
    project2: Project
    milestone1: Milestone
    milestone2: Milestone
    record1: MilestoneRecord
    record2: MilestoneRecord
    adjustment: Adjustment
    approval: ApprovalRequest
    staffing_request: StaffingRequest
    request1: ClientRequest
    request2: ClientRequest
    people: dict[str, User]


@pytest.fixture(autouse=True)
def _api_test_settings(request, settings, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()  # throttle counters
    if "celery_worker_process" in request.fixturenames:
        return  # a real worker needs the real wake-ups (and shared files)
    monkeypatch.setattr("portal.odoo.outbox._wake_worker", lambda: None)
    monkeypatch.setattr("portal.approvals.notifications._send_soon", lambda: None)


def token_header(user: User, scopes: list[str] | None = None) -> dict[str, str]:
    issued = issue_token(user, name="test app", scopes=scopes or ALL_SCOPES)
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    unit = BusinessUnit.objects.create(code="consulting", name="Consulting", currency_code="EUR")
    client1 = Partner.objects.create(
        id=501, name="Client One", is_company=True, commercial_partner_id=501
    )
    client2 = Partner.objects.create(
        id=502, name="Client Two", is_company=True, commercial_partner_id=502
    )
    pm_odoo = OdooUser.objects.create(id=601, login="pm@example.com", name="Pete PM")
    project1 = Project.objects.create(
        id=701, name="Client One rollout", partner=client1, manager=pm_odoo, business_unit=unit
    )
    project2 = Project.objects.create(
        id=702, name="Client Two audit", partner=client2, manager=pm_odoo, business_unit=unit
    )
    ProjectPublication.objects.create(project=project1)
    ProjectPublication.objects.create(project=project2)
    milestone1 = Milestone.objects.create(id=801, name="Phase 1", project=project1)
    milestone2 = Milestone.objects.create(id=802, name="Phase A", project=project2)
    Timesheet.objects.bulk_create(
        Timesheet(id=900 + n, date=dt.date(2026, 1, 5), project=project1, unit_amount=Decimal(1))
        for n in range(120)
    )

    people = {
        "pm": person("pm@example.com", "project_manager", unit, odoo_user_id=601),
        "am": person("am@example.com", "account_manager", unit),
        "fin": person("fin@example.com", "finance", unit),
        "rm": person("rm@example.com", "resource_manager", unit),
        "consultant": person("consultant@example.com", "consultant", unit),
        "client1": UserFactory(email="c1@client-one.example", client_partner_id=501),
        "client2": UserFactory(email="c2@client-two.example", client_partner_id=502),
        "outsider": UserFactory(email="outsider@example.com"),
    }

    make_policy("discount", [step(1, "finance")], unit=unit)
    adjustment = make_adjustment(people["am"], unit=unit)
    approval = approvals.submit(adjustment, kind="discount", requester=people["am"])

    role = JobRole.objects.create(name="Senior consultant")
    staffing_request = StaffingRequest.objects.create(
        project=project1,
        business_unit=unit,
        requested_by=people["pm"],
        job_role=role,
        start_date=dt.date(2026, 9, 7),
        end_date=dt.date(2026, 10, 2),
        hours_per_week=Decimal(20),
        total_hours=Decimal(80),
        bill_rate=Decimal(120),
        currency="EUR",
    )
    request1 = ClientRequest.objects.create(
        project=project1,
        client_partner_id=501,
        subject="New report",
        description="Please add a report.",
        submitted_by=people["client1"],
    )
    request2 = ClientRequest.objects.create(
        project=project2,
        client_partner_id=502,
        subject="Access",
        description="We need access.",
        submitted_by=people["client2"],
    )
    return World(
        unit=unit,
        client1=client1,
        client2=client2,
        project1=project1,
        project2=project2,
        milestone1=milestone1,
        milestone2=milestone2,
        record1=ensure_record(milestone1),
        record2=ensure_record(milestone2),
        adjustment=adjustment,
        approval=approval,
        staffing_request=staffing_request,
        request1=request1,
        request2=request2,
        people=people,
    )
