"""Beat tasks of the dashboards: current risk ratings, the weekly risk snapshot and the
worker heartbeat."""

from __future__ import annotations

import socket

from celery import Task, shared_task
from django.utils import timezone

from portal.dashboards import precomputed
from portal.dashboards.models import WorkerHeartbeat
from portal.dashboards.snapshots import take_snapshot


@shared_task(name="portal.dashboards.tasks.refresh_risk")
def refresh_risk() -> int:
    """Recompute the stored rating of every active project the risk page reads."""
    return precomputed.refresh()


@shared_task(name="portal.dashboards.tasks.snapshot")
def snapshot() -> int:
    """Overwrite this week's risk snapshot of every active project (idempotent)."""
    return take_snapshot()


@shared_task(name="portal.dashboards.tasks.heartbeat", bind=True)
def heartbeat(self: Task) -> None:
    """Prove that a worker is consuming the queue: the operations page reads this row."""
    hostname = self.request.hostname or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen": timezone.now()}
    )
