"""Mirror rows for page tests: small defaults, Odoo-style ids from a sequence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
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
    TaskStage,
    Timesheet,
)

_ids = factory.Sequence(lambda n: 1000 + n)


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    id = _ids
    name = factory.Sequence(lambda n: f"Client {n}")
    display_name = factory.SelfAttribute("name")
    is_company = True


class OdooUserFactory(DjangoModelFactory):
    class Meta:
        model = OdooUser

    id = _ids
    name = factory.Sequence(lambda n: f"Odoo user {n}")
    login = factory.Sequence(lambda n: f"user{n}")


class EmployeeFactory(DjangoModelFactory):
    class Meta:
        model = Employee

    id = _ids
    name = factory.Sequence(lambda n: f"Employee {n}")


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    id = _ids
    name = factory.Sequence(lambda n: f"Project {n:04d}")
    partner = factory.SubFactory(PartnerFactory)
    manager = factory.SubFactory(OdooUserFactory)
    allocated_hours = Decimal("100")
    effective_hours = Decimal("20")


class TaskStageFactory(DjangoModelFactory):
    class Meta:
        model = TaskStage

    id = _ids
    name = "In Progress"


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task
        skip_postgeneration_save = True

    id = _ids
    name = factory.Sequence(lambda n: f"Task {n}")
    project = factory.SubFactory(ProjectFactory)
    stage = factory.SubFactory(TaskStageFactory)
    state = "01_in_progress"
    allocated_hours = Decimal("10")
    effective_hours = Decimal("4")

    @factory.post_generation
    def assignees(self, create: bool, extracted: list[OdooUser] | None, **kwargs: object) -> None:
        if create and extracted:
            self.assignees.set(extracted)


class SaleOrderFactory(DjangoModelFactory):
    class Meta:
        model = SaleOrder

    id = _ids
    name = factory.Sequence(lambda n: f"S{n:05d}")
    state = "sale"


class SaleOrderLineFactory(DjangoModelFactory):
    class Meta:
        model = SaleOrderLine

    id = _ids
    order = factory.SubFactory(SaleOrderFactory)
    name = "Implementation milestone"
    product_name = "Implementation"


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    id = _ids
    name = factory.Sequence(lambda n: f"Milestone {n}")
    project = factory.SubFactory(ProjectFactory)
    deadline = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=14))


class TimesheetFactory(DjangoModelFactory):
    class Meta:
        model = Timesheet

    id = _ids
    name = "Work"
    date = factory.LazyFunction(dt.date.today)
    project = factory.SubFactory(ProjectFactory)
    employee = factory.SubFactory(EmployeeFactory)
    unit_amount = Decimal("2")
