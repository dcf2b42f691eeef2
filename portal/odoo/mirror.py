"""How each Odoo model lands in its mirror table (DESIGN §5.3).

One `MirrorSpec` per mirrored model: the Odoo fields read (portal vocabulary, Odoo 18.0
names), the domain of records that belong in the mirror, and `convert`, which turns one
typed Odoo row (`portal.odoo.values`) into the mirror row's field values. Relations to
other mirror rows are stored by id (`project_id`), because a record may arrive before
what it points at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from portal.odoo import models as m
from portal.odoo.values import MalformedValue, Many2one, money

Row = dict[str, Any]
Values = dict[str, Any]


@dataclass(frozen=True)
class MirrorSpec:
    key: str  # the Odoo model, also SyncState.model
    model: type[m.MirrorModel]
    fields: tuple[str, ...]
    convert: Callable[[Row], Values]
    domain: tuple[Any, ...] = ()
    required: tuple[str, ...] = ()
    # Extra work after a page is stored (assignees, attendances, business units).
    after: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# -- small converters -----------------------------------------------------------------


def ref(value: Any) -> int | None:
    """The id of a many2one (None when empty)."""
    if value is None:
        return None
    if isinstance(value, Many2one):
        return value.id
    raise MalformedValue(f"expected a many2one, got {value!r}")


def ref_name(value: Any) -> str:
    return value.name if isinstance(value, Many2one) else ""


def dec(value: Any, places: int = 2) -> Decimal:
    """A number as Decimal (None → 0): hours, quantities, amounts of float fields."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return money(value, places)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedValue(f"expected a number, got {value!r}")
    return money(value, places)


def text(value: Any) -> str:
    return "" if value is None else str(value)


def as_datetime(value: Any) -> Any:
    """A Datetime field that was a Date before Odoo 17 (task date_deadline)."""
    import datetime as dt

    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return value


# -- per model ------------------------------------------------------------------------


def _company(r: Row) -> Values:
    return {"name": text(r.get("name")), "currency_code": ref_name(r.get("currency_id"))[:3]}


def _currency_rate(r: Row) -> Values:
    return {
        "currency_code": ref_name(r.get("currency_id"))[:3],
        "company_id": ref(r.get("company_id")),
        "date": r.get("name"),
        "rate": dec(r.get("rate"), 12),
    }


def _partner(r: Row) -> Values:
    return {
        # Addresses of a company may have no name of their own in Odoo.
        "name": text(r.get("name")) or text(r.get("display_name")),
        "is_company": bool(r.get("is_company")),
        "parent_id": ref(r.get("parent_id")),
        "commercial_partner_id": ref(r.get("commercial_partner_id")),
        "email": r.get("email"),
        "phone": r.get("phone"),
        "company_id": ref(r.get("company_id")),
    }


def _user(r: Row) -> Values:
    return {
        "login": text(r.get("login")),
        "name": text(r.get("name")),
        "email": (r.get("email") or None) and str(r["email"]).strip().lower(),
        "partner_id": ref(r.get("partner_id")),
        "share": bool(r.get("share")),
        "tz": r.get("tz"),
    }


def _calendar(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "tz": r.get("tz"),
        "hours_per_day": dec(r.get("hours_per_day") or 8),
    }


def _employee(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "user_id": ref(r.get("user_id")),
        "work_email": (r.get("work_email") or None) and str(r["work_email"]).strip().lower(),
        "job_title": r.get("job_title"),
        "department_name": ref_name(r.get("department_id")) or None,
        "manager_id": ref(r.get("parent_id")),
        "company_id": ref(r.get("company_id")),
        "calendar_id": ref(r.get("resource_calendar_id")),
        "tz": r.get("tz"),
        "hourly_cost": r.get("hourly_cost") if r.get("hourly_cost") is not None else None,
    }


def _project(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "partner_id": ref(r.get("partner_id")),
        "manager_id": ref(r.get("user_id")),
        "company_id": ref(r.get("company_id")),
        "date_start": r.get("date_start"),
        "date": r.get("date"),
        "allocated_hours": dec(r.get("allocated_hours")),
        "effective_hours": dec(r.get("effective_hours")),
        "sale_order_id": ref(r.get("sale_order_id")),
        "sale_line_id": ref(r.get("sale_line_id")),
        "allow_billable": bool(r.get("allow_billable")),
        "last_update_status": r.get("last_update_status"),
        "create_date": r.get("create_date"),
    }


def _stage(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "sequence": int(r.get("sequence") or 0),
        "fold": bool(r.get("fold")),
    }


def _task(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "project_id": ref(r.get("project_id")),
        "stage_id": ref(r.get("stage_id")),
        "state": r.get("state"),
        "allocated_hours": dec(r.get("allocated_hours")),
        "effective_hours": dec(r.get("effective_hours")),
        "date_deadline": as_datetime(r.get("date_deadline")),
        "milestone_id": ref(r.get("milestone_id")),
        "sale_line_id": ref(r.get("sale_line_id")),
        "parent_id": ref(r.get("parent_id")),
        "priority": r.get("priority"),
    }


def _milestone(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "project_id": ref(r.get("project_id")),
        "deadline": r.get("deadline"),
        "is_reached": bool(r.get("is_reached")),
        "reached_date": r.get("reached_date"),
        "sale_line_id": ref(r.get("sale_line_id")),
        "quantity_percentage": dec(r.get("quantity_percentage"), 4),
        "product_uom_qty": dec(r.get("product_uom_qty"), 4),
    }


def _sale_order(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "partner_id": ref(r.get("partner_id")),
        "state": text(r.get("state")),
        "date_order": r.get("date_order"),
        "client_order_ref": r.get("client_order_ref"),
        "salesperson_id": ref(r.get("user_id")),
        "company_id": ref(r.get("company_id")),
        "currency_code": ref_name(r.get("currency_id"))[:3],
        "amount_untaxed": dec(r.get("amount_untaxed")),
        "amount_total": dec(r.get("amount_total")),
        "invoice_status": r.get("invoice_status"),
        "project_id": ref(r.get("project_id")),
    }


def _sale_line(r: Row) -> Values:
    return {
        "order_id": ref(r.get("order_id")),
        "name": text(r.get("name")),
        "display_type": r.get("display_type"),
        "product_id": ref(r.get("product_id")),
        "product_name": ref_name(r.get("product_id")),
        "product_uom_qty": dec(r.get("product_uom_qty"), 4),
        "qty_delivered": dec(r.get("qty_delivered"), 4),
        "qty_invoiced": dec(r.get("qty_invoiced"), 4),
        "qty_to_invoice": dec(r.get("qty_to_invoice"), 4),
        "qty_delivered_method": r.get("qty_delivered_method"),
        "price_unit": dec(r.get("price_unit")),
        "discount": dec(r.get("discount")),
        "price_subtotal": dec(r.get("price_subtotal")),
        "currency_code": ref_name(r.get("currency_id"))[:3],
        "invoice_status": r.get("invoice_status"),
        "project_id": ref(r.get("project_id")),
        "task_id": ref(r.get("task_id")),
    }


def _timesheet(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "date": r.get("date"),
        "employee_id": ref(r.get("employee_id")),
        "user_id": ref(r.get("user_id")),
        "project_id": ref(r.get("project_id")),
        "task_id": ref(r.get("task_id")),
        "unit_amount": dec(r.get("unit_amount")),
        "amount": dec(r.get("amount")),
        "sale_line_id": ref(r.get("so_line")),
    }


def _invoice(r: Row) -> Values:
    return {
        "name": text(r.get("name")),
        "partner_id": ref(r.get("partner_id")),
        "move_type": text(r.get("move_type")),
        "state": text(r.get("state")),
        "payment_state": r.get("payment_state"),
        "invoice_date": r.get("invoice_date"),
        "invoice_origin": r.get("invoice_origin"),
        "company_id": ref(r.get("company_id")),
        "currency_code": ref_name(r.get("currency_id"))[:3],
        "amount_untaxed": dec(r.get("amount_untaxed")),
        "amount_total": dec(r.get("amount_total")),
        "amount_residual": dec(r.get("amount_residual")),
    }


def _invoice_line(r: Row) -> Values:
    return {
        "move_id": ref(r.get("move_id")),
        "name": text(r.get("name")),
        "display_type": r.get("display_type"),
        "product_id": ref(r.get("product_id")),
        "quantity": dec(r.get("quantity"), 4),
        "price_unit": dec(r.get("price_unit")),
        "discount": dec(r.get("discount")),
        "price_subtotal": dec(r.get("price_subtotal")),
        "sale_line_ids": list(r.get("sale_line_ids") or []),
    }


CUSTOMER_MOVES = ["out_invoice", "out_refund"]

# In dependency order: what a row points at is usually synced before it.
SPECS: tuple[MirrorSpec, ...] = (
    MirrorSpec("res.company", m.Company, ("name", "currency_id"), _company, required=("name",),
               after="business_units"),
    MirrorSpec("res.currency.rate", m.CurrencyRate, ("name", "rate", "currency_id", "company_id"),
               _currency_rate, required=("name", "currency_id")),
    MirrorSpec("res.partner", m.Partner,
               ("name", "is_company", "parent_id", "commercial_partner_id", "email", "phone",
                "company_id"), _partner),
    MirrorSpec("res.users", m.OdooUser, ("login", "name", "email", "partner_id", "share", "tz"),
               _user, required=("login",), after="link_users"),
    MirrorSpec("resource.calendar", m.WorkCalendar, ("name", "tz", "hours_per_day"), _calendar,
               after="attendances"),
    MirrorSpec("hr.employee", m.Employee,
               ("name", "user_id", "work_email", "job_title", "department_id", "parent_id",
                "company_id", "resource_calendar_id", "tz", "hourly_cost", "currency_id"),
               _employee, required=("name",), after="link_users"),
    MirrorSpec("project.task.type", m.TaskStage, ("name", "sequence", "fold"), _stage,
               required=("name",)),
    MirrorSpec("project.project", m.Project,
               ("name", "partner_id", "user_id", "company_id", "date_start", "date",
                "allocated_hours", "effective_hours", "sale_order_id", "sale_line_id",
                "allow_billable", "last_update_status", "create_date"), _project,
               required=("name",), after="business_units"),
    MirrorSpec("project.milestone", m.Milestone,
               ("name", "project_id", "deadline", "is_reached", "reached_date", "sale_line_id",
                "quantity_percentage", "product_uom_qty"), _milestone,
               required=("name", "project_id")),
    MirrorSpec("sale.order", m.SaleOrder,
               ("name", "partner_id", "state", "date_order", "client_order_ref", "user_id",
                "company_id", "currency_id", "amount_untaxed", "amount_total", "invoice_status",
                "project_id"), _sale_order, required=("name", "state")),
    MirrorSpec("sale.order.line", m.SaleOrderLine,
               ("order_id", "name", "display_type", "product_id", "product_uom_qty",
                "qty_delivered", "qty_invoiced", "qty_to_invoice", "qty_delivered_method",
                "price_unit", "discount", "price_subtotal", "currency_id", "invoice_status",
                "project_id", "task_id"), _sale_line, required=("order_id",)),
    MirrorSpec("project.task", m.Task,
               ("name", "project_id", "stage_id", "state", "user_ids", "allocated_hours",
                "effective_hours", "date_deadline", "milestone_id", "sale_line_id", "parent_id",
                "priority"), _task, required=("name",), after="assignees"),
    MirrorSpec("account.analytic.line", m.Timesheet,
               ("name", "date", "employee_id", "user_id", "project_id", "task_id", "unit_amount",
                "amount", "currency_id", "so_line"), _timesheet,
               domain=(("project_id", "!=", False),), required=("date", "project_id")),
    MirrorSpec("account.move", m.Invoice,
               ("name", "partner_id", "move_type", "state", "payment_state", "invoice_date",
                "invoice_origin", "company_id", "currency_id", "amount_untaxed", "amount_total",
                "amount_residual"), _invoice,
               domain=(("move_type", "in", CUSTOMER_MOVES),), required=("move_type", "state")),
    MirrorSpec("account.move.line", m.InvoiceLine,
               ("move_id", "name", "display_type", "product_id", "quantity", "price_unit",
                "discount", "price_subtotal", "sale_line_ids", "currency_id"), _invoice_line,
               domain=(("move_id.move_type", "in", CUSTOMER_MOVES),
                       ("display_type", "=", "product")), required=("move_id",)),
)  # fmt: skip

BY_KEY: dict[str, MirrorSpec] = {spec.key: spec for spec in SPECS}
# Short names accepted by `manage.py odoo_sync --model` besides the Odoo model names.
ALIASES: dict[str, str] = {str(spec.model._meta.model_name): spec.key for spec in SPECS}


def spec_for(name: str) -> MirrorSpec:
    """The spec of an Odoo model name or a mirror model name ("timesheet")."""
    key = ALIASES.get(name.lower(), name)
    if key not in BY_KEY:
        known = ", ".join(spec.key for spec in SPECS)
        raise KeyError(f"unknown mirrored model {name!r}; use one of: {known}")
    return BY_KEY[key]
