"""Helpers shared by the outbox tests: plain functions named for what they do."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.odoo.models_outbox import OutboxMessage, OutboxStatus
from portal.odoo.outbox import enqueue

_seq = itertools.count(1)


def unique(prefix: str) -> str:
    """A key no other test (or earlier run against the same sandbox) uses."""
    return f"{prefix}:{uuid.uuid4().hex[:10]}:{next(_seq)}"


def enqueue_now(
    kind: str, payload: dict[str, Any], *, key: str = "", ordering_key: str = ""
) -> OutboxMessage:
    with transaction.atomic():
        return enqueue(kind, key or unique(f"test.{kind}"), payload, ordering_key=ordering_key)


def backoff_elapses() -> None:
    """Make every pending row due now, as if its backoff had run out."""
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=timezone.now())


def reloaded(row: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=row.pk)


def first_id(sandbox: Any, model: str, domain: list[Any] | None = None) -> int:
    return int(sandbox.rpc(model, "search", domain or [], limit=1)[0])


def count(sandbox: Any, model: str, domain: list[Any]) -> int:
    return int(sandbox.rpc(model, "search_count", domain))


def notes_with(sandbox: Any, model: str, res_id: int, text: str) -> int:
    return count(
        sandbox,
        "mail.message",
        [["model", "=", model], ["res_id", "=", res_id], ["body", "ilike", text]],
    )


def invoiceable_order(sandbox: Any) -> int:
    """A new confirmed sale order with an ordered-quantity product, ready to invoice."""
    partner = first_id(sandbox, "res.partner", [["is_company", "=", True]])
    product = first_id(
        sandbox, "product.product", [["invoice_policy", "=", "order"], ["type", "=", "consu"]]
    )
    order = int(
        sandbox.rpc(
            "sale.order",
            "create",
            {
                "partner_id": partner,
                "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 2}]],
            },
        )
    )
    sandbox.rpc("sale.order", "action_confirm", [order])
    return order


def fault(sandbox: Any, **rule: Any) -> None:
    sandbox.control("faults", rules=[rule])


def clear_faults(sandbox: Any) -> None:
    sandbox.control("faults", clear=True, latency_ms=0)
    sandbox.control("up")
