"""The sandbox's models and fields, with per-version renames applied at the wire edge.

Canonical names everywhere inside the sandbox are Odoo 18.0's; `to_wire_name` and
`from_wire_name` translate for 17.0 and 19.0 (reference §0 item 10, §5.2 of DESIGN.md).
"""

from __future__ import annotations

from functools import cache

from odoo_sandbox.fields import Field, char, computed, datetime, integer, m2o, sel
from odoo_sandbox.schema_base import BASE_MODELS
from odoo_sandbox.schema_business import BUSINESS_MODELS
from odoo_sandbox.schema_tech import TECH_MODELS

VERSIONS = ("17.0", "18.0", "19.0")
DEFAULT_VERSION = "18.0"

MAGIC_FIELDS: dict[str, Field] = {
    "id": integer("ID", readonly=True),
    "display_name": computed(char("Display Name")),
    "create_date": datetime("Created on", readonly=True),
    "write_date": datetime("Last Updated on", readonly=True),
    "create_uid": m2o("res.users", "Created by", readonly=True),
    "write_uid": m2o("res.users", "Last Updated by", readonly=True),
}

# Models whose records have a chatter (mail.thread): message_post works on them (§6.12).
MAIL_THREAD = frozenset(
    {
        "project.project",
        "project.task",
        "project.milestone",
        "project.update",
        "sale.order",
        "account.move",
        "res.partner",
        "hr.employee",
        "res.users",
        "account.analytic.account",
    }
)

# Models whose records live only for the duration of a wizard (not listed in searches).
TRANSIENT = frozenset({"sale.advance.payment.inv"})

# Odoo's `_parent_name` (used by child_of / parent_of, reference §9.3 of the brief).
PARENT_FIELD: dict[str, str] = {
    "res.partner": "parent_id",
    "res.company": "parent_id",
    "project.task": "parent_id",
    "hr.department": "parent_id",
    "hr.employee": "parent_id",
    "product.category": "parent_id",
    "res.partner.category": "parent_id",
    "account.analytic.plan": "parent_id",
    "mail.message": "parent_id",
}

# Odoo's `_rec_name` when it is not `name`.
REC_NAME: dict[str, str] = {
    "res.users.apikeys": "name",
    "mail.message": "subject",
    "mail.activity": "summary",
    "ir.model": "name",
    "ir.model.data": "name",
    "res.currency.rate": "name",
}

MODELS: dict[str, dict[str, Field]] = {
    name: {**fields, **MAGIC_FIELDS}
    for name, fields in {**BASE_MODELS, **TECH_MODELS, **BUSINESS_MODELS}.items()
}

# Version deltas: canonical (18.0) name -> wire name, and fields a version lacks.
RENAMES: dict[str, dict[str, dict[str, str]]] = {
    "17.0": {
        "project.project": {"account_id": "analytic_account_id"},
        "sale.order": {"project_account_id": "analytic_account_id"},
    },
    "18.0": {},
    "19.0": {
        "sale.order.line": {"product_uom": "product_uom_id", "tax_id": "tax_ids"},
        "res.users": {"groups_id": "group_ids"},
    },
}
REMOVED: dict[str, dict[str, frozenset[str]]] = {
    "17.0": {},
    "18.0": {},
    "19.0": {"res.partner": frozenset({"mobile", "title"})},
}
# 17.0's privacy_visibility lacks `invited_users` (reference §6.7).
PRIVACY_17 = sel(
    "followers",
    "Invited internal users",
    "employees",
    "All internal users",
    "portal",
    "Invited portal users and all internal users",
)


def has_model(model: str) -> bool:
    return model in MODELS


def has_field(model: str, field: str) -> bool:
    """Whether `field` (canonical name) exists on `model` in the canonical schema."""
    return field in MODELS.get(model, {})


def model_fields(model: str) -> dict[str, Field]:
    """Canonical fields of a model (KeyError for an unknown model, as Odoo's registry)."""
    return MODELS[model]


def field(model: str, name: str) -> Field:
    return MODELS[model][name]


def exists_in(model: str, name: str, version: str) -> bool:
    """Whether the canonical field `name` exists in `version`."""
    return name in MODELS.get(model, {}) and name not in REMOVED[version].get(model, frozenset())


def to_wire_name(model: str, name: str, version: str) -> str:
    """Return the name a `version` server uses for the canonical field `name`."""
    return RENAMES[version].get(model, {}).get(name, name)


@cache
def _reverse(version: str, model: str) -> dict[str, str]:
    return {wire: canon for canon, wire in RENAMES[version].get(model, {}).items()}


def from_wire_name(model: str, name: str, version: str) -> str:
    """Return the canonical name of the field a `version` client calls `name`.

    A canonical name that the version renamed (e.g. `account_id` on 17.0) is returned
    unchanged; callers decide it does not exist via `wire_field_exists`.
    """
    return _reverse(version, model).get(name, name)


def wire_field_exists(model: str, wire_name: str, version: str) -> bool:
    """Whether a client of `version` may use `wire_name` on `model`."""
    canon = from_wire_name(model, wire_name, version)
    if canon != wire_name:
        return True
    if wire_name in RENAMES[version].get(model, {}):
        return False  # the canonical name is not valid on this version
    return exists_in(model, canon, version)


@cache
def fields_for(model: str, version: str = DEFAULT_VERSION) -> dict[str, Field]:
    """Fields of `model` as a `version` server exposes them, keyed by wire name."""
    out: dict[str, Field] = {}
    removed = REMOVED[version].get(model, frozenset())
    for name, fld in MODELS[model].items():
        if name in removed or fld.hidden:
            continue
        if version == "17.0" and model == "project.project" and name == "privacy_visibility":
            fld = Field("selection", fld.string, selection=PRIVACY_17, required=True)
        out[to_wire_name(model, name, version)] = fld
    return out


def parent_field(model: str) -> str | None:
    return PARENT_FIELD.get(model)


def rec_name(model: str) -> str | None:
    fields = MODELS[model]
    name = REC_NAME.get(model, "name")
    return name if name in fields else None


def has_active(model: str) -> bool:
    return "active" in MODELS.get(model, {})


@cache
def stored_fields(model: str) -> tuple[tuple[str, Field], ...]:
    """(name, field) of the fields a record keeps, magic fields excluded."""
    return tuple(
        (name, fld)
        for name, fld in MODELS[model].items()
        if name not in MAGIC_FIELDS and (fld.stored or fld.type == "one2many")
    )


@cache
def many2one_fields(model: str) -> tuple[str, ...]:
    return tuple(n for n, f in MODELS[model].items() if f.type == "many2one" and f.stored)


@cache
def required_fields(model: str) -> tuple[tuple[str, Field], ...]:
    return tuple(
        (n, f) for n, f in MODELS[model].items() if f.required and f.stored and f.type != "boolean"
    )
