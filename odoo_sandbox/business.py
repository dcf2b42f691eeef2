"""Public business methods the portal calls (reference §6.12, §7)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from odoo_sandbox import computes_sale, schema
from odoo_sandbox.exceptions import UserError, ValidationError

if TYPE_CHECKING:
    from odoo_sandbox.store import Record, Store

Method = Callable[["Store", list[int], list[Any], dict[str, Any]], Any]
METHODS: dict[tuple[str, str], Method] = {}

NOTHING_TO_INVOICE = (
    "There is no invoiceable line. If a product has a Delivered quantities invoicing policy, "
    "please make sure that a quantity has been delivered."
)  # Odoo's sale wizard message (documented in Odoo's invoicing policy page)
TASK_STAGES = ("To Do", "In Progress", "Done", "Cancelled")


def method(model: str, name: str) -> Callable[[Method], Method]:
    def deco(fn: Method) -> Method:
        METHODS[(model, name)] = fn
        return fn

    return deco


# -- sale.order (reference §7.1) ---------------------------------------------------------


@method("sale.order", "action_confirm")
def action_confirm(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> bool:
    orders = [store.records["sale.order"][i] for i in ids]
    wrong = [o["name"] for o in orders if o["state"] not in ("draft", "sent")]
    if wrong:
        raise UserError(
            "The following orders are not in a state requiring confirmation: " + ", ".join(wrong)
        )
    for order in orders:
        store._update("sale.order", order["id"], {"state": "sale", "date_order": store.txn_stamp()})
        lines = [
            store.records["sale.order.line"][i]
            for i in store.children("sale.order.line", "order_id", order["id"])
        ]
        generate_for_lines(store, order, lines)
    return True


@method("sale.order", "action_cancel")
def action_cancel(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> bool:
    for rid in ids:
        store._update("sale.order", rid, {"state": "cancel"})
    return True


@method("sale.order", "action_draft")
def action_draft(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> bool:
    for rid in ids:
        if store.records["sale.order"][rid]["state"] in ("cancel", "sent"):
            store._update("sale.order", rid, {"state": "draft"})
    return True


def generate_for_lines(store: Store, order: Record, lines: list[Record]) -> None:
    """Create the projects, tasks and milestones a confirmed order's lines ask for (§7.1).

    Lines that already carry their project/task are skipped, so re-confirming after a
    cancel does not duplicate anything.
    """
    created: list[int] = []
    for line in lines:
        product = store.records["product.product"].get(line.get("product_id") or 0)
        if line.get("display_type") or not product or product.get("type") != "service":
            continue
        tracking = product.get("service_tracking") or "no"
        if tracking == "task_global_project" and not line.get("task_id"):
            project_id = product.get("project_id") or order.get("project_id")
            if not project_id:
                raise UserError(
                    "A project must be defined on the quotation or on the form of products "
                    "creating a task on order."
                )
            if line["product_uom_qty"] > 0:
                _create_task(store, order, line, product, project_id)
        elif tracking in ("project_only", "task_in_project"):
            if not line.get("project_id"):
                project_id = _order_project(store, order, line, product)
                created.append(project_id)
                store._update("sale.order.line", line["id"], {"project_id": project_id})
            if tracking == "task_in_project" and not line.get("task_id"):
                _create_task(store, order, line, product, line["project_id"])
        if product.get("service_policy") == "delivered_milestones":
            _handle_milestones(store, line)
    if created and not order.get("project_id"):
        projects = store.records["project.project"]
        first = min(created, key=lambda p: (projects[p]["sequence"], p))
        store._update("sale.order", order["id"], {"project_id": first})


def _order_project(store: Store, order: Record, line: Record, product: Record) -> int:
    # One project per order (per template), reused by later lines of the same order.
    template = product.get("project_template_id") or False
    for other_id in store.children("sale.order.line", "order_id", order["id"]):
        other = store.records["sale.order.line"][other_id]
        other_product = store.records["product.product"].get(other.get("product_id") or 0)
        if (
            other.get("project_id")
            and other_product
            and ((other_product.get("project_template_id") or False) == template)
        ):
            return int(other["project_id"])
    return _create_project(store, order, line, template)


def _create_project(store: Store, order: Record, line: Record, template_id: int | bool) -> int:
    ref = order.get("client_order_ref")
    name = f"{ref} - {order['name']}" if ref else order["name"]
    template = store.records["project.project"].get(template_id or 0)
    if template:
        name = f"{name} - {template['name']}"
    account_id = order.get("project_account_id") or store._insert(
        "account.analytic.account",
        {
            "name": order["name"],
            "partner_id": order["partner_id"],
            "company_id": order["company_id"],
            "plan_id": store.ref_id("analytic.analytic_plan_projects"),
        },
    )
    if not order.get("project_account_id"):
        store._update("sale.order", order["id"], {"project_account_id": account_id})
    vals: dict[str, Any] = {
        "name": name,
        "partner_id": order["partner_id"],
        "sale_line_id": line["id"],
        "sale_order_id": order["id"],
        "company_id": order["company_id"],
        "allow_billable": True,
        "account_id": account_id,
    }
    if template:
        for key in (
            "description",
            "allow_milestones",
            "allow_timesheets",
            "allocated_hours",
            "tag_ids",
            "type_ids",
        ):
            value = template.get(key)
            vals[key] = [(6, 0, value)] if isinstance(value, list) else value
    project_id = store._insert("project.project", vals)
    if not store.records["project.project"][project_id].get("type_ids"):
        stages = [
            store._insert("project.task.type", {"name": name, "sequence": seq, "fold": seq > 2})
            for seq, name in enumerate(TASK_STAGES, start=1)
        ]
        store._update("project.project", project_id, {"type_ids": [(6, 0, stages)]})
    if template:
        for task_id in store.children("project.task", "project_id", template["id"]):
            task = store.records["project.task"][task_id]
            store._insert(
                "project.task",
                {
                    "name": task["name"],
                    "project_id": project_id,
                    "allocated_hours": task.get("allocated_hours", 0.0),
                    "description": task.get("description"),
                },
            )
    return project_id


def _create_task(
    store: Store, order: Record, line: Record, product: Record, project_id: int
) -> int:
    project = store.records["project.project"][project_id]
    lines_of_name = str(line.get("name") or "").split("\n")
    title = lines_of_name[0] or product["name"]
    name = title if project.get("sale_line_id") else f"{order['name']} - {title}"
    hours = 0.0
    if product.get("service_type") == "timesheet":  # 0 for milestone/manual products
        hours = _in_hours(store, line)
    task_id = store._insert(
        "project.task",
        {
            "name": name,
            "project_id": project_id,
            "partner_id": order["partner_id"],
            "description": "<br/>".join(lines_of_name[1:]),
            "allocated_hours": hours,
            "sale_line_id": line["id"],
            "sale_order_id": order["id"],
            "company_id": order["company_id"],
            "user_ids": [],
        },
    )
    store._update("sale.order.line", line["id"], {"task_id": task_id})
    _post(
        store,
        "project.task",
        task_id,
        f"This task has been created from: {order['name']} ({product['name']})",
    )
    return task_id


def _in_hours(store: Store, line: Record) -> float:
    uom = store.records["uom.uom"].get(line.get("product_uom") or 0) or {}
    qty = float(line["product_uom_qty"])
    return qty * 8.0 if "day" in str(uom.get("name", "")).lower() else qty


def _handle_milestones(store: Store, line: Record) -> None:
    project_id = line.get("project_id")
    task = store.records["project.task"].get(line.get("task_id") or 0)
    if not project_id and task:
        project_id = task.get("project_id")
    if not project_id:
        return
    milestones = store.records["project.milestone"]
    if any(milestones[m].get("sale_line_id") == line["id"] for m in milestones):
        return
    free = [
        m
        for m in store.children("project.milestone", "project_id", project_id)
        if not milestones[m].get("sale_line_id")
    ]
    if free:
        for mid in free:
            store._update(
                "project.milestone",
                mid,
                {"sale_line_id": line["id"], "quantity_percentage": 1 / len(free)},
            )
    else:
        name = str(line.get("name") or "").split("\n")[0]
        mid = store._insert(
            "project.milestone",
            {
                "name": name,
                "project_id": project_id,
                "sale_line_id": line["id"],
                "quantity_percentage": 1.0,
            },
        )
        if task:
            store._update("project.task", task["id"], {"milestone_id": mid})
    store._update("project.project", project_id, {"allow_milestones": True})


# -- project.milestone (reference §7.2) ----------------------------------------------------


@method("project.milestone", "toggle_is_reached")
def toggle_is_reached(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> Any:
    is_reached = kw.get("is_reached", args[0] if args else None)
    if is_reached is None:
        raise ServerTypeError(
            "toggle_is_reached() missing 1 required positional argument: 'is_reached'"
        )
    for rid in ids:
        store._update("project.milestone", rid, {"is_reached": bool(is_reached)})
    fields = ["name", "deadline", "is_reached", "reached_date", "is_deadline_exceeded"]
    rows = store.read("project.milestone", ids, fields)
    return rows[0] if len(rows) == 1 else rows


class ServerTypeError(TypeError):
    """A bad call signature, answered as builtins.TypeError (reference §2.3)."""


# -- invoicing (reference §7.3) ------------------------------------------------------------


@method("sale.advance.payment.inv", "create_invoices")
def create_invoices(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> Any:
    wizard = store.records["sale.advance.payment.inv"][ids[0]]
    if wizard["advance_payment_method"] != "delivered":
        # Known limitation: down payments are not simulated (the portal does not use them).
        raise UserError(
            "The sandbox only supports regular invoices (advance_payment_method='delivered')."
        )
    plans = []
    for order_id in wizard.get("sale_order_ids", []):
        order = store.records["sale.order"][order_id]
        lines = _invoiceable_lines(store, order)
        if lines:
            plans.append((order, lines))
    if not plans:
        raise UserError(NOTHING_TO_INVOICE)
    moves = [_create_invoice(store, order, lines) for order, lines in plans]
    action: dict[str, Any] = {
        "type": "ir.actions.act_window",
        "res_model": "account.move",
        "name": "Invoices",
        "context": {"default_move_type": "out_invoice"},
    }
    if len(moves) == 1:
        action.update(view_mode="form", res_id=moves[0], views=[[False, "form"]])
    else:
        action.update(view_mode="list,form", domain=[["id", "in", moves]])
    return action


def _invoiceable_lines(store: Store, order: Record) -> list[tuple[Record, float]]:
    out = []
    for line_id in store.children("sale.order.line", "order_id", order["id"]):
        line = store.records["sale.order.line"][line_id]
        qty = computes_sale.sol_to_invoice(store, line)
        if not line.get("display_type") and abs(qty) > 1e-6:
            out.append((line, qty))
    return out


def _create_invoice(store: Store, order: Record, lines: list[tuple[Record, float]]) -> int:
    invoice_lines = [
        (
            0,
            0,
            {
                "product_id": line.get("product_id") or False,
                "name": line["name"],
                "quantity": qty,
                "price_unit": line.get("price_unit", 0.0),
                "discount": line.get("discount", 0.0),
                "tax_ids": [(6, 0, line.get("tax_id", []))],
                "sale_line_ids": [(6, 0, [line["id"]])],
                "product_uom_id": line.get("product_uom") or False,
                "analytic_distribution": line.get("analytic_distribution") or False,
            },
        )
        for line, qty in lines
    ]
    return store._insert(
        "account.move",
        {
            "move_type": "out_invoice",
            "partner_id": order.get("partner_invoice_id") or order["partner_id"],
            "invoice_origin": order["name"],
            "ref": order.get("client_order_ref") or False,
            "currency_id": computes_sale.order_currency(store, order),
            "company_id": order["company_id"],
            "invoice_user_id": order.get("user_id") or False,
            "invoice_line_ids": invoice_lines,
        },
    )


@method("account.move", "action_post")
def action_post(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> bool:
    for rid in ids:
        move = store.records["account.move"][rid]
        if move["state"] == "posted":
            raise UserError(f"The entry {move['name']} (id {rid}) is already posted.")
        if not store.children("account.move.line", "move_id", rid):
            raise UserError("You need to add a line before posting.")
        day = move.get("invoice_date") or store.today()
        vals: dict[str, Any] = {"state": "posted", "invoice_date": day}
        if move.get("name") in ("/", False):
            prefix = "INV" if move["move_type"] in ("out_invoice", "out_refund") else "MISC"
            seq = store.next_sequence(f"{prefix}/{day[:4]}")
            vals["name"] = f"{prefix}/{day[:4]}/{seq:05d}"  # reference §7 (INV/2025/00001)
        store._update("account.move", rid, vals)
    return True


@method("account.move", "button_draft")
def button_draft(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> bool:
    for rid in ids:
        store._update("account.move", rid, {"state": "draft"})
    return True


@method("account.move", "button_cancel")
def button_cancel(store: Store, ids: list[int], args: list[Any], kw: dict[str, Any]) -> bool:
    for rid in ids:
        store._update("account.move", rid, {"state": "cancel"})
    return True


# -- chatter (reference §6.12) -------------------------------------------------------------


def _post(store: Store, model: str, res_id: int, body: str, **extra: Any) -> int:
    record_name = store.value(model, store.records[model][res_id], "display_name")
    vals = {
        "model": model,
        "res_id": res_id,
        "body": body,
        "record_name": record_name,
        "message_type": "notification",
        "author_id": _author(store),
        **extra,
    }
    return store._insert("mail.message", vals)


def _author(store: Store) -> Any:
    user = store.records["res.users"].get(store.uid)
    return user.get("partner_id", False) if user else False


def message_post(store: Store, model: str, ids: list[int], kw: dict[str, Any]) -> int:
    if model not in schema.MAIL_THREAD:
        raise AttributeError(f"The model {model!r} has no message_post method")
    if len(ids) != 1:
        raise ValueError(f"Expected singleton: {model}({', '.join(map(str, ids))})")
    message_type = kw.get("message_type", "notification")
    if message_type == "user_notification":
        raise ValueError("Use message_notify to send a notification to an user.")
    body = str(kw.get("body") or "")
    if not kw.get("body_is_html"):
        body = html.escape(body).replace("\n", "<br>")  # plain strings are escaped (§6.12)
    attachments = list(kw.get("attachment_ids") or [])
    store.check_exist("ir.attachment", attachments)
    subtype = kw.get("subtype_xmlid") or (
        "mail.mt_note" if message_type == "notification" else "mail.mt_comment"
    )
    message_id = _post(
        store,
        model,
        ids[0],
        body,
        message_type=message_type,
        subject=kw.get("subject") or False,
        subtype_xmlid=subtype,
        subtype_id=store.ref_id(subtype),
        author_id=kw.get("author_id") or _author(store),
        partner_ids=[(6, 0, list(kw.get("partner_ids") or []))],
        attachment_ids=[(6, 0, attachments)],
        is_internal=subtype == "mail.mt_note",
    )
    for att in attachments:  # Odoo re-attaches posted files to the record
        store._update("ir.attachment", att, {"res_model": model, "res_id": ids[0]})
    return message_id


def check_not_empty(value: Any, message: str) -> None:
    if not value:
        raise ValidationError(message)
