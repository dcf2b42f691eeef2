"""Sale → project → milestone → invoice, chatter and attachments (reference §6.12-6.13, §7)."""

from __future__ import annotations

import base64
import datetime as dt

import odoorpc
import pytest

from tests.sandbox.conftest import Sandbox


@pytest.fixture
def milestone_order(odoo: odoorpc.ODOO) -> int:
    """S00001, ref PO-7: 4 x Kitchen Assembly at 500.00, 10 % discount, 21 % tax."""
    tax = odoo.env["account.tax"].create({"name": "21%", "amount": 21.0})
    product = odoo.env["product.product"].create(
        {
            "name": "Kitchen Assembly",
            "type": "service",
            "list_price": 500.0,
            "service_policy": "delivered_milestones",
            "service_tracking": "task_in_project",
        }
    )
    client = odoo.env["res.partner"].create({"name": "Client", "is_company": True})
    return odoo.env["sale.order"].create(
        {
            "partner_id": client,
            "client_order_ref": "PO-7",
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": product,
                        "product_uom_qty": 4,
                        "discount": 10.0,
                        "tax_id": [(6, 0, [tax])],
                    },
                )
            ],
        }
    )


def read_one(odoo: odoorpc.ODOO, model: str, rid: int, fields: list[str]) -> dict:
    return odoo.execute_kw(model, "read", [[rid], fields])[0]


def test_confirm_generates_project_task_and_milestone(
    odoo: odoorpc.ODOO, milestone_order: int
) -> None:
    assert odoo.execute_kw("sale.order", "action_confirm", [[milestone_order]]) is True

    order = read_one(
        odoo, "sale.order", milestone_order, ["name", "state", "project_id", "order_line"]
    )
    line = read_one(odoo, "sale.order.line", order["order_line"][0], ["project_id", "task_id"])
    task = read_one(
        odoo, "project.task", line["task_id"][0], ["name", "allocated_hours", "milestone_id"]
    )
    milestone = read_one(
        odoo,
        "project.milestone",
        task["milestone_id"][0],
        ["name", "quantity_percentage", "sale_line_id", "is_reached"],
    )

    assert order["state"] == "sale"
    assert order["project_id"][1] == "PO-7 - S00001"
    assert line["project_id"] == order["project_id"]
    assert task["name"] == "Kitchen Assembly"
    assert task["allocated_hours"] == 0.0
    assert milestone == {
        "id": task["milestone_id"][0],
        "name": "Kitchen Assembly",
        "quantity_percentage": 1.0,
        "is_reached": False,
        "sale_line_id": [order["order_line"][0], "S00001 - Kitchen Assembly"],
    }


def test_reconfirm_after_cancel_does_not_duplicate(
    odoo: odoorpc.ODOO, milestone_order: int
) -> None:
    for method in ("action_confirm", "action_cancel", "action_draft", "action_confirm"):
        odoo.execute_kw("sale.order", method, [[milestone_order]])

    assert odoo.env["project.project"].search_count([("sale_order_id", "=", milestone_order)]) == 1
    assert odoo.env["project.task"].search_count([("sale_order_id", "=", milestone_order)]) == 1
    assert odoo.env["project.milestone"].search_count([]) == 1


def test_milestone_reached_delivers_and_invoices_once(
    sandbox: Sandbox, odoo: odoorpc.ODOO, milestone_order: int
) -> None:
    odoo.execute_kw("sale.order", "action_confirm", [[milestone_order]])
    line_id = read_one(odoo, "sale.order", milestone_order, ["order_line"])["order_line"][0]
    first = odoo.env["project.milestone"].search([("sale_line_id", "=", line_id)])[0]
    project = read_one(odoo, "project.milestone", first, ["project_id"])["project_id"][0]
    odoo.execute_kw("project.milestone", "write", [[first], {"quantity_percentage": 0.5}])
    odoo.env["project.milestone"].create(
        {
            "name": "Second half",
            "project_id": project,
            "sale_line_id": line_id,
            "quantity_percentage": 0.5,
        }
    )

    reached = odoo.execute_kw("project.milestone", "toggle_is_reached", [[first], True])
    line = read_one(
        odoo, "sale.order.line", line_id, ["qty_delivered", "qty_to_invoice", "invoice_status"]
    )
    wizard = odoo.execute_kw(
        "sale.advance.payment.inv",
        "create",
        [{"advance_payment_method": "delivered"}],
        {"context": {"active_model": "sale.order", "active_ids": [milestone_order]}},
    )
    action = odoo.execute_kw("sale.advance.payment.inv", "create_invoices", [[wizard]])
    invoice = read_one(
        odoo,
        "account.move",
        action["res_id"],
        [
            "name",
            "state",
            "move_type",
            "invoice_origin",
            "amount_untaxed",
            "amount_total",
            "invoice_line_ids",
        ],
    )
    inv_line = read_one(
        odoo,
        "account.move.line",
        invoice["invoice_line_ids"][0],
        ["quantity", "price_unit", "discount", "sale_line_ids"],
    )

    assert reached["reached_date"] == sandbox.store.today()
    assert line == {
        "id": line_id,
        "qty_delivered": 2.0,
        "qty_to_invoice": 2.0,
        "invoice_status": "to invoice",
    }
    assert invoice["name"] == "/" and invoice["state"] == "draft"
    assert invoice["move_type"] == "out_invoice" and invoice["invoice_origin"] == "S00001"
    assert (invoice["amount_untaxed"], invoice["amount_total"]) == (
        900.0,
        1089.0,
    )  # 2x500x0.9; +21 %
    assert inv_line == {
        "id": inv_line["id"],
        "quantity": 2.0,
        "price_unit": 500.0,
        "discount": 10.0,
        "sale_line_ids": [line_id],
    }

    again = odoo.execute_kw(
        "sale.advance.payment.inv",
        "create",
        [{}],
        {"context": {"active_model": "sale.order", "active_ids": [milestone_order]}},
    )
    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("sale.advance.payment.inv", "create_invoices", [[again]])
    assert exc.value.info["data"]["name"] == "odoo.exceptions.UserError"
    assert str(exc.value).startswith("There is no invoiceable line.")
    assert read_one(odoo, "sale.order", milestone_order, ["invoice_ids"])["invoice_ids"] == [
        action["res_id"]
    ]

    odoo.execute_kw("account.move", "action_post", [[action["res_id"]]])
    posted = read_one(odoo, "account.move", action["res_id"], ["name", "state"])
    assert posted["name"] == f"INV/{dt.date.today().year}/00001"
    assert posted["state"] == "posted"


def test_timesheets_deliver_timesheet_lines(odoo: odoorpc.ODOO) -> None:
    product = odoo.env["product.product"].create(
        {
            "name": "Senior Architect",
            "type": "service",
            "list_price": 150.0,
            "service_policy": "delivered_timesheet",
            "service_tracking": "task_in_project",
        }
    )
    client = odoo.env["res.partner"].create({"name": "Client"})
    order = odoo.env["sale.order"].create(
        {
            "partner_id": client,
            "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 10})],
        }
    )
    odoo.execute_kw("sale.order", "action_confirm", [[order]])
    line_id = read_one(odoo, "sale.order", order, ["order_line"])["order_line"][0]
    task = read_one(odoo, "sale.order.line", line_id, ["task_id"])["task_id"][0]

    sheet = odoo.env["account.analytic.line"].create(
        {"name": "design", "task_id": task, "unit_amount": 3.5, "date": "2025-03-10"}
    )

    assert (
        read_one(odoo, "account.analytic.line", sheet, ["amount"])["amount"] == -175.0
    )  # 3.5 x 50
    assert read_one(odoo, "sale.order.line", line_id, ["qty_delivered"])["qty_delivered"] == 3.5
    assert read_one(
        odoo,
        "project.task",
        task,
        ["allocated_hours", "effective_hours", "remaining_hours", "progress"],
    ) == {
        "id": task,
        "allocated_hours": 10.0,
        "effective_hours": 3.5,
        "remaining_hours": 6.5,
        "progress": 0.35,
    }


def test_task_in_global_project_needs_a_project(odoo: odoorpc.ODOO) -> None:
    product = odoo.env["product.product"].create(
        {"name": "Support", "type": "service", "service_tracking": "task_global_project"}
    )
    client = odoo.env["res.partner"].create({"name": "Client"})
    order = odoo.env["sale.order"].create(
        {"partner_id": client, "order_line": [(0, 0, {"product_id": product})]}
    )

    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("sale.order", "action_confirm", [[order]])

    assert exc.value.info["data"]["name"] == "odoo.exceptions.UserError"
    assert read_one(odoo, "sale.order", order, ["state"])["state"] == "draft"


def test_message_post_with_attachment(odoo: odoorpc.ODOO) -> None:
    task = odoo.env["project.task"].create({"name": "T"})
    attachment = odoo.env["ir.attachment"].create(
        {"name": "note.txt", "datas": base64.b64encode(b"hello").decode()}
    )

    message = odoo.execute_kw(
        "project.task",
        "message_post",
        [[task]],
        {
            "body": "<b>Ready</b>",
            "body_is_html": True,
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_note",
            "attachment_ids": [attachment],
        },
    )
    row = read_one(
        odoo,
        "mail.message",
        message,
        ["model", "res_id", "body", "message_type", "attachment_ids", "author_id"],
    )
    stored = read_one(
        odoo,
        "ir.attachment",
        attachment,
        ["file_size", "checksum", "mimetype", "res_model", "res_id", "datas"],
    )

    assert row == {
        "id": message,
        "model": "project.task",
        "res_id": task,
        "body": "<b>Ready</b>",
        "message_type": "comment",
        "attachment_ids": [attachment],
        "author_id": [3, "Mitchell Admin"],
    }
    assert stored == {
        "id": attachment,
        "file_size": 5,
        "mimetype": "text/plain",
        "checksum": "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
        "res_model": "project.task",
        "res_id": task,
        "datas": "aGVsbG8=",
    }


def test_plain_body_is_escaped(odoo: odoorpc.ODOO) -> None:
    task = odoo.env["project.task"].browse(odoo.env["project.task"].create({"name": "T"}))

    message = task.message_post(body="a < b", message_type="comment")

    assert read_one(odoo, "mail.message", message, ["body"])["body"] == "a &lt; b"


def test_project_update_sets_project_status(odoo: odoorpc.ODOO) -> None:
    project = odoo.env["project.project"].create({"name": "P"})

    update = odoo.env["project.update"].create(
        {"name": "Week 12", "project_id": project, "status": "at_risk"}
    )

    assert read_one(odoo, "project.project", project, ["last_update_status", "last_update_id"]) == {
        "id": project,
        "last_update_status": "at_risk",
        "last_update_id": [update, "Week 12"],
    }
