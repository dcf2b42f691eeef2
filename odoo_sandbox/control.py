"""The /sandbox/ control API (not Odoo): faults, stats, touch, save, webhooks, API keys.

Every endpoint takes a JSON object by POST (GET works for the read-only ones) and
answers JSON; errors answer 400 `{"error": "..."}`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from odoo_sandbox import auth, rpc, webhooks
from odoo_sandbox.exceptions import OdooError
from odoo_sandbox.store import SUPERUSER_ID

if TYPE_CHECKING:
    from odoo_sandbox.server import SandboxApp

logger = logging.getLogger(__name__)
Endpoint = Callable[["SandboxApp", dict[str, Any]], Any]


def handle(app: SandboxApp, request: Request, name: str) -> Response:
    endpoint = ENDPOINTS.get(name)
    if endpoint is None:
        return _answer({"error": f"unknown control endpoint {name!r}"}, 404)
    try:
        raw = request.get_data()
        body = json.loads(raw) if raw else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return _answer(endpoint(app, body))
    except (ValueError, KeyError, TypeError, OdooError) as exc:
        logger.warning("Control call %s refused: %s", name, exc)
        return _answer({"error": str(exc)}, 400)


def _answer(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, default=str), status=status, mimetype="application/json")


def faults(app: SandboxApp, body: dict[str, Any]) -> Any:
    """Configure faults: {latency_ms?, clear?, rules?: [FaultRule as JSON]}.

    A rule is {kind, model?, method?, count?, seconds?, name?, message?} (faults.FaultRule).
    """
    return app.faults.configure(body)


def down(app: SandboxApp, body: dict[str, Any]) -> Any:
    app.faults.down = True
    return {"down": True}


def up(app: SandboxApp, body: dict[str, Any]) -> Any:
    app.faults.down = False
    return {"down": False}


def stats(app: SandboxApp, body: dict[str, Any]) -> Any:
    return app.faults.stats()


def reset_stats(app: SandboxApp, body: dict[str, Any]) -> Any:
    app.faults.reset_stats()
    return app.faults.stats()


def touch(app: SandboxApp, body: dict[str, Any]) -> Any:
    """{model, ids, vals, write_date}: write with an explicit (older) write_date stamp.

    Simulates a transaction that started earlier but committed later (DESIGN.md §5.3).
    """
    model = str(body["model"])
    ids = body["ids"] if isinstance(body["ids"], list) else [body["ids"]]
    store = app.store
    with store.transaction(SUPERUSER_ID) as txn:
        vals = rpc.vals_in(model, dict(body.get("vals") or {}), store.version)
        store.write(model, [int(i) for i in ids], vals, write_date=body.get("write_date"))
        deliveries = webhooks.collect(store, txn.events)
    app.sender.submit(deliveries)
    return {"ok": True}


def save(app: SandboxApp, body: dict[str, Any]) -> Any:
    path = Path(body["path"]) if body.get("path") else app.state_path
    if path is None:
        raise ValueError("no state file: pass {'path': ...} or start with --state")
    app.store.save(path)
    return {"saved": str(path)}


def webhook_rules(app: SandboxApp, body: dict[str, Any]) -> Any:
    """{url, models?: [..] | model?, trigger?, fields?, filter_domain?, name?} adds rules.

    An empty body lists the rules.
    """
    store = app.store
    if body.get("url"):
        models = body.get("models") or (
            [body["model"]] if body.get("model") else webhooks.DEFAULT_MODELS
        )
        with store.transaction():
            ids = [
                webhooks.add_rule(
                    store,
                    str(m),
                    str(body["url"]),
                    trigger=str(body.get("trigger") or "on_create_or_write"),
                    fields=body.get("fields"),
                    filter_domain=body.get("filter_domain"),
                    name=body.get("name"),
                )
                for m in models
            ]
        return {"ids": ids, "rules": webhooks.list_rules(store)}
    with store.lock:
        return {"rules": webhooks.list_rules(store)}


def apikey(app: SandboxApp, body: dict[str, Any]) -> Any:
    """{login, name?, key?} -> {key, uid}: create an API key for a user."""
    store = app.store
    with store.transaction():
        uid = auth.uid_for_login(store, str(body["login"]))
        if uid is None:
            raise ValueError(f"no user with login {body['login']!r}")
        key = auth.create_api_key(store, uid, str(body.get("name") or "sandbox"), body.get("key"))
    return {"key": key, "uid": uid}


def drain(app: SandboxApp, body: dict[str, Any]) -> Any:
    """Wait until queued webhook deliveries are sent."""
    app.sender.drain(float(body.get("timeout", 5.0)))
    return {"ok": True}


ENDPOINTS: dict[str, Endpoint] = {
    "faults": faults,
    "down": down,
    "up": up,
    "stats": stats,
    "reset_stats": reset_stats,
    "touch": touch,
    "save": save,
    "webhooks": webhook_rules,
    "apikey": apikey,
    "drain": drain,
}
