"""Celery tasks of the gateway. They take ids, re-check state and are safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="portal.odoo.tasks.deliver_outbox")
def deliver_outbox() -> int:
    """Deliver due outbox rows; returns how many were handled."""
    from portal.odoo.delivery import drain

    return drain()


@shared_task(name="portal.odoo.tasks.sync_all")
def sync_all() -> None:
    from portal.odoo.sync import sync_all as run

    run()
