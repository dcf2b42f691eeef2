"""Computed fields, evaluated on read so they are never stale (reference §6, §7.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from odoo_sandbox import schema

if TYPE_CHECKING:
    from odoo_sandbox.store import Record, Store

Compute = Callable[["Store", "Record"], Any]
COMPUTES: dict[tuple[str, str], Compute] = {}
F = TypeVar("F", bound=Compute)

# Stored fields whose value is computed for some records (qty_delivered is settable only on
# manual lines; milestone and timesheet lines derive it, reference §7.2).
DERIVED = frozenset({("sale.order.line", "qty_delivered")})


def compute(store: Store, model: str, rec: Record, name: str) -> Any:
    fn = COMPUTES.get((model, name))
    if fn is not None:
        return fn(store, rec)
    if name == "display_name":
        return display_name(store, model, rec)
    return schema.field(model, name).empty()


def register(model: str, *names: str) -> Callable[[F], F]:
    def deco(fn: F) -> F:
        for name in names:
            COMPUTES[(model, name)] = fn
        return fn

    return deco


def rnd(value: Any, digits: int) -> float:
    """Round a float the way the fields' digits would (and keep mypy's float)."""
    return round(float(value), digits)


def _get(store: Store, model: str, rid: Any) -> Record | None:
    return store.records[model].get(rid) if rid else None


def _sum(store: Store, model: str, ids: list[int], name: str) -> float:
    return rnd(sum(store.value(model, store.records[model][i], name) for i in ids), 6)


def company_currency(store: Store, company_id: Any) -> int | bool:
    company = _get(store, "res.company", company_id or store.main_company_id())
    return company.get("currency_id", False) if company else False


# -- display names -----------------------------------------------------------------------


def display_name(store: Store, model: str, rec: Record) -> Any:
    special = _DISPLAY.get(model)
    if special is not None:
        return special(store, rec)
    rec_name = schema.rec_name(model)
    value = rec.get(rec_name) if rec_name else None
    return value if value else f"{model},{rec['id']}"


def _partner_name(store: Store, rec: Record) -> str:
    name = rec.get("name") or ""
    parent = _get(store, "res.partner", rec.get("parent_id"))
    if parent and not rec.get("is_company"):
        return f"{parent.get('name') or ''}, {name}" if name else str(parent.get("name") or "")
    return str(name)


def _product_name(store: Store, rec: Record) -> str:
    code = rec.get("default_code")
    return f"[{code}] {rec['name']}" if code else str(rec["name"])


def _sol_name(store: Store, rec: Record) -> str:
    order = _get(store, "sale.order", rec.get("order_id"))
    first = str(rec.get("name") or "").split("\n")[0]
    return f"{order['name']} - {first}" if order else first


def _move_name(store: Store, rec: Record) -> str:
    if rec.get("name") and rec["name"] != "/":
        return str(rec["name"])
    return f"Draft Invoice (* {rec['id']})" if rec.get("move_type") == "out_invoice" else "/"


def _tree_name(model: str) -> Callable[[Store, Record], str]:
    def name(store: Store, rec: Record) -> str:
        parts: list[str] = []
        seen: set[int] = set()
        cur: Record | None = rec
        while cur and cur["id"] not in seen:
            seen.add(cur["id"])
            parts.append(str(cur.get("name") or ""))
            cur = _get(store, model, cur.get("parent_id"))
        return " / ".join(reversed(parts))

    return name


_DISPLAY: dict[str, Callable[[Store, Record], Any]] = {
    "res.partner": _partner_name,
    "product.product": _product_name,
    "sale.order.line": _sol_name,
    "account.move": _move_name,
    "hr.department": _tree_name("hr.department"),
    "product.category": _tree_name("product.category"),
    "ir.model.data": lambda s, r: f"{r.get('module')}.{r.get('name')}",
    "mail.message": lambda s, r: r.get("subject") or r.get("record_name") or "",
    "account.move.line": lambda s, r: r.get("name") or "",
}

register("hr.department", "complete_name")(_tree_name("hr.department"))
register("product.category", "complete_name")(_tree_name("product.category"))
register("ir.model.data", "complete_name")(_DISPLAY["ir.model.data"])
register("res.groups", "full_name")(lambda s, r: r.get("name") or "")


@register("res.partner", "company_type")
def _company_type(store: Store, rec: Record) -> str:
    return "company" if rec.get("is_company") else "person"


@register("res.partner", "commercial_partner_id")
def _commercial_partner(store: Store, rec: Record) -> int:
    cur, seen = rec, set()
    while not cur.get("is_company") and cur.get("parent_id") and cur["id"] not in seen:
        seen.add(cur["id"])
        parent = _get(store, "res.partner", cur["parent_id"])
        if parent is None:
            break
        cur = parent
    return int(cur["id"])


for _model in ("hr.employee", "account.analytic.account", "project.project"):
    register(_model, "currency_id")(lambda s, r: company_currency(s, r.get("company_id")))
register("account.analytic.line", "currency_id")(
    lambda s, r: company_currency(s, r.get("company_id"))
)


@register("account.analytic.account", "balance")
def _analytic_balance(store: Store, rec: Record) -> float:
    ids = store.children("account.analytic.line", "account_id", rec["id"])
    return _sum(store, "account.analytic.line", ids, "amount")


@register("mail.activity", "res_name")
def _activity_res_name(store: Store, rec: Record) -> Any:
    target = (
        _get(store, rec["res_model"], rec.get("res_id"))
        if rec.get("res_model") in (store.records)
        else None
    )
    return display_name(store, rec["res_model"], target) if target else False


@register("mail.activity", "state")
def _activity_state(store: Store, rec: Record) -> str:
    deadline, today = rec.get("date_deadline") or store.today(), store.today()
    return "overdue" if deadline < today else "today" if deadline == today else "planned"


# -- project and timesheets (hr_timesheet, reference §6.7-6.10) ---------------------------


@register("project.project", "task_count")
def _project_task_count(store: Store, rec: Record) -> int:
    return len(store.children("project.task", "project_id", rec["id"]))


@register("project.project", "effective_hours")
def _project_effective(store: Store, rec: Record) -> float:
    ids = store.children("account.analytic.line", "project_id", rec["id"])
    return _sum(store, "account.analytic.line", ids, "unit_amount")


@register("project.project", "remaining_hours")
def _project_remaining(store: Store, rec: Record) -> float:
    return rnd(rec.get("allocated_hours", 0.0) - _project_effective(store, rec), 6)


@register("project.task", "effective_hours")
def _task_effective(store: Store, rec: Record) -> float:
    ids = store.children("account.analytic.line", "task_id", rec["id"])
    return _sum(store, "account.analytic.line", ids, "unit_amount")


@register("project.task", "subtask_effective_hours")
def _task_subtask_effective(store: Store, rec: Record) -> float:
    total = 0.0
    for child in store.children("project.task", "parent_id", rec["id"]):
        child_rec = store.records["project.task"][child]
        total += _task_effective(store, child_rec) + _task_subtask_effective(store, child_rec)
    return rnd(total, 6)


@register("project.task", "total_hours_spent")
def _task_total(store: Store, rec: Record) -> float:
    return rnd(_task_effective(store, rec) + _task_subtask_effective(store, rec), 6)


@register("project.task", "remaining_hours")
def _task_remaining(store: Store, rec: Record) -> float:
    return rnd(rec.get("allocated_hours", 0.0) - _task_total(store, rec), 6)


@register("project.task", "progress")
def _task_progress(store: Store, rec: Record) -> float:
    # 17+: a ratio of allocated time (shown as a percentage), 0 without allocation [M].
    allocated = rec.get("allocated_hours", 0.0)
    return rnd(_task_total(store, rec) / allocated, 4) if allocated > 0 else 0.0


@register("project.task", "is_closed")
def _task_closed(store: Store, rec: Record) -> bool:
    return rec.get("state") in ("1_done", "1_canceled")


def _project_flag(flag: str) -> Compute:
    def fn(store: Store, rec: Record) -> bool:
        project = _get(store, "project.project", rec.get("project_id"))
        return bool(project and project.get(flag))

    return fn


register("project.task", "allow_milestones")(_project_flag("allow_milestones"))
register("project.task", "allow_timesheets")(_project_flag("allow_timesheets"))
register("project.milestone", "allow_billable")(_project_flag("allow_billable"))


@register("project.milestone", "task_count")
def _milestone_task_count(store: Store, rec: Record) -> int:
    return len(store.children("project.task", "milestone_id", rec["id"]))


@register("project.milestone", "is_deadline_exceeded")
def _milestone_exceeded(store: Store, rec: Record) -> bool:
    return bool(
        not rec.get("is_reached") and rec.get("deadline") and rec["deadline"] < store.today()
    )


@register("project.milestone", "product_uom_qty")
def _milestone_qty(store: Store, rec: Record) -> float:
    line = _get(store, "sale.order.line", rec.get("sale_line_id"))
    return rnd(rec.get("quantity_percentage", 0.0) * line["product_uom_qty"], 6) if line else 0.0


@register("project.milestone", "project_partner_id")
def _milestone_partner(store: Store, rec: Record) -> Any:
    project = _get(store, "project.project", rec.get("project_id"))
    return project.get("partner_id", False) if project else False


@register("account.analytic.line", "order_id")
def _aal_order(store: Store, rec: Record) -> Any:
    line = _get(store, "sale.order.line", rec.get("so_line"))
    return line["order_id"] if line else False


def day_of(stamp: str) -> dt.date:
    return dt.date.fromisoformat(stamp[:10])


from odoo_sandbox import computes_sale  # noqa: E402,F401  (registers the sale computes)
