"""Scheduled work of the client portal (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from portal.clients.services.summaries import create_weekly_drafts


@shared_task(name="portal.clients.tasks.create_weekly_drafts")
def weekly_drafts() -> int:
    """Draft this ISO week's status summary for every published project (idempotent)."""
    return create_weekly_drafts()
