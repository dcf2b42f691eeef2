"""The risk rules: one table of thresholds, read by the dashboard, the snapshots and the help.

Every rule reads one figure of a project (computed in the database by `portal.dashboards.
risk`) and rates it amber or red when it reaches a threshold. A dimension takes the worst
rating of its rules; a project's overall colour is its worst dimension, and the biggest
drag is the worst dimension whose figure is furthest past its red threshold. Change a
threshold here and the page, the weekly snapshots and the help text all follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import IntEnum


class Rating(IntEnum):
    """Ordered so that max() is the worst; NONE means "no data to rate yet"."""

    NONE = -1
    GREEN = 0
    AMBER = 1
    RED = 2

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return {"none": "Not available yet", "green": "OK", "amber": "Watch", "red": "At risk"}[
            self.key
        ]

    @property
    def symbol(self) -> str:
        # A shape per rating, so the colour is never the only signal.
        return {"none": "-", "green": "●", "amber": "▲", "red": "■"}[self.key]


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    source: str  # the app whose data it needs; "not available yet" while that has none


@dataclass(frozen=True)
class Rule:
    dimension: str
    metric: str  # the annotation computed by portal.dashboards.risk
    label: str
    amber: Decimal
    red: Decimal
    unit: str
    text: str

    def rate(self, value: Decimal | int | None) -> Rating:
        if value is None:
            return Rating.GREEN
        if value >= self.red:
            return Rating.RED
        if value >= self.amber:
            return Rating.AMBER
        return Rating.GREEN

    def severity(self, value: Decimal | int | None) -> float:
        """How far the figure is towards (or past) red: 1.0 at the red threshold."""
        if value is None or self.red <= 0:
            return 0.0
        return float(Decimal(value) / self.red)


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("schedule", "Schedule", "mirror"),
    Dimension("budget", "Budget", "mirror"),
    Dimension("billing", "Billing", "milestones"),
    Dimension("staffing", "Staffing", "staffing"),
    Dimension("timesheets", "Timesheets", "timesheets"),
    Dimension("approvals", "Approvals", "approvals"),
    Dimension("client", "Client", "clients"),
)
DIMENSION_KEYS = tuple(d.key for d in DIMENSIONS)

# Windows used by the figures (not thresholds: they say what is counted).
STAFFING_HORIZON = timedelta(days=14)  # open requests starting within this are urgent
CLIENT_WAIT = timedelta(days=7)  # an item waiting on the client longer is overdue
# How long a new client request may wait for a first answer, by urgency.
CLIENT_RESPONSE: dict[str, timedelta] = {
    "urgent": timedelta(hours=4),
    "high": timedelta(days=1),
    "normal": timedelta(days=3),
    "low": timedelta(days=5),
}


def _d(value: str) -> Decimal:
    return Decimal(value)


RULES: tuple[Rule, ...] = (
    Rule("schedule", "overdue_milestones", "Overdue milestones", _d("1"), _d("2"), "",
         "Milestones whose deadline has passed and that are not reached."),
    Rule("schedule", "overdue_tasks", "Overdue open tasks", _d("3"), _d("8"), "",
         "Open tasks (not done or cancelled) whose deadline has passed."),
    Rule("budget", "burn_pct", "Hours used of the allocation", _d("90"), _d("110"), "%",
         "Hours logged on the project (Odoo's effective hours) against its allocated "
         "hours; projects without an allocation are not rated on this."),
    Rule("budget", "burn_gap", "Hours used ahead of progress", _d("15"), _d("30"), " pts",
         "Percentage of the allocation used minus the percentage of tasks closed."),
    Rule("billing", "uninvoiced_days", "Oldest reached milestone not invoiced", _d("7"),
         _d("21"), " days",
         "Days since a billable milestone (with a sale-order line or a manual amount) was "
         "reached without a draft invoice."),
    Rule("staffing", "open_staffing", "Open staffing requests starting soon", _d("1"), _d("3"),
         "", "Staffing requests still open (or waiting for approval) that start within "
         "14 days or have already started."),
    Rule("staffing", "unassigned_tasks", "Open tasks with nobody assigned", _d("3"), _d("10"),
         "", "Open tasks without an assignee."),
    Rule("timesheets", "days_since_time", "Days since the last time entry", _d("8"), _d("15"),
         " days", "Days since the newest timesheet line on the project (or since its "
         "start date when nobody has logged time yet)."),
    Rule("timesheets", "time_gap_pct", "Booked hours of last week not logged", _d("20"),
         _d("50"), "%", "Hours booked on the project for the last full ISO week (staffing "
         "bookings) that were not logged as time on it."),
    Rule("approvals", "stalled_steps", "Approval steps past their SLA", _d("1"), _d("3"), "",
         "Pending approval steps on the project's requests whose due time has passed."),
    Rule("approvals", "stall_hours", "Longest stall past the SLA", _d("1"), _d("48"), " h",
         "Hours since the oldest of those steps fell due."),
    Rule("client", "client_waiting", "Items waiting on the client", _d("1"), _d("3"), "",
         "Milestones waiting for the client's sign-off and requests waiting for the "
         "client's answer, for more than 7 days."),
    Rule("client", "client_unanswered", "Client requests without an answer", _d("1"), _d("2"),
         "", "New client requests not picked up within their response window (urgent 4 h, "
         "high 1 day, normal 3 days, low 5 days)."),
)  # fmt: skip


def rules_of(dimension: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.dimension == dimension)


@dataclass(frozen=True)
class DimensionResult:
    key: str
    label: str
    rating: Rating
    severity: float
    reasons: tuple[str, ...]  # "2 overdue milestones", for the cell and the drag


def rate_dimension(
    dimension: Dimension, figures: dict[str, Decimal | int | None], available: bool
) -> DimensionResult:
    """Rate one dimension from a project's figures (the worst of its rules)."""
    if not available:
        return DimensionResult(dimension.key, dimension.label, Rating.NONE, 0.0, ())
    rating, severity, reasons = Rating.GREEN, 0.0, []
    for rule in rules_of(dimension.key):
        value = figures.get(rule.metric)
        rule_rating = rule.rate(value)
        if rule_rating > Rating.GREEN:
            reasons.append(f"{rule.label}: {_fmt(value)}{rule.unit}")
        rating = max(rating, rule_rating)
        severity = max(severity, rule.severity(value))
    return DimensionResult(dimension.key, dimension.label, rating, severity, tuple(reasons))


def overall(results: list[DimensionResult]) -> tuple[Rating, DimensionResult | None]:
    """The weakest dimension sets the colour; the drag is the worst, furthest past red."""
    rated = [r for r in results if r.rating is not Rating.NONE]
    if not rated:
        return Rating.NONE, None
    worst = max(rated, key=lambda r: (r.rating, r.severity))
    if worst.rating is Rating.GREEN:
        return Rating.GREEN, None
    return worst.rating, worst


def _fmt(value: Decimal | int | None) -> str:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('1')):f}"
    return str(value)
