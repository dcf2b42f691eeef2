"""The read mirror of Odoo records, and the sync bookkeeping.

Mirror rows use Odoo's own ids as primary keys, so a reference read from Odoo can be
stored as it is. References between mirror rows are not database constraints: a task
can arrive before its project, and a record deleted in Odoo is marked, not removed.
Values follow Odoo's meaning with Python types: Odoo's `False` for an empty value is
stored as NULL, money is Decimal in the record's currency, times are UTC-aware.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from portal.core.models import BusinessUnit


def money(**kwargs: Any) -> models.DecimalField:
    """An amount in the record's currency."""
    return models.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def quantity(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=4, **kwargs)


def hours(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def mirror_fk(to: str, related_name: str, **kwargs: Any) -> models.ForeignKey:
    """A reference to another mirror row that may not have arrived yet."""
    return models.ForeignKey(
        to,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
        **kwargs,
    )


class MirrorQuerySet(models.QuerySet):
    def live(self) -> MirrorQuerySet:
        """Records that still exist in Odoo (archived ones included)."""
        return self.filter(deleted_in_odoo=False)

    def active(self) -> MirrorQuerySet:
        return self.filter(deleted_in_odoo=False, active=True)


class MirrorModel(models.Model):
    """Fields every mirrored record carries."""

    ODOO_MODEL: str = ""

    id = models.IntegerField(primary_key=True)
    display_name = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    write_date = models.DateTimeField(null=True, blank=True)
    deleted_in_odoo = models.BooleanField(default=False)
    synced_at = models.DateTimeField(auto_now=True)

    objects = MirrorQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name or f"{self.ODOO_MODEL}({self.pk})"


class Company(MirrorModel):
    ODOO_MODEL = "res.company"
    name = models.CharField(max_length=255)
    currency_code = models.CharField(max_length=3, blank=True)


class CurrencyRate(MirrorModel):
    """One res.currency.rate: `rate` units of the currency buy 1 unit of the company's
    currency on `date` (Odoo's `name`); a rate without company applies to every company."""

    ODOO_MODEL = "res.currency.rate"
    currency_code = models.CharField(max_length=3, db_index=True)
    company_id = models.IntegerField(null=True, blank=True)
    date = models.DateField()
    # Odoo keeps rates at full float precision; 12 places keep what its float carries.
    rate = models.DecimalField(max_digits=24, decimal_places=12)

    class Meta:
        indexes = [models.Index(fields=["currency_code", "date"], name="odoo_rate_ccy_date")]


class Partner(MirrorModel):
    ODOO_MODEL = "res.partner"
    name = models.CharField(max_length=255)
    is_company = models.BooleanField(default=False)
    parent = mirror_fk("odoo.Partner", "children")
    commercial_partner_id = models.IntegerField(null=True, blank=True, db_index=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    phone = models.CharField(max_length=64, null=True, blank=True)
    company_id = models.IntegerField(null=True, blank=True)


class OdooUser(MirrorModel):
    ODOO_MODEL = "res.users"
    login = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    partner_id = models.IntegerField(null=True, blank=True)
    share = models.BooleanField(default=False)
    tz = models.CharField(max_length=64, null=True, blank=True)


class WorkCalendar(MirrorModel):
    ODOO_MODEL = "resource.calendar"
    name = models.CharField(max_length=255)
    tz = models.CharField(max_length=64, null=True, blank=True)
    hours_per_day = hours(default=8)
    # Weekly attendance as [{"dayofweek": 0, "hour_from": 8.0, "hour_to": 12.0}, ...].
    attendances = models.JSONField(default=list, blank=True)


class Employee(MirrorModel):
    ODOO_MODEL = "hr.employee"
    name = models.CharField(max_length=255)
    user = mirror_fk("odoo.OdooUser", "employees")
    work_email = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    job_title = models.CharField(max_length=255, null=True, blank=True)
    department_name = models.CharField(max_length=255, null=True, blank=True)
    manager = mirror_fk("odoo.Employee", "reports")
    company_id = models.IntegerField(null=True, blank=True)
    calendar = mirror_fk("odoo.WorkCalendar", "employees")
    tz = models.CharField(max_length=64, null=True, blank=True)
    hourly_cost = money(null=True, blank=True)


class Project(MirrorModel):
    ODOO_MODEL = "project.project"
    name = models.CharField(max_length=255)
    partner = mirror_fk("odoo.Partner", "projects")
    manager = mirror_fk("odoo.OdooUser", "managed_projects")  # Odoo's user_id
    company_id = models.IntegerField(null=True, blank=True)
    date_start = models.DateField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    allocated_hours = hours(default=0)
    effective_hours = hours(default=0)
    sale_order = mirror_fk("odoo.SaleOrder", "projects")
    sale_line = mirror_fk("odoo.SaleOrderLine", "projects")
    allow_billable = models.BooleanField(default=False)
    last_update_status = models.CharField(max_length=32, null=True, blank=True)
    # Odoo's creation time (a magic field every model has): the end of the setup cycle.
    create_date = models.DateTimeField(null=True, blank=True)
    # Portal-owned: defaults to the unit of the project's Odoo company; sync never
    # overwrites a unit an operator has set.
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )

    class Meta:
        indexes = [models.Index(fields=["active", "name"])]


class TaskStage(MirrorModel):
    ODOO_MODEL = "project.task.type"
    name = models.CharField(max_length=255)
    sequence = models.IntegerField(default=10)
    fold = models.BooleanField(default=False)


class Task(MirrorModel):
    ODOO_MODEL = "project.task"
    name = models.CharField(max_length=255)
    project = mirror_fk("odoo.Project", "tasks")
    stage = mirror_fk("odoo.TaskStage", "tasks")
    state = models.CharField(max_length=32, null=True, blank=True)
    assignees = models.ManyToManyField(
        "odoo.OdooUser", blank=True, related_name="tasks", db_constraint=False
    )
    allocated_hours = hours(default=0)
    effective_hours = hours(default=0)
    date_deadline = models.DateTimeField(null=True, blank=True)
    milestone = mirror_fk("odoo.Milestone", "tasks")
    sale_line = mirror_fk("odoo.SaleOrderLine", "tasks")
    parent = mirror_fk("odoo.Task", "subtasks")
    priority = models.CharField(max_length=8, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "active"])]


class Milestone(MirrorModel):
    ODOO_MODEL = "project.milestone"
    name = models.CharField(max_length=255)
    project = mirror_fk("odoo.Project", "milestones")
    deadline = models.DateField(null=True, blank=True)
    is_reached = models.BooleanField(default=False)
    reached_date = models.DateField(null=True, blank=True)
    sale_line = mirror_fk("odoo.SaleOrderLine", "milestones")
    quantity_percentage = quantity(default=0)
    product_uom_qty = quantity(default=0)


class SaleOrder(MirrorModel):
    ODOO_MODEL = "sale.order"
    name = models.CharField(max_length=255)
    partner = mirror_fk("odoo.Partner", "sale_orders")
    state = models.CharField(max_length=16)
    date_order = models.DateTimeField(null=True, blank=True)
    client_order_ref = models.CharField(max_length=255, null=True, blank=True)
    salesperson = mirror_fk("odoo.OdooUser", "sale_orders")
    company_id = models.IntegerField(null=True, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    amount_untaxed = money(default=0)
    amount_total = money(default=0)
    invoice_status = models.CharField(max_length=16, null=True, blank=True)
    project = mirror_fk("odoo.Project", "+")


class SaleOrderLine(MirrorModel):
    ODOO_MODEL = "sale.order.line"
    order = mirror_fk("odoo.SaleOrder", "lines")
    name = models.TextField(blank=True)
    display_type = models.CharField(max_length=32, null=True, blank=True)
    product_id = models.IntegerField(null=True, blank=True)
    product_name = models.CharField(max_length=255, blank=True)
    product_uom_qty = quantity(default=0)
    qty_delivered = quantity(default=0)
    qty_invoiced = quantity(default=0)
    qty_to_invoice = quantity(default=0)
    qty_delivered_method = models.CharField(max_length=32, null=True, blank=True)
    price_unit = money(default=0)
    discount = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    price_subtotal = money(default=0)
    currency_code = models.CharField(max_length=3, blank=True)
    invoice_status = models.CharField(max_length=16, null=True, blank=True)
    project = mirror_fk("odoo.Project", "+")
    task = mirror_fk("odoo.Task", "+")


class Timesheet(MirrorModel):
    ODOO_MODEL = "account.analytic.line"
    name = models.CharField(max_length=500, blank=True)
    date = models.DateField()
    employee = mirror_fk("odoo.Employee", "timesheets")
    user_id = models.IntegerField(null=True, blank=True)
    project = mirror_fk("odoo.Project", "timesheets")
    task = mirror_fk("odoo.Task", "timesheets")
    unit_amount = hours(default=0)
    amount = money(default=0)
    sale_line = mirror_fk("odoo.SaleOrderLine", "timesheets")

    class Meta:
        indexes = [
            models.Index(fields=["project", "date"]),
            models.Index(fields=["employee", "date"]),
        ]


class Invoice(MirrorModel):
    ODOO_MODEL = "account.move"
    name = models.CharField(max_length=255, blank=True)
    partner = mirror_fk("odoo.Partner", "invoices")
    move_type = models.CharField(max_length=16)
    state = models.CharField(max_length=16)
    payment_state = models.CharField(max_length=32, null=True, blank=True)
    invoice_date = models.DateField(null=True, blank=True)
    invoice_origin = models.CharField(max_length=255, null=True, blank=True)
    company_id = models.IntegerField(null=True, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    amount_untaxed = money(default=0)
    amount_total = money(default=0)
    amount_residual = money(default=0)


class InvoiceLine(MirrorModel):
    ODOO_MODEL = "account.move.line"
    move = mirror_fk("odoo.Invoice", "lines")
    name = models.TextField(blank=True)
    display_type = models.CharField(max_length=32, null=True, blank=True)
    product_id = models.IntegerField(null=True, blank=True)
    quantity = quantity(default=0)
    price_unit = money(default=0)
    discount = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    price_subtotal = money(default=0)
    sale_line_ids = models.JSONField(default=list, blank=True)


class SyncState(models.Model):
    """Where the incremental sync of one Odoo model stands."""

    model = models.CharField(max_length=64, primary_key=True)
    watermark = models.DateTimeField(null=True, blank=True)  # newest write_date applied
    watermark_id = models.IntegerField(default=0)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=16, default="never")  # ok, failed, running
    last_error = models.TextField(blank=True)
    last_changed = models.IntegerField(default=0)
    last_calls = models.IntegerField(default=0)
    record_count = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.model}: {self.last_status}"


class SyncIssue(models.Model):
    """A record the sync could not apply (malformed in Odoo); the rest went on."""

    model = models.CharField(max_length=64)
    odoo_id = models.IntegerField(null=True, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.model}({self.odoo_id}): {self.message[:60]}"


from portal.odoo.models_outbox import OutboxAttempt, OutboxMessage, OutboxStatus  # noqa: E402

__all__ = ["OutboxAttempt", "OutboxMessage", "OutboxStatus"]
