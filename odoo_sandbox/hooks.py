"""Per-model side effects of create/write/unlink (Odoo's overrides, reference §6-7)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from typing import TYPE_CHECKING, Any

from odoo_sandbox.exceptions import UserError, ValidationError

if TYPE_CHECKING:
    from odoo_sandbox.store import Record, Store

TIMESHEET_EMPLOYEE_ERROR = (
    "Timesheets must be created with an active employee in the selected companies."
)

# service_policy -> (invoice_policy, service_type) (reference §6.6).
SERVICE_POLICY = {
    "ordered_prepaid": ("order", "manual"),
    "delivered_milestones": ("delivery", "milestones"),
    "delivered_manual": ("delivery", "manual"),
    "delivered_timesheet": ("delivery", "timesheet"),
}


def before_create(store: Store, model: str, vals: dict[str, Any]) -> None:
    fn = _BEFORE_CREATE.get(model)
    if fn is not None:
        fn(store, vals)


def after_create(store: Store, model: str, rec: Record) -> None:
    if model == "project.update":
        # Creating an update sets the project's status and last update (reference §6.7).
        store._update(
            "project.project",
            rec["project_id"],
            {"last_update_status": rec["status"], "last_update_id": rec["id"]},
        )
    elif model == "sale.order.line":
        order = store.records["sale.order"][rec["order_id"]]
        if order.get("state") == "sale":
            from odoo_sandbox.business import generate_for_lines

            generate_for_lines(store, order, [rec])  # lines added to a confirmed order (§7.1)


def before_write(store: Store, model: str, rec: Record, vals: dict[str, Any]) -> dict[str, Any]:
    if model == "project.milestone" and "is_reached" in vals:
        # reached_date is a stored compute: today when reached (reference §6.9).
        if bool(vals["is_reached"]) != bool(rec.get("is_reached")):
            vals["reached_date"] = store.today() if vals["is_reached"] else False
    elif model == "project.task":
        _task_dates(store, rec, vals)
    elif model == "product.product":
        _product_policy(store, vals)
    elif model == "ir.attachment":
        _attachment_data(store, vals)
    elif model == "res.users" and "login" in vals:
        _unique_login(store, vals["login"], rec["id"])
    elif model == "account.analytic.line" and rec.get("project_id"):
        merged = {**rec, **vals}
        if {"unit_amount", "employee_id"} & set(vals):
            vals["amount"] = _timesheet_amount(store, merged)
    elif model == "account.move" and rec.get("state") == "posted":
        locked = set(vals) & {"partner_id", "invoice_line_ids", "line_ids", "move_type"}
        if locked:
            raise UserError("You cannot modify a posted entry of this journal.")
    return vals


def after_write(store: Store, model: str, rec: Record, old: dict[str, Any]) -> None:
    """Nothing to propagate yet: computed values are derived on read."""


def before_unlink(store: Store, model: str, rec: Record) -> None:
    if model == "sale.order" and rec.get("state") == "sale":
        raise UserError(
            "You can not delete a sent quotation or a confirmed sales order. "
            "You must first cancel it."
        )
    if model == "account.move" and rec.get("state") == "posted":
        raise UserError("You cannot delete an entry which has been posted once.")


# -- model-specific helpers --------------------------------------------------------------


def _users(store: Store, vals: dict[str, Any]) -> None:
    _unique_login(store, vals.get("login"), None)
    if not vals.get("partner_id"):
        partner = {"name": vals.get("name") or vals.get("login"), "email": vals.get("email")}
        vals["partner_id"] = store._insert("res.partner", partner)
    partner_rec = store.records["res.partner"][vals["partner_id"]]
    vals.setdefault("name", partner_rec.get("name"))
    vals.setdefault("email", partner_rec.get("email") or False)
    company = vals.get("company_id") or store.main_company_id()
    if company and "company_ids" not in vals:
        vals["company_ids"] = [(6, 0, [company])]


def _unique_login(store: Store, login: Any, own_id: int | None) -> None:
    for rid, user in store.records["res.users"].items():
        if login and user.get("login") == login and rid != own_id:
            raise ValidationError("You can not have two users with the same login!")


def _employee(store: Store, vals: dict[str, Any]) -> None:
    user = store.records["res.users"].get(vals.get("user_id") or 0)
    if user:
        vals.setdefault("name", user.get("name"))
        vals.setdefault("work_email", user.get("email") or False)
        vals.setdefault("work_contact_id", user.get("partner_id"))


def _sale_order(store: Store, vals: dict[str, Any]) -> None:
    if vals.get("name", "New") in ("New", "/", False):
        vals["name"] = f"S{store.next_sequence('sale.order'):05d}"
    vals.setdefault("partner_invoice_id", vals.get("partner_id"))
    vals.setdefault("partner_shipping_id", vals.get("partner_id"))


def _sale_line(store: Store, vals: dict[str, Any]) -> None:
    product = store.records["product.product"].get(vals.get("product_id") or 0)
    if product is None:
        return
    vals.setdefault("name", product.get("description_sale") or product["name"])
    vals.setdefault("price_unit", product.get("list_price", 0.0))
    vals.setdefault("product_uom", product.get("uom_id") or False)
    if "tax_id" not in vals and product.get("taxes_id"):
        vals["tax_id"] = [(6, 0, product["taxes_id"])]


def _product_policy(store: Store, vals: dict[str, Any]) -> None:
    policy = vals.get("service_policy")
    if policy in SERVICE_POLICY:
        vals["invoice_policy"], vals["service_type"] = SERVICE_POLICY[policy]
    elif "service_policy" not in vals and ("invoice_policy" in vals or "service_type" in vals):
        pair = (vals.get("invoice_policy", "order"), vals.get("service_type", "manual"))
        vals["service_policy"] = next((k for k, v in SERVICE_POLICY.items() if v == pair), False)


def _product(store: Store, vals: dict[str, Any]) -> None:
    _product_policy(store, vals)
    if vals.get("type") == "service" and not vals.get("service_policy"):
        vals["service_policy"] = "ordered_prepaid"
        vals.setdefault("invoice_policy", "order")
        vals.setdefault("service_type", "manual")


def _timesheet(store: Store, vals: dict[str, Any]) -> None:
    task = store.records["project.task"].get(vals.get("task_id") or 0)
    if task and not vals.get("project_id"):
        vals["project_id"] = task.get("project_id") or False
    if not vals.get("project_id"):
        return  # a plain analytic line, not a timesheet (reference §6.10)
    employee = _timesheet_employee(store, vals)
    vals["employee_id"] = employee["id"]
    vals.setdefault("user_id", employee.get("user_id") or store.uid)
    vals.setdefault("department_id", employee.get("department_id") or False)
    vals.setdefault("manager_id", employee.get("parent_id") or False)
    project = store.records["project.project"][vals["project_id"]]
    vals.setdefault("account_id", project.get("account_id") or False)
    vals.setdefault("partner_id", (task or project).get("partner_id") or False)
    if task and task.get("sale_line_id") and "so_line" not in vals:
        vals["so_line"] = task["sale_line_id"]
    elif project.get("sale_line_id") and "so_line" not in vals:
        vals["so_line"] = project["sale_line_id"]
    vals["amount"] = _timesheet_amount(store, vals)


def _timesheet_employee(store: Store, vals: dict[str, Any]) -> Record:
    employees = store.records["hr.employee"]
    employee = employees.get(vals.get("employee_id") or 0)
    if employee is None:
        user_id = vals.get("user_id") or store.uid
        found = sorted(store.index.get(("hr.employee", "user_id"), {}).get(user_id, ()))
        employee = employees[found[0]] if found else None
    if employee is None or not employee.get("active", True):
        raise ValidationError(TIMESHEET_EMPLOYEE_ERROR)
    return employee


def _timesheet_amount(store: Store, vals: dict[str, Any]) -> float:
    # amount = -unit_amount x employee.hourly_cost (reference §6.10).
    employee = store.records["hr.employee"].get(vals.get("employee_id") or 0) or {}
    cost = float(employee.get("hourly_cost", 0.0))
    return round(-float(vals.get("unit_amount") or 0.0) * cost, 2)


def _task(store: Store, vals: dict[str, Any]) -> None:
    parent = store.records["project.task"].get(vals.get("parent_id") or 0)
    if parent and not vals.get("project_id"):
        vals["project_id"] = parent.get("project_id") or False
    project = store.records["project.project"].get(vals.get("project_id") or 0)
    if project and not vals.get("stage_id") and project.get("type_ids"):
        stages = store.records["project.task.type"]
        ordered = sorted(
            (t for t in project["type_ids"] if t in stages),
            key=lambda t: (stages[t]["sequence"], t),
        )
        vals["stage_id"] = ordered[0] if ordered else False
    if project and "partner_id" not in vals:
        vals["partner_id"] = project.get("partner_id") or False
    if vals.get("user_ids"):
        vals.setdefault("date_assign", store.txn_stamp())


def _task_dates(store: Store, rec: Record, vals: dict[str, Any]) -> None:
    if "stage_id" in vals and vals["stage_id"] != rec.get("stage_id"):
        vals.setdefault("date_last_stage_update", store.txn_stamp())
    if vals.get("user_ids") and not rec.get("date_assign"):
        vals.setdefault("date_assign", store.txn_stamp())
    if vals.get("state") in ("1_done", "1_canceled") and not rec.get("date_end"):
        vals.setdefault("date_end", store.txn_stamp())


def _milestone(store: Store, vals: dict[str, Any]) -> None:
    if vals.get("is_reached"):
        vals.setdefault("reached_date", store.today())


def _attachment_data(store: Store, vals: dict[str, Any]) -> None:
    # datas is base64 on the wire; size and sha1 checksum follow the content (§6.13).
    if "datas" not in vals:
        return
    try:
        raw = base64.b64decode(vals["datas"] or b"", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("Invalid base64 content in datas") from exc
    vals["file_size"] = len(raw)
    vals["checksum"] = hashlib.sha1(raw).hexdigest()  # noqa: S324 (Odoo's own checksum)


def _attachment(store: Store, vals: dict[str, Any]) -> None:
    _attachment_data(store, vals)
    if not vals.get("mimetype"):
        guessed, _ = mimetypes.guess_type(str(vals.get("name") or ""))
        vals["mimetype"] = guessed or "application/octet-stream"


def _move(store: Store, vals: dict[str, Any]) -> None:
    if not vals.get("currency_id"):
        from odoo_sandbox.computes import company_currency

        vals["currency_id"] = company_currency(store, vals.get("company_id"))
    vals["name"] = "/"  # numbered when posted (reference §6.11)


def _move_line(store: Store, vals: dict[str, Any]) -> None:
    product = store.records["product.product"].get(vals.get("product_id") or 0)
    if product is None:
        return
    vals.setdefault("name", product["name"])
    vals.setdefault("price_unit", product.get("list_price", 0.0))
    vals.setdefault("product_uom_id", product.get("uom_id") or False)


def _activity(store: Store, vals: dict[str, Any]) -> None:
    model = vals.get("res_model")
    if model and not vals.get("res_model_id"):
        found = store.search("ir.model", [("model", "=", model)], limit=1)
        vals["res_model_id"] = found[0] if found else False


_BEFORE_CREATE = {
    "res.users": _users,
    "hr.employee": _employee,
    "sale.order": _sale_order,
    "sale.order.line": _sale_line,
    "product.product": _product,
    "account.analytic.line": _timesheet,
    "project.task": _task,
    "project.milestone": _milestone,
    "ir.attachment": _attachment,
    "account.move": _move,
    "account.move.line": _move_line,
    "mail.activity": _activity,
}
