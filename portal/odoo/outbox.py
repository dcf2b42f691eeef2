"""The transactional outbox: how every decision reaches Odoo.

Subject apps call `enqueue()` inside the transaction that records their decision, so
the decision and the instruction to tell Odoo commit together or not at all. A worker
delivers due rows later (see `portal.odoo.delivery`); the row, not a Celery message, is
the source of truth. Payload shapes per kind are in `portal.odoo.kinds`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from portal.odoo.models_outbox import OutboxMessage

logger = logging.getLogger(__name__)

Callback = Callable[[OutboxMessage], None]
_CALLBACKS: dict[str, list[Callback]] = {}


def enqueue(
    kind: str, key: str, payload: dict[str, Any], *, ordering_key: str = ""
) -> OutboxMessage:
    """Record that Odoo must receive `payload` as operation `kind`, once.

    `key` is the caller's idempotency key (for example "approvals.decision:812"):
    enqueueing the same key twice keeps the first row. `ordering_key` names the Odoo
    record ("sale.order:42") whose operations must be applied in order.
    Precondition: called inside the caller's transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue() must run inside the transaction of the decision.")
    from portal.odoo.kinds import KINDS, odoo_model_of, validate

    if kind not in KINDS:
        raise ValueError(f"Unknown outbox kind {kind!r}; one of {', '.join(sorted(KINDS))}.")
    validate(kind, payload)
    message, _ = OutboxMessage.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "payload": payload,
            "ordering_key": ordering_key,
            "odoo_model": odoo_model_of(payload),
        },
    )
    # One wake-up per transaction: a bulk approval of 100 items is one worker pass.
    pending = transaction.get_connection().run_on_commit
    if not any(item[1] is _wake_worker for item in pending):
        transaction.on_commit(_wake_worker)
    return message


def on_delivered(kind: str) -> Callable[[Callback], Callback]:
    """Register `func(message)`, called in the worker after a row of `kind` is delivered
    (inside the transaction that records the delivery; keep it short)."""

    def register(func: Callback) -> Callback:
        _CALLBACKS.setdefault(kind, [])
        if func not in _CALLBACKS[kind]:
            _CALLBACKS[kind].append(func)
        return func

    return register


def run_delivered_callbacks(message: OutboxMessage) -> None:
    for func in _CALLBACKS.get(message.kind, []):
        func(message)


def _wake_worker() -> None:
    # Imported here: tasks import the transports, which subject apps must not load.
    from portal.odoo.tasks import deliver_outbox

    deliver_outbox.delay()
