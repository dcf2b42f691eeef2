"""Computed fields of sale orders, their lines and invoices (reference §6.5, §6.6, §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from odoo_sandbox.computes import _get, company_currency, register, rnd

if TYPE_CHECKING:
    from odoo_sandbox.store import Record, Store

SOL = "sale.order.line"
AML = "account.move.line"


def _lines(store: Store, order: Record) -> list[Record]:
    table = store.records[SOL]
    return [table[i] for i in store.children(SOL, "order_id", order["id"])]


def _product(store: Store, line: Record) -> Record | None:
    return _get(store, "product.product", line.get("product_id"))


def _tax_rate(store: Store, tax_ids: list[int]) -> float:
    # Known limitation: only percent taxes, price-exclusive (acceptable for a test double).
    table = store.records["account.tax"]
    return sum(
        float(table[t].get("amount", 0.0))
        for t in tax_ids
        if t in table and table[t]["amount_type"] == "percent"
    )


def _subtotal(qty: float, price: float, discount: float) -> float:
    return rnd(qty * price * (1 - (discount or 0.0) / 100.0), 2)


# -- sale.order.line -----------------------------------------------------------------------


@register(SOL, "price_subtotal")
def sol_subtotal(store: Store, line: Record) -> float:
    if line.get("display_type"):
        return 0.0
    return _subtotal(
        line["product_uom_qty"], line.get("price_unit", 0.0), line.get("discount", 0.0)
    )


@register(SOL, "price_tax")
def sol_tax(store: Store, line: Record) -> float:
    return rnd(sol_subtotal(store, line) * _tax_rate(store, line.get("tax_id", [])) / 100, 2)


@register(SOL, "price_total")
def sol_total(store: Store, line: Record) -> float:
    return rnd(sol_subtotal(store, line) + sol_tax(store, line), 2)


def _order_of(store: Store, line: Record) -> Record | None:
    return _get(store, "sale.order", line.get("order_id"))


register(SOL, "state")(lambda s, r: (_order_of(s, r) or {}).get("state", False))
register(SOL, "company_id")(lambda s, r: (_order_of(s, r) or {}).get("company_id", False))
register(SOL, "order_partner_id")(lambda s, r: (_order_of(s, r) or {}).get("partner_id", False))
register(SOL, "salesman_id")(lambda s, r: (_order_of(s, r) or {}).get("user_id", False))
register(SOL, "currency_id")(lambda s, r: order_currency(s, _order_of(s, r) or {}))


@register(SOL, "is_service")
def sol_is_service(store: Store, line: Record) -> bool:
    product = _product(store, line)
    return bool(product and product.get("type") == "service")


@register(SOL, "qty_delivered_method")
def sol_delivered_method(store: Store, line: Record) -> str:
    product = _product(store, line)
    if product and product.get("type") == "service":
        if product.get("service_type") == "milestones":
            return "milestones"
        if product.get("service_type") == "timesheet":
            return "timesheet"
    return "manual"


@register(SOL, "qty_delivered")
def sol_delivered(store: Store, line: Record) -> float:
    method = sol_delivered_method(store, line)
    if method == "milestones":
        # Σ quantity_percentage of reached milestones x ordered qty (reference §7.2).
        table = store.records["project.milestone"]
        share = sum(
            table[m].get("quantity_percentage", 0.0)
            for m in store.children("project.milestone", "sale_line_id", line["id"])
            if table[m].get("is_reached")
        )
        return rnd(share * line["product_uom_qty"], 6)
    if method == "timesheet":
        table = store.records["account.analytic.line"]
        ids = store.children("account.analytic.line", "so_line", line["id"])
        return rnd(
            sum(table[i].get("unit_amount", 0.0) for i in ids if table[i].get("project_id")), 6
        )
    return float(line.get("qty_delivered", 0.0))


@register(SOL, "invoice_lines")
def sol_invoice_lines(store: Store, line: Record) -> list[int]:
    return sorted(
        aml_id
        for aml_id, aml in store.records[AML].items()
        if line["id"] in aml.get("sale_line_ids", [])
    )


@register(SOL, "qty_invoiced")
def sol_invoiced(store: Store, line: Record) -> float:
    total = 0.0
    for aml_id in sol_invoice_lines(store, line):
        aml = store.records[AML][aml_id]
        move = _get(store, "account.move", aml.get("move_id"))
        if not move or move.get("state") == "cancel":
            continue
        sign = -1.0 if move.get("move_type") == "out_refund" else 1.0
        total += sign * aml.get("quantity", 0.0)
    return rnd(total, 6)


def invoice_policy(store: Store, line: Record) -> str:
    product = _product(store, line)
    return str(product.get("invoice_policy") or "order") if product else "order"


@register(SOL, "qty_to_invoice")
def sol_to_invoice(store: Store, line: Record) -> float:
    order = _order_of(store, line)
    if line.get("display_type") or not order or order.get("state") != "sale":
        return 0.0
    basis = (
        line["product_uom_qty"]
        if invoice_policy(store, line) == "order"
        else sol_delivered(store, line)
    )
    return rnd(basis - sol_invoiced(store, line), 6)


@register(SOL, "invoice_status")
def sol_invoice_status(store: Store, line: Record) -> str:
    order = _order_of(store, line)
    if line.get("display_type") or not order or order.get("state") != "sale":
        return "no"
    if abs(sol_to_invoice(store, line)) > 1e-6:
        return "to invoice"
    ordered = line["product_uom_qty"]
    if invoice_policy(store, line) == "order" and sol_delivered(store, line) > ordered:
        return "upselling"
    return "invoiced" if sol_invoiced(store, line) >= ordered else "no"


# -- sale.order ----------------------------------------------------------------------------


def order_currency(store: Store, order: Record) -> Any:
    pricelist = _get(store, "product.pricelist", order.get("pricelist_id"))
    if pricelist and pricelist.get("currency_id"):
        return pricelist["currency_id"]
    return company_currency(store, order.get("company_id"))


register("sale.order", "currency_id")(order_currency)


@register("sale.order", "amount_untaxed")
def so_untaxed(store: Store, order: Record) -> float:
    return rnd(sum(sol_subtotal(store, ln) for ln in _lines(store, order)), 2)


@register("sale.order", "amount_tax")
def so_tax(store: Store, order: Record) -> float:
    return rnd(sum(sol_tax(store, ln) for ln in _lines(store, order)), 2)


@register("sale.order", "amount_total")
def so_total(store: Store, order: Record) -> float:
    return rnd(so_untaxed(store, order) + so_tax(store, order), 2)


@register("sale.order", "invoice_status")
def so_invoice_status(store: Store, order: Record) -> str:
    if order.get("state") != "sale":
        return "no"
    statuses = {
        sol_invoice_status(store, ln) for ln in _lines(store, order) if not ln.get("display_type")
    }
    if "to invoice" in statuses:
        return "to invoice"
    if statuses and statuses <= {"invoiced"}:
        return "invoiced"
    if statuses and statuses <= {"invoiced", "upselling"}:
        return "upselling"
    return "no"


@register("sale.order", "invoice_ids")
def so_invoices(store: Store, order: Record) -> list[int]:
    moves: set[int] = set()
    for line in _lines(store, order):
        for aml_id in sol_invoice_lines(store, line):
            moves.add(store.records[AML][aml_id]["move_id"])
    return sorted(moves)


register("sale.order", "invoice_count")(lambda s, r: len(so_invoices(s, r)))


@register("sale.order", "project_ids")
def so_projects(store: Store, order: Record) -> list[int]:
    ids = {ln["project_id"] for ln in _lines(store, order) if ln.get("project_id")}
    ids |= set(store.children("project.project", "sale_order_id", order["id"]))
    if order.get("project_id"):
        ids.add(order["project_id"])
    return sorted(ids)


register("sale.order", "project_count")(lambda s, r: len(so_projects(s, r)))


@register("sale.order", "tasks_ids")
def so_tasks(store: Store, order: Record) -> list[int]:
    return store.children("project.task", "sale_order_id", order["id"])


register("sale.order", "tasks_count")(lambda s, r: len(so_tasks(s, r)))


@register("sale.order", "milestone_count")
def so_milestones(store: Store, order: Record) -> int:
    return sum(
        len(store.children("project.milestone", "sale_line_id", ln["id"]))
        for ln in _lines(store, order)
    )


# -- account.move and its lines ------------------------------------------------------------


@register(AML, "price_subtotal")
def aml_subtotal(store: Store, line: Record) -> float:
    if line.get("display_type") in ("line_section", "line_note"):
        return 0.0
    return _subtotal(
        line.get("quantity", 0.0), line.get("price_unit", 0.0), line.get("discount", 0.0)
    )


@register(AML, "price_total")
def aml_total(store: Store, line: Record) -> float:
    subtotal = aml_subtotal(store, line)
    return rnd(subtotal * (1 + _tax_rate(store, line.get("tax_ids", [])) / 100), 2)


def _move_of(store: Store, line: Record) -> Record:
    return _get(store, "account.move", line.get("move_id")) or {}


register(AML, "currency_id")(lambda s, r: _move_of(s, r).get("currency_id", False))
register(AML, "parent_state")(lambda s, r: _move_of(s, r).get("state", False))


def _move_lines(store: Store, move: Record) -> list[Record]:
    table = store.records[AML]
    return [table[i] for i in store.children(AML, "move_id", move["id"])]


@register("account.move", "amount_untaxed")
def move_untaxed(store: Store, move: Record) -> float:
    return rnd(sum(aml_subtotal(store, ln) for ln in _move_lines(store, move)), 2)


@register("account.move", "amount_total")
def move_total(store: Store, move: Record) -> float:
    return rnd(sum(aml_total(store, ln) for ln in _move_lines(store, move)), 2)


@register("account.move", "amount_tax")
def move_tax(store: Store, move: Record) -> float:
    return rnd(move_total(store, move) - move_untaxed(store, move), 2)


@register("account.move", "amount_residual")
def move_residual(store: Store, move: Record) -> float:
    # Known limitation: payments are not simulated; only a paid/reversed state clears it.
    paid = move.get("payment_state") in ("paid", "reversed")
    return 0.0 if move.get("state") == "posted" and paid else move_total(store, move)
