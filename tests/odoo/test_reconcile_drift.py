"""Reconciliation: drift found per model, fixed only when an operator asks (C09 lost webhook)."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core.models import AuditEvent
from portal.odoo.delivery import drain
from portal.odoo.models import Task
from portal.odoo.models_outbox import Drift, DriftKind, DriftStatus, OutboxMessage
from portal.odoo.reconcile import accept_odoo_value, reapply_drift, run_reconciliation
from portal.odoo.sync import sync_model
from tests.factories import person
from tests.odoo.outbox_helpers import enqueue_now, first_id, unique

pytestmark = pytest.mark.django_db


def test_change_whose_webhook_was_lost_shows_as_drift_and_accept_refreshes(sandbox: Any) -> None:
    from portal.odoo.connection import get_client

    sync_model(get_client(), "project.task")
    task = first_id(sandbox, "project.task")
    name = unique("changed while the portal was down")
    sandbox.control(
        "touch",
        model="project.task",
        ids=[task],
        vals={"name": name},
        write_date="2031-01-01 00:00:00",
    )

    run = run_reconciliation(trigger="manual")

    drift = Drift.objects.get(run=run, model="project.task", odoo_id=task)
    assert drift.kind == DriftKind.DIFFERENT
    assert Task.objects.get(pk=task).name != name  # nothing fixed on its own
    accept_odoo_value(drift.pk, actor=person("ops@example.com", "operator"))
    assert Task.objects.get(pk=task).name == name
    assert AuditEvent.objects.filter(action="odoo.reconcile.accepted").count() == 1


def test_written_value_changed_in_odoo_is_reported_and_can_be_reapplied(sandbox: Any) -> None:
    task = first_id(sandbox, "project.task", [["id", ">", 3]])
    row = enqueue_now(
        "record.write", {"model": "project.task", "ids": [task], "values": {"color": 9}}
    )
    drain()
    sandbox.rpc("project.task", "write", [task], {"color": 2})

    run = run_reconciliation(trigger="manual")

    drift = Drift.objects.get(run=run, model="project.task", odoo_id=task, field="color")
    assert (drift.kind, drift.message_id) == (DriftKind.DIFFERENT, row.pk)
    reapply_drift(drift.pk, actor=person("ops@example.com", "operator"))
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.REAPPLIED
    drain()
    assert sandbox.rpc("project.task", "read", [task], ["color"])[0]["color"] == 9
    assert OutboxMessage.objects.filter(key__startswith=row.key).count() == 2


def test_deleted_chatter_note_is_reported_missing(sandbox: Any) -> None:
    order = first_id(sandbox, "sale.order")
    row = enqueue_now("chatter.post", {"model": "sale.order", "res_id": order, "body": unique("n")})
    drain()
    sandbox.rpc(
        "mail.message", "unlink", [OutboxMessage.objects.get(pk=row.pk).result["message_id"]]
    )

    run = run_reconciliation(trigger="manual")

    assert Drift.objects.filter(run=run, message=row, kind=DriftKind.MISSING).exists()
