"""Weekly risk snapshots (the 12-week trend) and first sightings of projects."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal.dashboards.models import ProjectSighting, RiskSnapshot
from portal.dashboards.risk import active_projects, assess_all, snapshot_week_start
from portal.odoo.models import Project

logger = logging.getLogger(__name__)

TREND_WEEKS = 12


def take_snapshot(as_of: datetime | None = None) -> int:
    """Rate every active project as of `as_of` and store it under that ISO week.

    Safe to run any number of times: the row of (project, week) is overwritten, so the
    current week's row always holds the latest rating and a past week's the last one.
    """
    as_of = as_of or timezone.now()
    week = snapshot_week_start(timezone.localdate(as_of))
    assessed = assess_all(active_projects(), as_of)
    rows = [
        RiskSnapshot(
            project_id=r.project.pk,
            week_start=week,
            overall=r.rating.key,
            score=max(int(r.rating), 0),
            ratings={d.key: d.rating.key for d in r.dimensions},
            drag=r.drag.key if r.drag else "",
        )
        for r in assessed
    ]
    with transaction.atomic():
        RiskSnapshot.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["project", "week_start"],
            update_fields=["overall", "score", "ratings", "drag", "computed_at"],
        )
    record_sightings()
    logger.info("Risk snapshot of week %s: %s projects", week, len(rows))
    return len(rows)


def backfill(weeks: int = TREND_WEEKS, today: date | None = None) -> int:
    """Snapshots for the last `weeks` finished ISO weeks, each as of its Sunday evening.

    Known limitation: task states, client-request states and staffing request states
    are read as they are now (the mirror keeps no history of them), so a backfilled week
    can differ from what a live snapshot that week would have shown.
    """
    today = today or timezone.localdate()
    this_monday = snapshot_week_start(today)
    total = 0
    for back in range(weeks, 0, -1):
        sunday = this_monday - timedelta(days=7 * (back - 1) + 1)
        end = timezone.make_aware(datetime.combine(sunday, time(23, 59)))
        total += take_snapshot(end)
    return total


def record_sightings(now: datetime | None = None) -> int:
    """Remember when each project not seen before first appeared (its earliest write)."""
    now = now or timezone.now()
    unseen = Project.objects.filter(sighting__isnull=True).values_list("pk", "write_date")
    rows = [
        ProjectSighting(project_id=pk, first_seen_at=min(write_date or now, now))
        for pk, write_date in unseen
    ]
    ProjectSighting.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def trends(project_ids: list[int], today: date | None = None) -> dict[int, list[int | None]]:
    """The last 12 weekly scores (0 green, 1 amber, 2 red, None missing) per project."""
    today = today or timezone.localdate()
    weeks = trend_weeks(today)
    index = {week: i for i, week in enumerate(weeks)}
    series: dict[int, list[int | None]] = defaultdict(lambda: [None] * len(weeks))
    rows: QuerySet[RiskSnapshot] = RiskSnapshot.objects.filter(
        project_id__in=project_ids, week_start__gte=weeks[0]
    )
    for project_id, week, overall, score in rows.values_list(
        "project_id", "week_start", "overall", "score"
    ):
        if week in index:
            series[project_id][index[week]] = None if overall == "none" else score
    return {pk: series[pk] for pk in project_ids}


def trend_weeks(today: date) -> list[date]:
    monday = snapshot_week_start(today)
    return [monday - timedelta(days=7 * back) for back in range(TREND_WEEKS - 1, -1, -1)]


def latest_snapshot_time() -> datetime | None:
    row = RiskSnapshot.objects.order_by("-computed_at").values_list("computed_at").first()
    return row[0] if row else None
