"""The operators' figures: outbox, Odoo failures, webhook intake, sync, SLAs, Celery.

Read by the operations page and by the Prometheus collector at scrape time; each group
is one aggregate query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from portal.approvals.models import ApprovalStep, StepStatus
from portal.dashboards import health
from portal.dashboards.models import WorkerHeartbeat
from portal.odoo.models import SyncState
from portal.odoo.models_outbox import (
    InboundEvent,
    InboundStatus,
    OutboxAttempt,
    OutboxControl,
    OutboxMessage,
    OutboxStatus,
)

FAILED_OUTCOMES = ("retry", "dead", "paused")
FAILURE_WINDOW = timedelta(hours=24)
# Beat sends the heartbeat every 30 s; three missed beats mean no worker is consuming.
HEARTBEAT_STALE = timedelta(seconds=90)


@dataclass
class SyncRow:
    model: str
    status: str
    finished_at: datetime | None
    error: str


@dataclass
class OpsFigures:
    now: datetime
    outbox_pending: int = 0
    outbox_oldest: datetime | None = None
    dead_letters: int = 0
    outbox_paused: bool = False
    failures: list[tuple[str, int]] = field(default_factory=list)  # (error class, count)
    inbound_last_hour: int = 0
    inbound_last_day: int = 0
    inbound_pending: int = 0
    inbound_failed: int = 0
    inbound_last: datetime | None = None
    sync: list[SyncRow] = field(default_factory=list)
    sla_breaches: int = 0
    oldest_breach_due: datetime | None = None
    queue_depth: int | None = None
    heartbeat: datetime | None = None

    @property
    def outbox_oldest_age(self) -> float | None:
        return (self.now - self.outbox_oldest).total_seconds() if self.outbox_oldest else None

    @property
    def worker_alive(self) -> bool:
        return self.heartbeat is not None and self.now - self.heartbeat < HEARTBEAT_STALE

    @property
    def heartbeat_age(self) -> float | None:
        return (self.now - self.heartbeat).total_seconds() if self.heartbeat else None

    @property
    def failures_total(self) -> int:
        return sum(n for _, n in self.failures)


def gather(now: datetime | None = None) -> OpsFigures:
    """Every operations figure (7 queries, plus one Redis LLEN or a folder listing)."""
    now = now or timezone.now()
    figures = OpsFigures(now=now)

    outbox = OutboxMessage.objects.aggregate(
        pending=Count("pk", filter=Q(status=OutboxStatus.PENDING)),
        oldest=Min("created_at", filter=Q(status=OutboxStatus.PENDING)),
        dead=Count("pk", filter=Q(status=OutboxStatus.DEAD)),
    )
    figures.outbox_pending = outbox["pending"]
    figures.outbox_oldest = outbox["oldest"]
    figures.dead_letters = outbox["dead"]
    figures.outbox_paused = OutboxControl.objects.filter(pk=1, paused=True).exists()

    figures.failures = list(
        OutboxAttempt.objects.filter(
            started_at__gte=now - FAILURE_WINDOW, outcome__in=FAILED_OUTCOMES
        )
        .values("error_class")
        .annotate(n=Count("pk"))
        .order_by("-n", "error_class")
        .values_list("error_class", "n")
    )

    inbound = InboundEvent.objects.aggregate(
        hour=Count("pk", filter=Q(received_at__gte=now - timedelta(hours=1))),
        day=Count("pk", filter=Q(received_at__gte=now - timedelta(days=1))),
        pending=Count("pk", filter=Q(status=InboundStatus.PENDING)),
        failed=Count("pk", filter=Q(status=InboundStatus.FAILED)),
        last=Max("received_at"),
    )
    figures.inbound_last_hour = inbound["hour"]
    figures.inbound_last_day = inbound["day"]
    figures.inbound_pending = inbound["pending"]
    figures.inbound_failed = inbound["failed"]
    figures.inbound_last = inbound["last"]

    figures.sync = [
        SyncRow(model, status, finished, error)
        for model, status, finished, error in SyncState.objects.order_by("model").values_list(
            "model", "last_status", "last_finished_at", "last_error"
        )
    ]

    breaches = ApprovalStep.objects.filter(status=StepStatus.PENDING, due_at__lt=now).aggregate(
        n=Count("pk"), oldest=Min("due_at")
    )
    figures.sla_breaches = breaches["n"]
    figures.oldest_breach_due = breaches["oldest"]

    figures.heartbeat = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
    figures.queue_depth = health.queue_depth()
    return figures
