"""Outgoing webhooks: base.automation + ir.actions.server state='webhook' (reference §5.1).

After a call commits, each matching rule POSTs `{_model, _id, _action, …fields}` once, with
only `Content-Type: application/json`, a one-second timeout and no retry; failures are
logged as warnings. Deliveries run on one background thread, so the RPC answer is not
delayed and deliveries keep their order.
"""

from __future__ import annotations

import ast
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from odoo_sandbox import domain, schema

if TYPE_CHECKING:
    from odoo_sandbox.store import Event, Store

logger = logging.getLogger(__name__)

TRIGGER_KINDS = {
    "on_create": {"create"},
    "on_write": {"write"},
    "on_create_or_write": {"create", "write"},
    "on_stage_set": {"write"},
    "on_state_set": {"write"},
    "on_unlink": {"unlink"},
}
DEFAULT_MODELS = (
    "project.task",
    "project.project",
    "project.milestone",
    "sale.order",
    "account.move",
    "account.analytic.line",
)
DEFAULT_FIELDS: dict[str, list[str]] = {
    "project.task": [
        "name",
        "project_id",
        "stage_id",
        "state",
        "user_ids",
        "milestone_id",
        "allocated_hours",
        "date_deadline",
        "active",
        "write_date",
    ],
    "project.project": [
        "name",
        "partner_id",
        "user_id",
        "company_id",
        "active",
        "last_update_status",
        "write_date",
    ],
    "project.milestone": [
        "name",
        "project_id",
        "is_reached",
        "reached_date",
        "deadline",
        "sale_line_id",
        "write_date",
    ],
    "sale.order": ["name", "state", "partner_id", "amount_total", "invoice_status", "write_date"],
    "account.move": [
        "name",
        "state",
        "move_type",
        "partner_id",
        "amount_total",
        "invoice_origin",
        "write_date",
    ],
    "account.analytic.line": [
        "name",
        "date",
        "unit_amount",
        "project_id",
        "task_id",
        "employee_id",
        "write_date",
    ],
}


@dataclass(frozen=True)
class Delivery:
    url: str
    payload: dict[str, Any]


def add_rule(
    store: Store,
    model: str,
    url: str,
    *,
    trigger: str = "on_create_or_write",
    fields: list[str] | None = None,
    name: str | None = None,
    filter_domain: str | None = None,
) -> int:
    """Create an automation rule with one webhook server action; return the rule id."""
    model_ids = store.search("ir.model", [("model", "=", model)], limit=1)
    action_id = store.create(
        "ir.actions.server",
        {
            "name": name or f"Send {model} to {url}",
            "model_name": model,
            "state": "webhook",
            "model_id": model_ids[0] if model_ids else False,
            "webhook_url": url,
            "webhook_field_ids": list(
                fields if fields is not None else DEFAULT_FIELDS.get(model, [])
            ),
        },
    )
    return store.create(
        "base.automation",
        {
            "name": name or f"Webhook {model}",
            "model_name": model,
            "trigger": trigger,
            "model_id": model_ids[0] if model_ids else False,
            "filter_domain": filter_domain or False,
            "action_server_ids": [(6, 0, [action_id])],
        },
    )


def add_default_rules(store: Store, url: str) -> list[int]:
    """The CLI's --webhook-url: one rule per main model, on create and write."""
    return [add_rule(store, model, url) for model in DEFAULT_MODELS]


def list_rules(store: Store) -> list[dict[str, Any]]:
    rules = []
    for rule in store.records["base.automation"].values():
        actions = [
            store.records["ir.actions.server"][a]
            for a in rule.get("action_server_ids", [])
            if a in store.records["ir.actions.server"]
        ]
        rules.append(
            {
                "id": rule["id"],
                "name": rule["name"],
                "model": _rule_model(store, rule),
                "trigger": rule["trigger"],
                "active": rule.get("active", True),
                "actions": [
                    {
                        "id": a["id"],
                        "url": a.get("webhook_url"),
                        "fields": a.get("webhook_field_ids"),
                    }
                    for a in actions
                ],
            }
        )
    return rules


def _rule_model(store: Store, rule: dict[str, Any]) -> str:
    if rule.get("model_name"):
        return str(rule["model_name"])
    model = store.records["ir.model"].get(rule.get("model_id") or 0)
    return str(model["model"]) if model else ""


def collect(store: Store, events: list[Event]) -> list[Delivery]:
    """Build the deliveries a committed call's events trigger (under the store lock)."""
    rules = [r for r in store.records["base.automation"].values() if r.get("active", True)]
    if not rules or not events:
        return []
    out: list[Delivery] = []
    for event in _merge(events):
        for rule in rules:
            if _rule_model(store, rule) != event.model or not _triggered(store, rule, event):
                continue
            for action_id in rule.get("action_server_ids", []):
                action = store.records["ir.actions.server"].get(action_id)
                if action and action.get("state") == "webhook" and action.get("active", True):
                    out.append(_delivery(store, event, action))
    return out


def _merge(events: list[Event]) -> list[Event]:
    # A create followed by writes in the same call is one "create" in Odoo's automation.
    from odoo_sandbox.store import Event

    merged: dict[tuple[str, int], Event] = {}
    for event in events:
        key = (event.model, event.res_id)
        prior = merged.get(key)
        if prior is None or event.kind == "unlink":
            merged[key] = event
        elif prior.kind in ("create", "write"):
            merged[key] = Event(
                prior.kind,
                event.model,
                event.res_id,
                prior.fields | event.fields,
                {**event.old, **prior.old},
            )
    return list(merged.values())


def _triggered(store: Store, rule: dict[str, Any], event: Event) -> bool:
    trigger = rule.get("trigger")
    if event.kind not in TRIGGER_KINDS.get(str(trigger), set()):
        return False
    watched = set(rule.get("trigger_field_ids") or [])
    if trigger == "on_stage_set":
        watched = {"stage_id"}
    elif trigger == "on_state_set":
        watched = {"state"}
    if event.kind == "write" and watched:
        names = {schema.from_wire_name(event.model, w, store.version) for w in watched}
        if not names & event.fields:
            return False
    if rule.get("filter_domain") and event.kind != "unlink":
        dom = ast.literal_eval(str(rule["filter_domain"]))
        match = domain.compile_domain(store, event.model, list(dom))
        return bool(match(store.records[event.model][event.res_id]))
    return True


def _delivery(store: Store, event: Event, action: dict[str, Any]) -> Delivery:
    payload: dict[str, Any] = {
        "_model": event.model,
        "_id": event.res_id,
        "_action": f"{action['name']}(#{action['id']})",
    }
    wire_fields = list(action.get("webhook_field_ids") or [])
    if wire_fields:
        payload.update(_read_payload(store, event, wire_fields))
    return Delivery(str(action.get("webhook_url") or ""), payload)


def _read_payload(store: Store, event: Event, wire_fields: list[str]) -> dict[str, Any]:
    # record.read(fields, load=None)[0]: many2one as bare ids (reference §5.1).
    from odoo_sandbox import rpc

    names = [rpc.field_in(event.model, w, store.version) for w in wire_fields]
    if event.kind == "unlink":
        row = {"id": event.res_id, **{n: event.old.get(n, False) for n in names}}
    else:
        row = store.read(event.model, [event.res_id], names, load=None)[0]
    return rpc.row_out(event.model, row, store.version)


class Sender:
    """Posts deliveries one at a time on a daemon thread."""

    def __init__(self, timeout: float = 1.0) -> None:
        self.timeout = timeout
        self.queue: queue.Queue[Delivery | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self.thread.start()

    def submit(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            self.queue.put(delivery)

    def stop(self) -> None:
        self.queue.put(None)

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until queued deliveries are sent (tests)."""
        done = threading.Event()
        self.queue.put(Delivery("", {"__drain__": done}))
        done.wait(timeout)

    def _run(self) -> None:
        while True:
            delivery = self.queue.get()
            if delivery is None:
                return
            marker = delivery.payload.get("__drain__")
            if isinstance(marker, threading.Event):
                marker.set()
                continue
            self._post(delivery)

    def _post(self, delivery: Delivery) -> None:
        if not delivery.url.startswith(("http://", "https://")):
            logger.warning("Webhook URL %r is not http(s); skipped", delivery.url)
            return
        body = json.dumps(delivery.payload, sort_keys=True, default=str).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            delivery.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked above)
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            # No retry: Odoo only logs a warning (reference §5.1).
            logger.warning("Webhook to %s failed: %s", delivery.url, exc)
