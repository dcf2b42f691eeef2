"""The kinds of outbox rows, their payloads, and how each reaches Odoo exactly once.

Every kind knows three things: how to apply its effect (alone, and in a batch when Odoo
allows several records in one call), and how to tell, before a retry, whether an earlier
try already applied it. That check finds a portal reference carried by the Odoo record
or message, because a lost response ("cut" connection, timeout after commit) leaves no
other trace. Payload shapes are TypedDicts; the payload stored in the row is plain JSON.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from django.conf import settings

from portal.odoo.client import OdooClient, OdooRejected


class ChatterPost(TypedDict):
    model: str
    res_id: int
    body: str
    subtype_xmlid: NotRequired[str]


class RecordWrite(TypedDict):
    model: str
    ids: list[int]
    values: dict[str, Any]


class RecordCreate(TypedDict):
    model: str
    values: dict[str, Any]
    ref_field: NotRequired[str]


class MethodCall(TypedDict):
    model: str
    ids: list[int]
    method: str
    args: NotRequired[list[Any]]
    kwargs: NotRequired[dict[str, Any]]


class AttachmentCreate(TypedDict):
    res_model: str
    res_id: int
    name: str
    file_path: str
    mimetype: NotRequired[str]


class InvoiceFromSaleOrder(TypedDict):
    sale_order_id: int
    ref: str


class InvoiceLineValues(TypedDict):
    name: str
    quantity: float | str
    price_unit: float | str
    product_id: NotRequired[int]


class InvoiceDraftMove(TypedDict):
    partner_id: int
    lines: list[InvoiceLineValues]
    ref: str


class ProjectUpdateCreate(TypedDict):
    project_id: int
    name: str
    status: str
    description: NotRequired[str]
    ref: str


class TaskCreate(TypedDict):
    project_id: int
    name: str
    description: NotRequired[str]
    partner_id: NotRequired[int]
    ref: str


@dataclass
class Job:
    """One claimed outbox row, as the delivery code sees it."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    in_doubt: bool = False  # an earlier try may have reached Odoo
    result: Any = None
    # Filled by the kind: what was called, and the records whose write_date the
    # portal caused (webhook echoes of those are ignored).
    odoo_model: str = ""
    odoo_method: str = ""
    touched: list[tuple[str, int]] = field(default_factory=list)


class NotSure(Exception):
    """An earlier try may have applied the effect and this kind cannot check: ask a person."""


@dataclass(frozen=True)
class Kind:
    name: str
    target: Callable[[dict[str, Any]], tuple[str, str]]
    apply_one: Callable[[OdooClient, Job], Any]
    find_existing: Callable[[OdooClient, Job], Any] | None = None
    # Jobs with equal group keys can go to Odoo in one call through apply_many.
    group_key: Callable[[Job], Hashable | None] | None = None
    apply_many: Callable[[OdooClient, list[Job]], list[Any]] | None = None
    # Idempotent kinds can simply run again after a lost response.
    idempotent: bool = False


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise OdooRejected(f"Unknown outbox kind {name!r}", name="portal.UnknownKind") from None


# -- the portal reference -----------------------------------------------------------------

_SAFE_KEY = re.compile(r"^[A-Za-z0-9:._/-]{1,120}$")


def ref_token(key: str) -> str:
    """The text a retry searches for. Plain text, because Odoo's HTML sanitizer drops
    comments and unknown data-* attributes from chatter bodies and html fields."""
    if _SAFE_KEY.match(key):
        return f"portal-ref:{key}"
    return "portal-ref:" + hashlib.sha256(key.encode()).hexdigest()[:24]


def with_marker(body_html: str, key: str) -> str:
    token = html.escape(ref_token(key))
    # Its own small paragraph, labelled, so readers of the chatter can skip it.
    return f'{body_html}<p class="portal-ref"><small>Portal reference: {token}</small></p>'


# -- chatter.post (reference §6.12) -------------------------------------------------------

_note_subtype: dict[str, int] = {}


def _subtype_id(client: OdooClient, xmlid: str) -> int:
    # Looked up once per worker process; xml ids do not move.
    cache_key = f"{client.url}|{xmlid}"
    if cache_key not in _note_subtype:
        module, name = xmlid.split(".", 1)
        _model, rid = client.call("ir.model.data", "check_object_reference", None, module, name)
        _note_subtype[cache_key] = int(rid)
    return _note_subtype[cache_key]


def _chatter_find(client: OdooClient, job: Job) -> Any:
    p = job.payload
    found = client.search(
        "mail.message",
        [
            ["model", "=", p["model"]],
            ["res_id", "=", p["res_id"]],
            ["body", "ilike", ref_token(job.key)],
        ],
        limit=1,
    )
    return {"message_id": found[0]} if found else None


def _chatter_one(client: OdooClient, job: Job) -> Any:
    p = job.payload
    result = client.call(
        p["model"],
        "message_post",
        [p["res_id"]],
        body=with_marker(p["body"], job.key),
        body_is_html=True,
        message_type="comment",
        subtype_xmlid=p.get("subtype_xmlid") or "mail.mt_note",
    )
    # Odoo 17 returns the id; some versions and proxies answer [id] (reference §6.12).
    return {"message_id": result[0] if isinstance(result, list) else result}


def _chatter_group(job: Job) -> Hashable | None:
    # Internal notes notify nobody, so creating the messages directly is what
    # message_post would do; comments notify followers and go through message_post.
    return (
        "note" if (job.payload.get("subtype_xmlid") or "mail.mt_note") == "mail.mt_note" else None
    )


def _chatter_many(client: OdooClient, jobs: list[Job]) -> list[Any]:
    subtype = _subtype_id(client, "mail.mt_note")
    vals = [
        {
            "model": j.payload["model"],
            "res_id": j.payload["res_id"],
            "body": with_marker(j.payload["body"], j.key),
            "message_type": "comment",
            "subtype_id": subtype,
            "is_internal": True,
        }
        for j in jobs
    ]
    ids = client.create_many("mail.message", vals)
    return [{"message_id": i} for i in ids]


register(
    Kind(
        "chatter.post",
        target=lambda p: (p["model"], "message_post"),
        apply_one=_chatter_one,
        find_existing=_chatter_find,
        group_key=_chatter_group,
        apply_many=_chatter_many,
    )
)


# -- record.write -------------------------------------------------------------------------


def _write_one(client: OdooClient, job: Job) -> Any:
    p = job.payload
    client.write(p["model"], p["ids"], odoo_values(p["values"]))
    job.touched = [(p["model"], i) for i in p["ids"]]
    return {"ids": p["ids"]}


def _write_group(job: Job) -> Hashable | None:
    p = job.payload
    return (p["model"], json.dumps(p["values"], sort_keys=True, default=str))


def _write_many(client: OdooClient, jobs: list[Job]) -> list[Any]:
    model = jobs[0].payload["model"]
    ids = sorted({i for j in jobs for i in j.payload["ids"]})
    client.write(model, ids, odoo_values(jobs[0].payload["values"]))
    for j in jobs:
        j.touched = [(model, i) for i in j.payload["ids"]]
    return [{"ids": j.payload["ids"]} for j in jobs]


register(
    Kind(
        "record.write",
        target=lambda p: (p["model"], "write"),
        apply_one=_write_one,
        group_key=_write_group,
        apply_many=_write_many,
        idempotent=True,  # full intended values: writing them twice changes nothing
    )
)


# -- record.create and the creates that carry a reference -------------------------------


def _create_find(client: OdooClient, job: Job) -> Any:
    p = job.payload
    ref_field = p.get("ref_field")
    if not ref_field:
        raise NotSure(
            "An earlier try may have created this record and the payload names no "
            "ref_field to check; look in Odoo, then retry or resolve."
        )
    found = client.search(p["model"], [[ref_field, "=", p["values"][ref_field]]], limit=1)
    if found:
        job.touched = [(p["model"], found[0])]
        return {"id": found[0]}
    return None


def _create_one(client: OdooClient, job: Job) -> Any:
    p = job.payload
    new_id = client.create(p["model"], odoo_values(p["values"]))
    job.touched = [(p["model"], new_id)]
    return {"id": new_id}


def _create_many(client: OdooClient, jobs: list[Job]) -> list[Any]:
    model = jobs[0].payload["model"]
    ids = client.create_many(model, [odoo_values(j.payload["values"]) for j in jobs])
    for j, i in zip(jobs, ids, strict=True):
        j.touched = [(model, i)]
    return [{"id": i} for i in ids]


register(
    Kind(
        "record.create",
        target=lambda p: (p["model"], "create"),
        apply_one=_create_one,
        find_existing=_create_find,
        group_key=lambda j: j.payload["model"],
        apply_many=_create_many,
    )
)


def _marked_create(
    name: str, model: str, values: Callable[[Job], dict[str, Any]], marker_field: str
) -> Kind:
    """A create whose record carries the portal reference in an html/text field."""

    def find(client: OdooClient, job: Job) -> Any:
        found = client.search(model, [[marker_field, "ilike", ref_token(job.key)]], limit=1)
        return {"id": found[0]} if found else None

    def one(client: OdooClient, job: Job) -> Any:
        new_id = client.create(model, values(job))
        job.touched = [(model, new_id)]
        return {"id": new_id}

    def many(client: OdooClient, jobs: list[Job]) -> list[Any]:
        ids = client.create_many(model, [values(j) for j in jobs])
        for j, i in zip(jobs, ids, strict=True):
            j.touched = [(model, i)]
        return [{"id": i} for i in ids]

    return Kind(
        name,
        target=lambda p: (model, "create"),
        apply_one=one,
        find_existing=find,
        group_key=lambda j: model,
        apply_many=many,
    )


def _task_values(job: Job) -> dict[str, Any]:
    p = job.payload
    vals: dict[str, Any] = {
        "project_id": p["project_id"],
        "name": p["name"],
        "description": with_marker(p.get("description") or "", job.key),
    }
    if p.get("partner_id"):
        vals["partner_id"] = p["partner_id"]
    return vals


def _update_values(job: Job) -> dict[str, Any]:
    p = job.payload
    return {
        "project_id": p["project_id"],
        "name": p["name"],
        "status": p["status"],
        "description": with_marker(p.get("description") or "", job.key),
    }


for _name, _model, _values in (
    ("task.create", "project.task", _task_values),
    ("project_update.create", "project.update", _update_values),
):
    register(_marked_create(_name, _model, _values, "description"))


# -- attachment.create (reference §6.13) --------------------------------------------------


def _attachment_values(job: Job) -> dict[str, Any]:
    p = job.payload
    root = Path(settings.PRIVATE_FILES_ROOT).resolve()
    path = (root / p["file_path"]).resolve()
    if not path.is_relative_to(root):
        raise OdooRejected(f"{p['file_path']} is outside the private files folder.", name="portal")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OdooRejected(f"The file {p['file_path']} no longer exists.", name="portal") from None
    vals = {
        "name": p["name"],
        "datas": base64.b64encode(data).decode(),
        "res_model": p["res_model"],
        "res_id": p["res_id"],
        "description": ref_token(job.key),
    }
    if p.get("mimetype"):
        vals["mimetype"] = p["mimetype"]
    return vals


def _attachment_find(client: OdooClient, job: Job) -> Any:
    p = job.payload
    found = client.search(
        "ir.attachment",
        [
            ["res_model", "=", p["res_model"]],
            ["res_id", "=", p["res_id"]],
            ["description", "=", ref_token(job.key)],
        ],
        limit=1,
    )
    return {"id": found[0]} if found else None


def _attachment_one(client: OdooClient, job: Job) -> Any:
    return {"id": client.create("ir.attachment", _attachment_values(job))}


def _attachment_many(client: OdooClient, jobs: list[Job]) -> list[Any]:
    ids = client.create_many("ir.attachment", [_attachment_values(j) for j in jobs])
    return [{"id": i} for i in ids]


register(
    Kind(
        "attachment.create",
        target=lambda p: ("ir.attachment", "create"),
        apply_one=_attachment_one,
        find_existing=_attachment_find,
        group_key=lambda j: "ir.attachment",
        apply_many=_attachment_many,
    )
)


# -- method.call --------------------------------------------------------------------------


def _method_one(client: OdooClient, job: Job) -> Any:
    p = job.payload
    result = client.call(
        p["model"], p["method"], p["ids"], *p.get("args", []), **p.get("kwargs", {})
    )
    job.touched = [(p["model"], i) for i in p["ids"]]
    return {"returned": result if isinstance(result, (bool, int, str, list)) else None}


register(
    Kind(
        "method.call",
        target=lambda p: (p["model"], p["method"]),
        apply_one=_method_one,
        idempotent=True,  # only idempotent public methods may be enqueued (contract)
    )
)


# -- invoices (reference §6.11, §7.3) -----------------------------------------------------


def _moves_with_ref(client: OdooClient, ref: str) -> list[int]:
    return client.search("account.move", [["ref", "=", ref], ["move_type", "=", "out_invoice"]])


def _invoice_ids(client: OdooClient, order_id: int) -> list[int]:
    rows = client.read("sale.order", [order_id], ["invoice_ids"])
    if not rows:
        raise OdooRejected(
            f"Sale order {order_id} does not exist.", name="odoo.exceptions.MissingError"
        )
    return list(rows[0].get("invoice_ids") or [])


def _so_invoice_find(client: OdooClient, job: Job) -> Any:
    """An invoice this row made: by its ref, or one the order gained since the first try."""
    ref = job.payload["ref"]
    found = _moves_with_ref(client, ref)
    if found:
        return {"invoice_id": found[0]}
    before = set((job.result or {}).get("invoice_ids_before") or [])
    if (job.result or {}).get("invoice_ids_before") is None:
        return None
    made = sorted(set(_invoice_ids(client, job.payload["sale_order_id"])) - before)
    if made:
        # The wizard ran but its answer (or our ref write) was lost: claim that draft.
        client.write("account.move", made, {"ref": ref})
        return {"invoice_id": made[0]}
    return None


def _so_invoice_one(client: OdooClient, job: Job) -> Any:
    order_id = job.payload["sale_order_id"]
    before = (job.result or {}).get("invoice_ids_before")
    if before is None:
        before = _invoice_ids(client, order_id)
        job.result = {"invoice_ids_before": before}
        # Persisted before the wizard runs, so a retry can recognise the draft it made.
        from portal.odoo.delivery import remember_result

        remember_result(job)
    context = {"active_model": "sale.order", "active_ids": [order_id], "active_id": order_id}
    wizard = client.create(
        "sale.advance.payment.inv", {"advance_payment_method": "delivered"}, context=context
    )
    try:
        client.call("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
    except OdooRejected:
        # "Nothing to invoice" after an earlier try that made the draft is success.
        existing = _so_invoice_find(client, job)
        if existing:
            return {**existing, "invoice_ids_before": before}
        raise
    made = sorted(set(_invoice_ids(client, order_id)) - set(before))
    if not made:
        raise OdooRejected(
            f"The invoice wizard made no invoice for sale order {order_id}.",
            name="odoo.exceptions.UserError",
        )
    client.write("account.move", made, {"ref": job.payload["ref"]})
    job.touched = [("account.move", i) for i in made]
    return {"invoice_id": made[0], "invoice_ids_before": before}


register(
    Kind(
        "invoice.draft_from_sale_order",
        target=lambda p: ("sale.advance.payment.inv", "create_invoices"),
        apply_one=_so_invoice_one,
        find_existing=_so_invoice_find,
    )
)


def _line_values(line: dict[str, Any]) -> dict[str, Any]:
    vals = {
        "name": line["name"],
        "quantity": float(line["quantity"]),
        "price_unit": float(line["price_unit"]),
    }
    if line.get("product_id"):
        vals["product_id"] = line["product_id"]
    return vals


def line_commands(existing: list[int], wanted: list[dict[str, Any]]) -> list[list[Any]]:
    """x2many commands that turn `existing` lines into `wanted` (C02): update in place
    with (1, id, vals), create only the extra ones with (0, 0, vals), delete the surplus
    with (2, id, 0). Never a bare id list, and never a second copy of the same lines."""
    commands: list[list[Any]] = []
    for line_id, vals in zip(existing, wanted, strict=False):
        commands.append([1, line_id, _line_values(dict(vals))])
    for vals in wanted[len(existing) :]:
        commands.append([0, 0, _line_values(dict(vals))])
    for line_id in existing[len(wanted) :]:
        commands.append([2, line_id, 0])
    return commands


def _draft_move_one(client: OdooClient, job: Job) -> Any:
    p = job.payload
    found = _moves_with_ref(client, p["ref"])
    if found:
        # The same portal invoice synced again: bring the draft's lines up to date.
        move = client.read("account.move", found[:1], ["state", "invoice_line_ids"])[0]
        if move.get("state") != "draft":
            return {"invoice_id": found[0], "note": "already posted; lines left unchanged"}
        commands = line_commands(list(move.get("invoice_line_ids") or []), p["lines"])
        client.write("account.move", found[:1], {"invoice_line_ids": commands})
        job.touched = [("account.move", found[0])]
        return {"invoice_id": found[0]}
    new_id = client.create(
        "account.move",
        {
            "move_type": "out_invoice",
            "partner_id": p["partner_id"],
            "ref": p["ref"],
            "invoice_line_ids": [[0, 0, _line_values(dict(line))] for line in p["lines"]],
        },
    )
    job.touched = [("account.move", new_id)]
    return {"invoice_id": new_id}


register(
    Kind(
        "invoice.draft_move",
        target=lambda p: ("account.move", "create"),
        apply_one=_draft_move_one,
        # The create itself looks up the ref first, so a retry updates instead of duplicating.
        idempotent=True,
    )
)


def validate(kind: str, payload: dict[str, Any]) -> None:
    """Refuse payloads Odoo would misread (C02): x2many values must be command lists."""
    values = payload.get("values")
    if not isinstance(values, dict):
        if kind in ("record.write", "record.create"):
            raise ValueError(f"{kind} needs a 'values' object.")
        return
    for name, value in values.items():
        if isinstance(value, list) and any(not isinstance(c, (list, tuple)) for c in value):
            raise ValueError(
                f"{name}: x2many values must be command lists such as [[6, 0, [5, 7]]] or "
                "[[4, 7]], never a bare id list."
            )


def odoo_values(values: dict[str, Any]) -> dict[str, Any]:
    """None means "empty" in Python; Odoo wants False (C03)."""
    return {k: (False if v is None else v) for k, v in values.items()}


def odoo_model_of(payload: dict[str, Any]) -> str:
    """The Odoo model a payload touches, for the operators' filter."""
    for key in ("model", "res_model"):
        if isinstance(payload.get(key), str):
            return str(payload[key])
    if "sale_order_id" in payload:
        return "sale.order"
    if "lines" in payload:
        return "account.move"
    if "status" in payload and "project_id" in payload:
        return "project.update"
    if "project_id" in payload:
        return "project.task"
    return ""
