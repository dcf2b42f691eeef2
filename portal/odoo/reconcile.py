"""Reconciliation (DESIGN §5.6): what the portal believes against what Odoo holds now.

Two comparisons. The mirror: ids and write_date per mirrored model (missing in Odoo,
extra in Odoo, different = Odoo changed since the mirror read it; a lost webhook shows
up here). The decisions: every delivered outbox row of the window still holds (the
note is in the chatter, the record exists, the written values are still there).
Nothing is changed here; operators fix each drift by hand ("re-apply" or "accept
Odoo's value"), and both are audited.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from portal.core import audit
from portal.core.errors import Conflict
from portal.odoo.client import OdooClient, OdooError
from portal.odoo.kinds import ref_token
from portal.odoo.models_outbox import (
    Drift,
    DriftKind,
    DriftStatus,
    OutboxMessage,
    OutboxStatus,
    ReconciliationRun,
)

logger = logging.getLogger(__name__)
DECISION_WINDOW = timedelta(days=30)
ID_PAGE = 5000
CREATES = {
    "record.create": None,
    "task.create": "project.task",
    "project_update.create": "project.update",
    "attachment.create": "ir.attachment",
    "invoice.draft_from_sale_order": "account.move",
    "invoice.draft_move": "account.move",
}


def run_reconciliation(
    *, trigger: str = "manual", actor: Any = None, progress: Callable[[str], None] | None = None
) -> ReconciliationRun:
    """Compare and record drift; returns the finished run (its `error` says if Odoo failed)."""
    from portal.odoo.connection import get_client

    run = ReconciliationRun.objects.create(trigger=trigger, actor=actor)
    drifts: list[Drift] = []
    try:
        client = cast(OdooClient, get_client())  # see delivery._Session._login
        drifts += _mirror_drift(client, run, progress)
        drifts += _decision_drift(client, run, progress)
    except OdooError as exc:
        run.error = exc.message
        logger.warning("Reconciliation %s stopped: %s", run.pk, exc.message)
    Drift.objects.bulk_create(drifts)
    summary: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for drift in drifts:
        summary[drift.model][drift.kind] += 1
    run.summary = json.loads(json.dumps(summary))
    run.finished_at = timezone.now()
    run.save()
    return run


def _odoo_stamps(client: OdooClient, model: str, domain: list[Any]) -> dict[int, str]:
    stamps: dict[int, str] = {}
    offset = 0
    while True:
        page = client.search_read(
            model,
            domain,
            ["write_date"],
            offset=offset,
            limit=ID_PAGE,
            order="id asc",
            context={"active_test": False},
        )
        stamps.update({int(r["id"]): str(r.get("write_date") or "") for r in page})
        if len(page) < ID_PAGE:
            return stamps
        offset += ID_PAGE


def _mirror_drift(
    client: OdooClient, run: ReconciliationRun, progress: Callable[[str], None] | None
) -> list[Drift]:
    from portal.odoo.mirror import SPECS
    from portal.odoo.webhooks import _odoo_datetime

    drifts = []
    for spec in SPECS:
        odoo = _odoo_stamps(client, spec.key, [list(leaf) for leaf in spec.domain])
        mirror = dict(spec.model.objects.live().values_list("id", "write_date"))
        for odoo_id in sorted(set(mirror) - set(odoo)):
            drifts.append(Drift(run=run, model=spec.key, odoo_id=odoo_id, kind=DriftKind.MISSING))
        for odoo_id in sorted(set(odoo) - set(mirror)):
            drifts.append(
                Drift(
                    run=run,
                    model=spec.key,
                    odoo_id=odoo_id,
                    kind=DriftKind.EXTRA,
                    odoo_value=odoo[odoo_id],
                )
            )
        for odoo_id in sorted(set(odoo) & set(mirror)):
            stamp = _odoo_datetime(odoo[odoo_id])
            held = mirror[odoo_id]
            if stamp is not None and held is not None and stamp > held:
                drifts.append(
                    Drift(
                        run=run,
                        model=spec.key,
                        odoo_id=odoo_id,
                        kind=DriftKind.DIFFERENT,
                        field="write_date",
                        portal_value=f"{held:%Y-%m-%d %H:%M:%S}",
                        odoo_value=odoo[odoo_id],
                    )
                )
        if progress:
            progress(f"{spec.key}: {len(mirror)} in the mirror, {len(odoo)} in Odoo")
    return drifts


def _decision_drift(
    client: OdooClient, run: ReconciliationRun, progress: Callable[[str], None] | None
) -> list[Drift]:
    since = timezone.now() - DECISION_WINDOW
    rows = list(
        OutboxMessage.objects.filter(status=OutboxStatus.DONE, delivered_at__gte=since).order_by(
            "pk"
        )
    )
    drifts = _chatter_drift(client, run, [r for r in rows if r.kind == "chatter.post"])
    drifts += _create_drift(client, run, [r for r in rows if r.kind in CREATES])
    drifts += _write_drift(client, run, [r for r in rows if r.kind == "record.write"])
    if progress:
        progress(f"{len(rows)} delivered decisions checked")
    return drifts


def _chatter_drift(
    client: OdooClient, run: ReconciliationRun, rows: list[OutboxMessage]
) -> list[Drift]:
    by_record: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_record[row.payload["model"]].append(row)
    drifts = []
    for model, group in by_record.items():
        found = client.search_read(
            "mail.message",
            [
                ["model", "=", model],
                ["res_id", "in", sorted({r.payload["res_id"] for r in group})],
                ["body", "ilike", "portal-ref:"],
            ],
            ["res_id", "body"],
        )
        bodies: dict[int, str] = defaultdict(str)
        for message in found:
            bodies[int(message["res_id"])] += str(message.get("body") or "")
        for row in group:
            if ref_token(row.key) not in bodies[row.payload["res_id"]]:
                drifts.append(
                    Drift(
                        run=run,
                        model=model,
                        odoo_id=row.payload["res_id"],
                        kind=DriftKind.MISSING,
                        field="chatter",
                        message=row,
                        portal_value=row.payload["body"][:500],
                    )
                )
    return drifts


def _create_drift(
    client: OdooClient, run: ReconciliationRun, rows: list[OutboxMessage]
) -> list[Drift]:
    by_model: dict[str, dict[int, OutboxMessage]] = defaultdict(dict)
    for row in rows:
        model = CREATES[row.kind] or row.payload.get("model", "")
        new_id = (row.result or {}).get("id") or (row.result or {}).get("invoice_id")
        if model and isinstance(new_id, int):
            by_model[model][new_id] = row
    drifts = []
    for model, created in by_model.items():
        existing = set(
            client.search(model, [["id", "in", sorted(created)]], context={"active_test": False})
        )
        for new_id, row in created.items():
            if new_id not in existing:
                drifts.append(
                    Drift(
                        run=run,
                        model=model,
                        odoo_id=new_id,
                        kind=DriftKind.MISSING,
                        field="record",
                        message=row,
                    )
                )
    return drifts


def _comparable(value: Any) -> Any:
    """Odoo's read value and the written one, in one shape (only what we can compare)."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        if len(value) == 1 and value[0][0] == 6:
            return sorted(value[0][2])
        return None  # incremental commands: the result depends on what was there
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
    ):
        return value[0]  # many2one read as (id, name)
    if value is None:
        return False
    return sorted(value) if isinstance(value, list) else value


def _write_drift(
    client: OdooClient, run: ReconciliationRun, rows: list[OutboxMessage]
) -> list[Drift]:
    # The newest delivered write of each (model, id, field) is what the portal intends.
    intended: dict[tuple[str, int, str], tuple[Any, OutboxMessage]] = {}
    for row in rows:
        for odoo_id in row.payload["ids"]:
            for name, value in row.payload["values"].items():
                intended[(row.payload["model"], odoo_id, name)] = (value, row)
    by_model: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for model, odoo_id, name in intended:
        by_model[model][odoo_id].add(name)
    drifts = []
    for model, records in by_model.items():
        names = sorted({n for fields in records.values() for n in fields})
        current = {int(r["id"]): r for r in client.read(model, sorted(records), names)}
        for odoo_id, fields in records.items():
            for name in sorted(fields):
                wanted, row = intended[(model, odoo_id, name)]
                if odoo_id not in current:
                    drifts.append(
                        Drift(
                            run=run,
                            model=model,
                            odoo_id=odoo_id,
                            kind=DriftKind.MISSING,
                            field=name,
                            message=row,
                        )
                    )
                    break
                want, have = _comparable(wanted), _comparable(current[odoo_id].get(name))
                if want is not None and want != have:
                    drifts.append(
                        Drift(
                            run=run,
                            model=model,
                            odoo_id=odoo_id,
                            kind=DriftKind.DIFFERENT,
                            field=name,
                            message=row,
                            portal_value=json.dumps(wanted)[:500],
                            odoo_value=json.dumps(current[odoo_id].get(name))[:500],
                        )
                    )
    return drifts


# -- operator fixes --------------------------------------------------------------------------


def reapply_drift(drift_id: int, *, actor: Any) -> Drift:
    """Send the portal's decision to Odoo again (a new outbox row, same payload)."""
    from portal.odoo.outbox import enqueue

    with transaction.atomic():
        drift = (
            Drift.objects.select_for_update(of=("self",)).select_related("message").get(pk=drift_id)
        )
        if drift.status != DriftStatus.OPEN:
            raise Conflict(f"This drift is already {drift.get_status_display().lower()}.")
        if drift.message is None:
            raise Conflict("Only a portal decision can be re-applied; accept Odoo's value instead.")
        source = drift.message
        row = enqueue(
            source.kind,
            f"{source.key}#reapply:{drift.pk}",
            source.payload,
            ordering_key=source.ordering_key,
        )
        _close(drift, DriftStatus.REAPPLIED, actor)
        audit.record(
            "odoo.reconcile.reapplied",
            actor=actor,
            obj=drift,
            data={"outbox": row.pk, "model": drift.model, "odoo_id": drift.odoo_id},
        )
    return drift


def accept_odoo_value(drift_id: int, *, actor: Any) -> Drift:
    """Take Odoo's current record into the mirror and close the drift."""
    from portal.odoo.webhooks import refresh_record

    drift = Drift.objects.get(pk=drift_id)
    if drift.status != DriftStatus.OPEN:
        raise Conflict(f"This drift is already {drift.get_status_display().lower()}.")
    if drift.odoo_id is not None:
        # Not a mirrored model (KeyError): accepting means the portal stops expecting its value.
        with contextlib.suppress(KeyError):
            refresh_record(drift.model, drift.odoo_id)
    with transaction.atomic():
        drift = Drift.objects.select_for_update().get(pk=drift_id)
        _close(drift, DriftStatus.ACCEPTED, actor)
        audit.record(
            "odoo.reconcile.accepted",
            actor=actor,
            obj=drift,
            data={"model": drift.model, "odoo_id": drift.odoo_id, "field": drift.field},
        )
    return drift


def _close(drift: Drift, status: str, actor: Any) -> None:
    drift.status = status
    drift.resolved_by = actor
    drift.resolved_at = timezone.now()
    drift.save(update_fields=["status", "resolved_by", "resolved_at"])
