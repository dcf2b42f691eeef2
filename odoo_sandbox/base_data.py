"""Base records every sandbox has: company, currencies, groups, admin and demo users.

The core records come from `odoo_sandbox.demo.base` (the demo loader's stand-ins for
Odoo's module data) when it is present; the users log in as in Odoo's demo:
admin/admin (uid 2, "Mitchell Admin") and demo/demo ("Marc Demo") (DESIGN.md §5.7).
"""

from __future__ import annotations

import logging
from typing import Any

from odoo_sandbox.store import Store

logger = logging.getLogger(__name__)

# The groups Odoo's res_users_demo.xml gives Marc Demo.
DEMO_GROUPS = ("base.group_user", "base.group_partner_manager", "base.group_allow_export")


def ensure_base(store: Store) -> None:
    """Create the core records (idempotent: records whose xmlid exists are kept)."""
    try:
        from odoo_sandbox.demo import base
    except ImportError:
        logger.warning("odoo_sandbox.demo.base is missing; creating a minimal base")
        _minimal_base(store)
    else:
        base.create_base_records(store, base.CORE)
        base.create_aliases(store)
    ensure_users(store)


def _minimal_base(store: Store) -> None:
    if store.xmlid_exists("base.main_company"):
        return
    usd = store.create("res.currency", {"name": "USD", "symbol": "$"}, xmlid="base.USD")
    partner = store.create(
        "res.partner", {"name": "YourCompany", "is_company": True}, xmlid="base.main_partner"
    )
    store.create(
        "res.company",
        {"name": "YourCompany", "partner_id": partner, "currency_id": usd},
        xmlid="base.main_company",
    )
    root = store.create(
        "res.partner", {"name": "OdooBot", "active": False}, xmlid="base.partner_root"
    )
    store.create(
        "res.users",
        {"id": 1, "login": "__system__", "name": "OdooBot", "active": False, "partner_id": root},
        xmlid="base.user_root",
    )
    admin = store.create("res.partner", {"name": "Mitchell Admin"}, xmlid="base.partner_admin")
    store.create(
        "res.users",
        {
            "id": 2,
            "login": "admin",
            "password": "admin",
            "name": "Mitchell Admin",
            "partner_id": admin,
        },
        xmlid="base.user_admin",
    )


def ensure_users(store: Store) -> None:
    """Add the demo and public users, and employees for admin and demo, when missing."""
    if not _login_exists(store, "demo"):
        partner = _xmlid_or_create(
            store,
            "base.partner_demo",
            "res.partner",
            {"name": "Marc Demo", "email": "mark.brown23@example.com"},
        )
        groups = [store.ref(x)[1] for x in DEMO_GROUPS if store.xmlid_exists(x)]
        store.create(
            "res.users",
            {
                "login": "demo",
                "password": "demo",
                "name": "Marc Demo",
                "partner_id": partner,
                "groups_id": [(6, 0, groups)],
            },
            xmlid=_free(store, "base.user_demo"),
        )
    if not _login_exists(store, "public"):
        partner = store.create("res.partner", {"name": "Public user", "active": False})
        store.create(
            "res.users",
            {
                "login": "public",
                "name": "Public user",
                "active": False,
                "share": True,
                "partner_id": partner,
            },
            xmlid=_free(store, "base.public_user"),
        )
    for login, cost in (("admin", 50.0), ("demo", 30.0)):
        uid = _login_exists(store, login)
        if uid and not store.search("hr.employee", [("user_id", "=", uid)], active_test=False):
            store.create("hr.employee", {"user_id": uid, "hourly_cost": cost})


def _login_exists(store: Store, login: str) -> int | None:
    found = store.search("res.users", [("login", "=", login)], limit=1, active_test=False)
    return found[0] if found else None


def _xmlid_or_create(store: Store, xmlid: str, model: str, vals: dict[str, Any]) -> int:
    if store.xmlid_exists(xmlid):
        return store.ref(xmlid)[1]
    return store.create(model, vals, xmlid=xmlid)


def _free(store: Store, xmlid: str) -> str | None:
    return None if store.xmlid_exists(xmlid) else xmlid
