"""Staffing personas and a small team: one project, one role, three skills, four people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.core.models import BusinessUnit, User
from portal.odoo.models import OdooUser, Project
from portal.staffing.capacity import monday
from portal.staffing.models import ConsultantProfile, JobRole, Skill, StaffingRequest
from portal.staffing.rules import RequestInput, SkillNeed
from portal.staffing.services import raise_request
from tests.factories import person
from tests.staffing.factories import (
    JobRoleFactory,
    OdooUserFactory,
    ProfileFactory,
    ProjectFactory,
    RateCardFactory,
    SkillFactory,
    give_skill,
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):  # type: ignore[no-untyped-def]
    """Personas get passwords; hashing them properly costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def start(today: date) -> date:
    """A Monday two weeks ahead, so every test books whole weeks in the future."""
    return monday(today) + timedelta(weeks=2)


@pytest.fixture
def senior(db) -> JobRole:  # type: ignore[no-untyped-def]
    role = JobRoleFactory(name="Senior consultant")
    RateCardFactory(job_role=role, currency="EUR", bill_rate=Decimal("120"))
    return role


@pytest.fixture
def skills(db) -> dict[str, Skill]:  # type: ignore[no-untyped-def]
    return {name: SkillFactory(name=name) for name in ("Django", "PostgreSQL", "Kubernetes")}


@pytest.fixture
def pm_odoo_user(db) -> OdooUser:  # type: ignore[no-untyped-def]
    return OdooUserFactory(name="Paula PM")


@pytest.fixture
def pm(unit: BusinessUnit, pm_odoo_user: OdooUser) -> User:
    return person("pm@example.com", "project_manager", unit, odoo_user_id=pm_odoo_user.pk)


@pytest.fixture
def rm(unit: BusinessUnit) -> User:
    return person("rm@example.com", "resource_manager", unit)


@pytest.fixture
def rm2(unit: BusinessUnit) -> User:
    return person("rm2@example.com", "resource_manager", unit)


@pytest.fixture
def leader(unit: BusinessUnit) -> User:
    return person("leader@example.com", "delivery_leader", unit)


@pytest.fixture
def other_rm(other_unit: BusinessUnit) -> User:
    """A resource manager of another unit: sees nothing of ours."""
    return person("rm.digital@example.com", "resource_manager", other_unit)


@pytest.fixture
def project(unit: BusinessUnit, pm_odoo_user: OdooUser, today: date) -> Project:
    return ProjectFactory(
        name="Atlas rollout",
        business_unit=unit,
        manager=pm_odoo_user,
        date_start=today - timedelta(days=30),
        date=today + timedelta(days=300),
    )


@dataclass
class Team:
    ana: ConsultantProfile
    ben: ConsultantProfile
    cleo: ConsultantProfile
    dan: ConsultantProfile


@pytest.fixture
def team(unit: BusinessUnit, senior: JobRole, skills: dict[str, Skill]) -> Team:
    """Ana: strong, free, knows the client. Ben: just enough, free. Cleo: strong but
    busy (bookings added by tests that need them). Dan: another role, weak skills."""
    junior = JobRoleFactory(name="Consultant")
    ana = ProfileFactory(employee__name="Ana Alves", job_role=senior, business_unit=unit)
    ben = ProfileFactory(employee__name="Ben Brook", job_role=senior, business_unit=unit)
    cleo = ProfileFactory(employee__name="Cleo Cruz", job_role=senior, business_unit=unit)
    dan = ProfileFactory(employee__name="Dan Diaz", job_role=junior, business_unit=unit)
    for profile, django, pg in ((ana, 5, 4), (ben, 4, 3), (cleo, 5, 4)):
        give_skill(profile, skills["Django"], django)
        give_skill(profile, skills["PostgreSQL"], pg)
    give_skill(dan, skills["Django"], 2)
    return Team(ana, ben, cleo, dan)


def ask(
    pm: User,
    project: Project,
    senior: JobRole,
    start: date,
    *,
    weeks: int = 6,
    hours: str = "20",
    rate: str = "120",
    booking_type: str = "firm",
    today: date | None = None,
) -> StaffingRequest:
    """A request for a senior consultant with Django ≥4 and PostgreSQL ≥3 (Kubernetes ≥2 nice)."""
    return raise_request(
        pm,
        project=project,
        data=RequestInput(
            job_role=senior,
            start_date=start,
            end_date=start + timedelta(weeks=weeks, days=-3),  # Friday of the last week
            hours_per_week=Decimal(hours),
            bill_rate=Decimal(rate),
            currency="EUR",
            booking_type=booking_type,
            skills=[
                SkillNeed("Django", 4),
                SkillNeed("PostgreSQL", 3),
                SkillNeed("Kubernetes", 2, required=False),
            ],
        ),
        today=today,
    )
