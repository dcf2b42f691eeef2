"""The outbox with a real Celery worker against the Odoo sandbox."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import transaction

from portal.core.models import AuditEvent
from portal.odoo.models_outbox import OutboxAttempt, OutboxControl, OutboxMessage, OutboxStatus
from portal.odoo.operations import resume_queue
from portal.odoo.outbox import enqueue
from portal.odoo.tasks import deliver_outbox
from tests.factories import person
from tests.odoo.outbox_helpers import (
    backoff_elapses,
    enqueue_now,
    first_id,
    notes_with,
    reloaded,
    unique,
)

pytestmark = pytest.mark.django_db(transaction=True)


def done(*rows: OutboxMessage) -> bool:
    return all(reloaded(r).status == OutboxStatus.DONE for r in rows)


def test_chatter_post_reaches_odoo_through_the_worker(
    sandbox: Any, celery_worker_process: Any
) -> None:
    order = first_id(sandbox, "sale.order")
    text = unique("Discount approved")
    row = enqueue_now(
        "chatter.post",
        {"model": "sale.order", "res_id": order, "body": f"<p>{text}</p>"},
        ordering_key=f"sale.order:{order}",
    )

    celery_worker_process.wait_until(lambda: done(row))

    assert notes_with(sandbox, "sale.order", order, text) == 1
    attempt = reloaded(row).tries.get()
    assert (attempt.outcome, attempt.odoo_model, attempt.odoo_method) == (
        "delivered",
        "sale.order",
        "message_post",
    )


def test_decisions_wait_while_odoo_is_down_and_all_arrive_once_after(
    sandbox: Any, celery_worker_process: Any
) -> None:
    order = first_id(sandbox, "sale.order")
    texts = [unique("outage") for _ in range(3)]
    sandbox.control("down")
    rows = [
        enqueue_now("chatter.post", {"model": "sale.order", "res_id": order, "body": t})
        for t in texts
    ]
    celery_worker_process.wait_until(
        lambda: OutboxAttempt.objects.filter(message__in=rows, outcome="retry").count() == 3
    )

    sandbox.control("up")
    backoff_elapses()
    deliver_outbox.delay()  # what the beat sweep does every minute

    celery_worker_process.wait_until(lambda: done(*rows))
    assert [notes_with(sandbox, "sale.order", order, t) for t in texts] == [1, 1, 1]


def test_worker_killed_mid_delivery_applies_the_effect_once(
    sandbox: Any, celery_worker_process: Any
) -> None:
    celery_worker_process.restart(env={"ODOO_OUTBOX_LEASE_SECONDS": "3"})
    order = first_id(sandbox, "sale.order")
    text = unique("killed")
    sandbox.control("faults", latency_ms=1500)
    row = enqueue_now("chatter.post", {"model": "sale.order", "res_id": order, "body": text})
    celery_worker_process.wait_until(lambda: reloaded(row).claimed_until is not None)
    time.sleep(0.5)  # inside the slow Odoo call

    celery_worker_process.kill()
    sandbox.control("faults", latency_ms=0)
    time.sleep(3)  # the lease runs out
    celery_worker_process.start(env={"ODOO_OUTBOX_LEASE_SECONDS": "3"})
    deliver_outbox.delay()

    celery_worker_process.wait_until(lambda: done(row))
    assert notes_with(sandbox, "sale.order", order, text) == 1
    assert list(reloaded(row).tries.values_list("outcome", flat=True)) in (
        ["interrupted", "already_done"],
        ["interrupted", "delivered"],
    )


def test_rotated_credentials_pause_the_queue_and_resume_loses_nothing(
    sandbox: Any, celery_worker_process: Any
) -> None:
    operator = person("ops@example.com", "operator")
    celery_worker_process.restart(env={"ODOO_PASSWORD": "rotated-away"})
    order = first_id(sandbox, "sale.order")
    text = unique("paused")
    row = enqueue_now("chatter.post", {"model": "sale.order", "res_id": order, "body": text})

    celery_worker_process.wait_until(lambda: OutboxControl.get().paused)
    assert reloaded(row).status == OutboxStatus.PENDING
    assert AuditEvent.objects.filter(action="odoo.outbox.paused").count() == 1
    celery_worker_process.wait_until(
        lambda: list((celery_worker_process.var_dir / "sent-mail").glob("*"))
    )
    mail = next((celery_worker_process.var_dir / "sent-mail").glob("*")).read_text()
    assert "ops@example.com" in mail

    celery_worker_process.restart()  # the operator fixed ODOO_PASSWORD
    with transaction.atomic():
        resume_queue(actor=operator)

    celery_worker_process.wait_until(lambda: done(row))
    assert notes_with(sandbox, "sale.order", order, text) == 1


def test_rolled_back_decision_sends_no_task_and_leaves_no_row(
    sandbox: Any, celery_worker_process: Any
) -> None:
    key = unique("rolled-back")
    order = first_id(sandbox, "sale.order")
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("chatter.post", key, {"model": "sale.order", "res_id": order, "body": key})
        raise RuntimeError("validation failed after the insert")
    marker = enqueue_now(
        "chatter.post", {"model": "sale.order", "res_id": order, "body": unique("after")}
    )

    celery_worker_process.wait_until(lambda: done(marker))
    assert not OutboxMessage.objects.filter(key=key).exists()
    assert notes_with(sandbox, "sale.order", order, key) == 0
    assert "DoesNotExist" not in celery_worker_process.log_text()
