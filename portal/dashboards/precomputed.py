"""The current risk rating of every active project, stored so the risk page stays fast.

Rating 2,000 projects live (their figures over a million timesheet lines, then the rules
in Python) takes seconds, and sorting by risk needs every project's rating before the
first page can be shown. So `refresh` rates every active project with the same code as
the snapshots (`portal.dashboards.risk`) and stores the result in `RiskRating`; the page
filters, counts, sorts and pages those rows in the database and rebuilds only the 50 it
shows. The `dashboards-risk` beat task refreshes them every REFRESH_EVERY; the page says
when they were computed, and recomputes them itself before answering when a visible
project has no rating yet (just synced) or the ratings are older than STALE_AFTER (no
worker), so a figure is never older than that.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.dashboards.models import RiskRating
from portal.dashboards.risk import ProjectRisk, active_projects, assess_all
from portal.dashboards.rules import DIMENSIONS, DimensionResult, Rating
from portal.odoo.models import Project

logger = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(minutes=5)  # the beat task's schedule (settings.py)
STALE_AFTER = timedelta(minutes=15)  # older than this, the page recomputes them itself
LABELS = {d.key: d.label for d in DIMENSIONS}


def refresh(as_of: datetime | None = None) -> int:
    """Rate every active project now and store the ratings (safe to run concurrently)."""
    as_of = as_of or timezone.now()
    assessed = assess_all(active_projects(), as_of)
    rows = [
        RiskRating(
            project_id=r.project.pk,
            rank=rank,
            rating=int(r.rating),
            severity=r.severity,
            drag=r.drag.key if r.drag else "",
            dimensions=[_dimension_json(d) for d in r.dimensions],
            targets=r.targets,
            computed_at=as_of,
        )
        for rank, r in enumerate(assessed)
    ]
    with transaction.atomic():
        # Upserts, not delete-and-insert, so two refreshes at once cannot collide.
        RiskRating.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["project"],
            update_fields=["rank", "rating", "severity", "drag", "dimensions", "targets",
                           "computed_at"],
        )  # fmt: skip
        RiskRating.objects.exclude(project__in=active_projects()).delete()
    logger.info("Risk ratings of %s projects computed as of %s", len(rows), as_of)
    return len(rows)


def needs_refresh(missing: int, oldest: datetime | None, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return missing > 0 or (oldest is not None and oldest < now - STALE_AFTER)


def as_risk(project: Project) -> ProjectRisk:
    """The stored rating of `project` (fetched with `risk_rating`), ready for the page."""
    stored: RiskRating = project.risk_rating
    dimensions = [_dimension(d) for d in stored.dimensions]
    drag = next((d for d in dimensions if d.key == stored.drag), None)
    return ProjectRisk(project, Rating(stored.rating), drag, dimensions, {},
                       targets=dict(stored.targets))  # fmt: skip


def _dimension_json(d: DimensionResult) -> dict[str, Any]:
    return {"key": d.key, "rating": int(d.rating), "severity": d.severity,
            "reasons": list(d.reasons)}  # fmt: skip


def _dimension(data: dict[str, Any]) -> DimensionResult:
    key = data["key"]
    return DimensionResult(key, LABELS.get(key, key), Rating(data["rating"]),
                           float(data["severity"]), tuple(data["reasons"]))  # fmt: skip
