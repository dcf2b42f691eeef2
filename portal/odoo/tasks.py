"""Celery tasks of the gateway. They take ids, re-check state and are safe to run twice."""

from __future__ import annotations

import logging
from typing import Any

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


@shared_task(name="portal.odoo.tasks.process_inbound_event", bind=True, max_retries=6)
def process_inbound_event(self: Any, event_id: int) -> str:
    """Apply one stored webhook event (re-reads the record from Odoo); returns its status.

    While Odoo is away the event waits (retries over about 10 minutes); after that the
    incremental sync and reconciliation catch the change anyway.
    """
    from portal.odoo.client import OdooCredentialsError, OdooError
    from portal.odoo.webhooks import process_event

    try:
        return process_event(event_id)
    except OdooCredentialsError:
        raise  # never a retry loop against the integration account
    except OdooError as exc:
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc


@shared_task(name="portal.odoo.tasks.reconcile")
def reconcile() -> int:
    """Compare the mirror and the delivered decisions with Odoo; returns the run id."""
    from portal.odoo.reconcile import run_reconciliation

    return run_reconciliation(trigger="schedule").pk
