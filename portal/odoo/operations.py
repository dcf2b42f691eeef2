"""What operators do to the outbox: retry, resolve, requeue, resume. Each is audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from portal.core import audit
from portal.core.errors import Conflict, DomainError
from portal.core.models import User
from portal.odoo.delivery import wake_worker
from portal.odoo.models_outbox import OutboxControl, OutboxMessage, OutboxStatus


def retry_message(message_id: int, *, actor: User | None) -> OutboxMessage:
    """Put a dead letter back in the queue, due now, with a fresh backoff."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status != OutboxStatus.DEAD:
            raise Conflict(f"Only a dead letter can be retried; this row is {message.status}.")
        _requeue(message)
        audit.record("odoo.outbox.retried", actor=actor, obj=message, data={"kind": message.kind})
        wake_worker()
    return message


def resolve_message(message_id: int, *, actor: User, note: str) -> OutboxMessage:
    """Close a dead letter by hand (fixed in Odoo directly, or no longer wanted)."""
    note = note.strip()
    if not note:
        raise DomainError("Say what was done about it: the note is required.", field="note")
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status != OutboxStatus.DEAD:
            raise Conflict(f"Only a dead letter can be resolved; this row is {message.status}.")
        message.status = OutboxStatus.RESOLVED
        message.resolution_note = note
        message.save(update_fields=["status", "resolution_note"])
        audit.record(
            "odoo.outbox.resolved",
            actor=actor,
            obj=message,
            data={"kind": message.kind, "note": note},
        )
    return message


def requeue_dead_letters(
    *, actor: User | None, ids: Iterable[int] = (), kind: str = "", every: bool = False
) -> int:
    """Dead letters back to pending, by id, by kind or all; returns how many."""
    with transaction.atomic():
        rows = OutboxMessage.objects.dead_letters().select_for_update()
        if not every:
            ids = list(ids)
            if not ids and not kind:
                raise DomainError("Name the rows: ids, a kind, or all.")
            if ids:
                rows = rows.filter(pk__in=ids)
            if kind:
                rows = rows.filter(kind=kind)
        requeued = 0
        for message in rows:
            _requeue(message)
            requeued += 1
        if requeued:
            audit.record(
                "odoo.outbox.requeued",
                actor=actor,
                data={"count": requeued, "kind": kind, "ids": list(ids), "all": every},
            )
            wake_worker()
    return requeued


def _requeue(message: OutboxMessage) -> None:
    # attempts restart so the backoff starts short again; the attempt history stays.
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.claimed_until = None
    message.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until"])


def resume_queue(*, actor: User | None) -> OutboxControl:
    """Deliver again after credentials were fixed; the next pass logs in afresh."""
    from portal.odoo.connection import reset_client

    with transaction.atomic():
        control, _ = OutboxControl.objects.select_for_update().get_or_create(pk=1)
        if not control.paused:
            return control
        control.paused = False
        control.resumed_at = timezone.now()
        control.resumed_by = actor
        control.save()
        audit.record("odoo.outbox.resumed", actor=actor, obj=control, data={})
        transaction.on_commit(reset_client)
        wake_worker()
    return control
