"""Mirror and workflow rows for dashboard tests: small defaults, tests name what matters."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from portal.odoo.models import (
    Employee,
    Milestone,
    OdooUser,
    Partner,
    Project,
    SaleOrder,
    SaleOrderLine,
    Task,
    Timesheet,
    WorkCalendar,
)

_ids = factory.Sequence(lambda n: 50_000 + n)


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    id = _ids
    name = factory.Sequence(lambda n: f"Client {n}")
    is_company = True


class OdooUserFactory(DjangoModelFactory):
    class Meta:
        model = OdooUser

    id = _ids
    name = factory.Sequence(lambda n: f"PM {n}")
    login = factory.Sequence(lambda n: f"pm{n}")


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    id = _ids
    name = factory.Sequence(lambda n: f"Project {n:04d}")
    partner = factory.SubFactory(PartnerFactory)
    manager = factory.SubFactory(OdooUserFactory)
    allocated_hours = Decimal("0")
    effective_hours = Decimal("0")


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    id = _ids
    name = factory.Sequence(lambda n: f"Task {n}")
    state = "01_in_progress"


class SaleOrderFactory(DjangoModelFactory):
    class Meta:
        model = SaleOrder

    id = _ids
    name = factory.Sequence(lambda n: f"S{n:05d}")
    state = "sale"
    date_order = factory.LazyFunction(timezone.now)


class SaleOrderLineFactory(DjangoModelFactory):
    class Meta:
        model = SaleOrderLine

    id = _ids
    order = factory.SubFactory(SaleOrderFactory)


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    id = _ids
    name = factory.Sequence(lambda n: f"Milestone {n}")


class CalendarFactory(DjangoModelFactory):
    class Meta:
        model = WorkCalendar

    id = _ids
    name = "Standard 40 hours"
    tz = "Europe/Berlin"
    # Monday to Friday, 09:00-13:00 and 14:00-18:00: 8 hours a day.
    attendances = factory.LazyFunction(
        lambda: [
            {"dayofweek": day, "hour_from": start, "hour_to": end}
            for day in range(5)
            for start, end in ((9.0, 13.0), (14.0, 18.0))
        ]
    )


class EmployeeFactory(DjangoModelFactory):
    class Meta:
        model = Employee

    id = _ids
    name = factory.Sequence(lambda n: f"Employee {n}")
    calendar = factory.SubFactory(CalendarFactory)


class TimesheetFactory(DjangoModelFactory):
    class Meta:
        model = Timesheet

    id = _ids
    unit_amount = Decimal("8")
