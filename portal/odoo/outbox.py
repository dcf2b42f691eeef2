"""The transactional outbox: how every decision reaches Odoo.

Subject apps call `enqueue()` inside the transaction that records their decision, so
the decision and the instruction to tell Odoo commit together or not at all. A worker
delivers due rows later (see `portal.odoo.delivery`); the row, not a Celery message, is
the source of truth.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.odoo.models_outbox import OutboxMessage


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
    message, _ = OutboxMessage.objects.get_or_create(
        key=key, defaults={"kind": kind, "payload": payload, "ordering_key": ordering_key}
    )
    transaction.on_commit(_wake_worker)
    return message


def _wake_worker() -> None:
    # Imported here: tasks import the transports, which subject apps must not load.
    from portal.odoo.tasks import deliver_outbox

    deliver_outbox.delay()
