"""Append entries to the audit trail and verify its hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from portal.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, event: AuditEvent) -> str:
    body = json.dumps(
        [
            prev_hash,
            event.created_at.isoformat(),
            event.action,
            event.actor_id,
            event.on_behalf_of_id,
            event.object_type,
            event.object_id,
            event.data,
        ],
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def object_ref(obj: Any) -> tuple[str, str]:
    """Name an object for the trail as ("app.model", "pk")."""
    if obj is None:
        return "", ""
    if isinstance(obj, tuple):
        return str(obj[0]), str(obj[1])
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk)
    raise TypeError(f"Cannot name {obj!r} in the audit trail.")


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    on_behalf_of: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry; runs inside the caller's transaction so it commits with the change."""
    object_type, object_id = object_ref(obj)
    payload = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    with transaction.atomic():
        # The head row serialises appenders: two entries never chain to the same parent.
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            created_at=timezone.now(),
            action=action,
            actor_id=getattr(actor, "pk", actor),
            on_behalf_of_id=getattr(on_behalf_of, "pk", on_behalf_of),
            object_type=object_type,
            object_id=object_id,
            data=payload,
            prev_hash=head.last_hash,
        )
        event.hash = _digest(head.last_hash, event)
        event.save()
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the chain; return how many entries were checked and the first break, if any."""
    prev = GENESIS
    checked = 0
    for event in _events():
        checked += 1
        if event.prev_hash != prev:
            return checked, ChainBreak(event.pk, "does not follow the entry before it")
        if _digest(prev, event) != event.hash:
            return checked, ChainBreak(event.pk, "content does not match its hash")
        prev = event.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.count != checked:
        return checked, ChainBreak(0, f"{head.count - checked} entries missing at the end")
    return checked, None
