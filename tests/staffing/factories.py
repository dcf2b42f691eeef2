"""Factories for staffing tests: mirror rows (Odoo ids) and portal-owned staffing rows."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from portal.odoo.models import Employee, OdooUser, Partner, Project, Task, Timesheet, WorkCalendar
from portal.staffing.models import (
    Booking,
    ConsultantProfile,
    ConsultantSkill,
    JobRole,
    RateCard,
    Skill,
)

_ids = itertools.count(1000)


def odoo_id() -> int:
    return next(_ids)


class WorkCalendarFactory(DjangoModelFactory):
    class Meta:
        model = WorkCalendar

    id = factory.LazyFunction(odoo_id)
    name = "Standard 40 hours/week"
    attendances = factory.LazyFunction(
        lambda: [
            {"dayofweek": d, "hour_from": h0, "hour_to": h1}
            for d in range(5)
            for h0, h1 in ((8.0, 12.0), (13.0, 17.0))
        ]
    )


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    id = factory.LazyFunction(odoo_id)
    name = factory.Sequence(lambda n: f"Client {n}")
    is_company = True
    commercial_partner_id = factory.LazyAttribute(lambda o: o.id)


class OdooUserFactory(DjangoModelFactory):
    class Meta:
        model = OdooUser

    id = factory.LazyFunction(odoo_id)
    name = factory.Sequence(lambda n: f"Odoo user {n}")
    login = factory.LazyAttribute(lambda o: f"user{o.id}@example.com")
    email = factory.LazyAttribute(lambda o: o.login)


class EmployeeFactory(DjangoModelFactory):
    class Meta:
        model = Employee

    id = factory.LazyFunction(odoo_id)
    name = factory.Sequence(lambda n: f"Employee {n}")
    user = factory.SubFactory(OdooUserFactory, name=factory.SelfAttribute("..name"))
    calendar = factory.SubFactory(WorkCalendarFactory)
    work_email = factory.LazyAttribute(lambda o: f"emp{o.id}@example.com")
    hourly_cost = Decimal("50")


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    id = factory.LazyFunction(odoo_id)
    name = factory.Sequence(lambda n: f"Project {n}")
    partner = factory.SubFactory(PartnerFactory)
    active = True


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    id = factory.LazyFunction(odoo_id)
    name = factory.Sequence(lambda n: f"Task {n}")
    project = factory.SubFactory(ProjectFactory)
    state = "01_in_progress"


class JobRoleFactory(DjangoModelFactory):
    class Meta:
        model = JobRole
        django_get_or_create = ("name",)

    name = "Senior consultant"


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = ConsultantProfile

    employee = factory.SubFactory(EmployeeFactory)
    name = factory.LazyAttribute(lambda o: o.employee.name)
    job_role = factory.SubFactory(JobRoleFactory)
    utilisation_target_pct = Decimal("80")
    utilisation_ceiling_pct = Decimal("100")


class RateCardFactory(DjangoModelFactory):
    class Meta:
        model = RateCard

    job_role = factory.SubFactory(JobRoleFactory)
    currency = "EUR"
    bill_rate = Decimal("120")
    cost_rate = Decimal("60")
    valid_from = date(2020, 1, 1)


def give_skill(profile: ConsultantProfile, skill: Skill, level: int) -> ConsultantSkill:
    return ConsultantSkill.objects.create(profile=profile, skill=skill, level=level)


def log_time(profile: ConsultantProfile, project: Project, hours: str, day: date) -> Timesheet:
    return Timesheet.objects.create(
        id=odoo_id(),
        employee=profile.employee,
        project=project,
        unit_amount=Decimal(hours),
        date=day,
    )


def existing_booking(
    profile: ConsultantProfile,
    project: Project,
    start: date,
    end: date,
    hours_per_week: str,
    *,
    firm: bool = True,
) -> Booking:
    """A confirmed booking already on the person's calendar (with its weekly rows)."""
    from portal.core.models import User
    from portal.staffing.services import _write_weeks

    creator = User.objects.filter(is_superuser=False).first() or User.objects.create_user(
        "creator@example.com"
    )
    booking = Booking.objects.create(
        consultant=profile,
        project=project,
        job_role=profile.job_role,
        start_date=start,
        end_date=end,
        hours_per_week=Decimal(hours_per_week),
        total_hours=Decimal(hours_per_week) * 6,
        bill_rate=Decimal("120"),
        currency="EUR",
        booking_type="firm" if firm else "soft",
        status="confirmed",
        created_by=creator,
    )
    _write_weeks(booking)
    return booking


def bulk_people(
    count: int, unit, role: JobRole, *, start_id: int = 500_000
) -> list[ConsultantProfile]:  # type: ignore[no-untyped-def]
    """`count` consultants with Odoo users, one shared calendar, bulk inserted."""
    calendar = WorkCalendarFactory()
    users = OdooUser.objects.bulk_create(
        [
            OdooUser(id=start_id + i, name=f"P{i:04d}", login=f"p{i}@example.com")
            for i in range(count)
        ]
    )
    employees = Employee.objects.bulk_create(
        [
            Employee(id=start_id + i, name=f"P{i:04d}", user_id=u.pk, calendar_id=calendar.pk)
            for i, u in enumerate(users)
        ]
    )
    return ConsultantProfile.objects.bulk_create(
        [
            ConsultantProfile(employee_id=e.pk, name=e.name, job_role=role, business_unit=unit)
            for e in employees
        ]
    )
