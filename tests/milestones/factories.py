"""Mirror rows and evidence for milestone tests; small defaults, tests name what they change."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from portal.odoo.models import (
    Invoice,
    Milestone,
    Partner,
    Project,
    SaleOrder,
    SaleOrderLine,
    Timesheet,
)

_ids = factory.Sequence(lambda n: 9000 + n)


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    id = _ids
    name = factory.Sequence(lambda n: f"Client {n}")
    display_name = factory.LazyAttribute(lambda o: o.name)
    is_company = True
    commercial_partner_id = factory.LazyAttribute(lambda o: o.id)


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    id = _ids
    name = factory.Sequence(lambda n: f"Project {n}")
    display_name = factory.LazyAttribute(lambda o: o.name)
    partner = factory.SubFactory(PartnerFactory)


class SaleOrderFactory(DjangoModelFactory):
    class Meta:
        model = SaleOrder

    id = _ids
    name = factory.Sequence(lambda n: f"S{n:05d}")
    display_name = factory.LazyAttribute(lambda o: o.name)
    state = "sale"
    currency_code = "EUR"


class SaleOrderLineFactory(DjangoModelFactory):
    class Meta:
        model = SaleOrderLine

    id = _ids
    order = factory.SubFactory(SaleOrderFactory)
    name = "Office design (milestones)"
    qty_delivered_method = "milestones"
    product_uom_qty = Decimal("4")
    price_unit = Decimal("2500.00")
    price_subtotal = Decimal("10000.00")
    currency_code = "EUR"


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    id = _ids
    name = factory.Sequence(lambda n: f"Phase {n}")
    display_name = factory.LazyAttribute(lambda o: o.name)
    project = factory.SubFactory(ProjectFactory)
    deadline = factory.Faker("date_this_year")
    sale_line = factory.SubFactory(SaleOrderLineFactory)
    quantity_percentage = Decimal("0.3")


class TimesheetFactory(DjangoModelFactory):
    class Meta:
        model = Timesheet

    id = _ids
    date = factory.Faker("date_this_year")
    unit_amount = Decimal("2")


class InvoiceFactory(DjangoModelFactory):
    class Meta:
        model = Invoice

    id = _ids
    move_type = "out_invoice"
    state = "draft"
