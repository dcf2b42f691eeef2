"""What the dashboards precompute: current risk ratings, weekly risk snapshots, first
sightings, worker heartbeats.

Everything else on the dashboards is read live from the other apps' tables; these rows
exist only where a live figure would be too slow (the current ratings of every project,
the 12-week trend) or cannot be read from the mirror at all (when a project first
appeared, whether a worker is alive).
"""

from __future__ import annotations

from django.db import models


class RiskRating(models.Model):
    """The current risk rating of one active project, as the risk page shows it.

    Rewritten for every active project by `portal.dashboards.precomputed.refresh` (beat
    task every 5 minutes, or the page itself when the rows are stale); `rank` is the
    project's place in the firm-wide worst-first order, so the page sorts and pages in SQL.
    """

    project = models.OneToOneField(
        "odoo.Project",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="risk_rating",
    )
    rank = models.PositiveIntegerField(db_index=True)
    rating = models.SmallIntegerField()  # rules.Rating: -1 none, 0 green, 1 amber, 2 red
    severity = models.FloatField(default=0.0)
    drag = models.CharField(max_length=32, blank=True)
    # [{"key", "rating", "severity", "reasons"}] in rules.DIMENSIONS order.
    dimensions = models.JSONField(default=list)
    targets = models.JSONField(default=dict)  # ids the cells link to: {"milestone": 12}
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.project_id} rated {self.rating} at {self.computed_at}"


class RiskSnapshot(models.Model):
    """The risk ratings of one project at the end of one ISO week (week_start: Monday).

    Written by the `dashboards-snapshot` beat task for the current week (overwritten until
    the week ends) and by `manage.py dashboards_backfill` for past weeks.
    """

    project = models.ForeignKey(
        "odoo.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    week_start = models.DateField()
    overall = models.CharField(max_length=8)  # green, amber, red, none
    score = models.PositiveSmallIntegerField(default=0)  # 0 green, 1 amber, 2 red
    ratings = models.JSONField(default=dict)  # {dimension: rating}
    drag = models.CharField(max_length=32, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "week_start"], name="one_snapshot_per_week")
        ]
        indexes = [models.Index(fields=["week_start", "project"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.week_start} {self.overall}"


class ProjectSighting(models.Model):
    """When the portal first saw an Odoo project: the setup KPI's stand-in for Odoo's
    `create_date` when a project was synced without one.

    The first sighting is the project's `write_date` at that moment (its earliest write
    the portal knows of), or the time of sighting when Odoo gave none.
    """

    project = models.OneToOneField(
        "odoo.Project",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="sighting",
    )
    first_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.project_id} first seen {self.first_seen_at}"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task (beat sends it every 30 s)."""

    hostname = models.CharField(max_length=200, primary_key=True)
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.hostname} at {self.last_seen}"
