"""Celery tasks of the gateway. They take ids, re-check state and are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="portal.odoo.tasks.deliver_outbox")
def deliver_outbox() -> int:
    """Deliver due outbox rows; returns how many were handled."""
    from portal.odoo.delivery import drain

    return drain()


@shared_task(name="portal.odoo.tasks.sync_all")
def sync_all(full: bool = False) -> int:
    """Sync the read mirror; returns the records changed. Failures are on SyncState rows."""
    from portal.odoo.client import OdooError
    from portal.odoo.sync import sync_all as run

    try:
        results = run(full=full)
    except OdooError as exc:
        # Recorded on every SyncState by sync_all; beat tries again at the next interval,
        # never in a loop (a refused password must not lock the integration account).
        logger.warning("Odoo sync skipped: %s", exc.message)
        return 0
    return sum(r.changed for r in results)


@shared_task(name="portal.odoo.tasks.process_inbound_event")
def process_inbound_event(event_id: int | None = None, sent_at: float | None = None) -> int:
    """Wake-up from the intake: apply every pending webhook event; returns how many.

    `event_id` names the event that triggered the wake-up (for the logs); the others of
    the burst are pending too and are applied in the same batches. While Odoo is away
    the events wait for the next wake-up or the beat sweep; incremental sync and
    reconciliation catch the change anyway.
    """
    from portal.odoo.client import OdooError
    from portal.odoo.webhooks import process_after_wake

    try:
        return process_after_wake(sent_at)
    except OdooError as exc:
        logger.warning("Inbound events left pending (woken by %s): %s", event_id, exc)
        return 0


@shared_task(name="portal.odoo.tasks.sweep_inbound_events")
def sweep_inbound_events() -> int:
    """Beat: apply pending webhook events whose wake-up was skipped or lost."""
    from portal.odoo.client import OdooError
    from portal.odoo.webhooks import process_pending

    try:
        return process_pending()
    except OdooError as exc:
        logger.warning("Inbound sweep left events pending: %s", exc)
        return 0


@shared_task(name="portal.odoo.tasks.reconcile")
def reconcile() -> int:
    """Compare the mirror and the delivered decisions with Odoo; returns the run id."""
    from portal.odoo.reconcile import run_reconciliation

    return run_reconciliation(trigger="schedule").pk
