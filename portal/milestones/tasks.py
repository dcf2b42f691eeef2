"""Celery tasks of the milestones app. They take ids, re-check state, are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="portal.milestones.tasks.notify_evidence_added")
def notify_evidence_added(evidence_ids: list[int]) -> int:
    from portal.milestones.notifications import evidence_added

    return evidence_added(evidence_ids)


@shared_task(name="portal.milestones.tasks.notify_client_decision")
def notify_client_decision(signoff_id: int) -> int:
    from portal.milestones.notifications import client_decision

    return client_decision(signoff_id)


@shared_task(name="portal.milestones.tasks.notify_signoff_invalidated")
def notify_signoff_invalidated(record_id: int, changes: list[str]) -> int:
    from portal.milestones.notifications import signoff_invalidated

    return signoff_invalidated(record_id, changes)


@shared_task(name="portal.milestones.tasks.check_milestones")
def check_milestones() -> dict[str, int]:
    """Periodic: new milestones, sign-offs undone by Odoo edits, outcomes, postings."""
    from portal.milestones.billing_flow import check_all

    result = check_all()
    logger.info("Milestone check: %s", result)
    return result


@shared_task(name="portal.milestones.tasks.sweep_orphan_files")
def sweep_orphan_files() -> int:
    """Remove evidence files left by a transaction that rolled back outside our control."""
    from portal.milestones.models import Evidence
    from portal.milestones.uploads import sweep_orphans

    referenced = set(Evidence.objects.values_list("stored_path", flat=True))
    return len(sweep_orphans(referenced))
