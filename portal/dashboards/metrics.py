"""Prometheus metrics of the operations figures, read from the database at scrape time.

django-prometheus already serves request latency at /metrics; this collector adds the
portal's own figures (DESIGN §10). Registered once, from the app's ready().
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from portal.dashboards import health, operations

logger = logging.getLogger(__name__)


def _gauge(name: str, doc: str, value: float | None) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, doc)
    if value is not None:
        gauge.add_metric([], value)
    return gauge


class PortalCollector(Collector):
    """The operations page's figures as gauges."""

    def describe(self) -> Iterator[Metric]:
        # Without describe() the registry would call collect() at registration time,
        # i.e. query the database inside AppConfig.ready().
        return iter(())

    def collect(self) -> Iterator[Metric]:
        try:
            figures = operations.gather()
        except DatabaseError as exc:  # tables missing before migrate, database down
            logger.warning("Metrics scrape could not read the database: %s", exc)
            yield _gauge("portal_scrape_database_error", "1 when the database was unreadable", 1)
            return
        now = figures.now

        yield _gauge(
            "portal_outbox_backlog", "Outbox rows waiting for delivery", figures.outbox_pending
        )
        yield _gauge(
            "portal_outbox_oldest_age_seconds",
            "Age of the oldest pending outbox row",
            figures.outbox_oldest_age or 0,
        )
        yield _gauge(
            "portal_outbox_dead_letters",
            "Outbox rows in the dead-letter queue",
            figures.dead_letters,
        )
        yield _gauge(
            "portal_outbox_paused", "1 while the outbox is paused", int(figures.outbox_paused)
        )
        failed = GaugeMetricFamily(
            "portal_odoo_failed_calls_24h",
            "Failed Odoo calls in the last 24 h by error class",
            labels=["error_class"],
        )
        for error_class, count in figures.failures:
            failed.add_metric([error_class or "unknown"], count)
        yield failed
        yield _gauge(
            "portal_webhook_events_last_hour",
            "Inbound webhook events received",
            figures.inbound_last_hour,
        )
        yield _gauge(
            "portal_webhook_events_pending",
            "Inbound events waiting for the worker",
            figures.inbound_pending,
        )
        yield _gauge(
            "portal_webhook_events_failed", "Inbound events that failed", figures.inbound_failed
        )
        sync = GaugeMetricFamily(
            "portal_sync_last_finished_age_seconds",
            "Seconds since the last sync of each model",
            labels=["model", "status"],
        )
        for row in figures.sync:
            if row.finished_at is not None:
                sync.add_metric([row.model, row.status], (now - row.finished_at).total_seconds())
        yield sync
        yield _gauge(
            "portal_approval_sla_breaches",
            "Pending approval steps past their due time",
            figures.sla_breaches,
        )
        yield _gauge(
            "portal_celery_queue_depth",
            "Messages waiting in the default Celery queue",
            figures.queue_depth,
        )
        yield _gauge(
            "portal_worker_alive",
            "1 when a worker ran the heartbeat in the last 90 s",
            int(figures.worker_alive),
        )
        yield _gauge(
            "portal_worker_heartbeat_age_seconds",
            "Seconds since the last heartbeat",
            figures.heartbeat_age,
        )
        up = GaugeMetricFamily("portal_health_up", "1 when the check passes", labels=["check"])
        for check in health.run_checks():
            up.add_metric([check.name], int(check.ok))
        yield up


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(PortalCollector())
        _registered = True
