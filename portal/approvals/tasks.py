"""Celery tasks of the approval engine; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from portal.approvals import escalation, notifications


@shared_task(name="portal.approvals.tasks.escalate")
def escalate() -> dict[str, int]:
    result = escalation.run(timezone.now())
    return result.__dict__


@shared_task(name="portal.approvals.tasks.send_notifications")
def send_notifications() -> int:
    return notifications.send_due()


@shared_task(name="portal.approvals.tasks.send_digests")
def send_digests() -> int:
    return notifications.send_digests()
