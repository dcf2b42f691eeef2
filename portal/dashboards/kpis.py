"""The five delivery KPIs: definitions, weekly series and the breakdown by business unit.

Durations are summed and counted in the database, grouped by local ISO week
(`TruncWeek` in the portal's time zone, so a Sunday-evening event in a DST week lands in
its own week) and by business unit; Python only divides the sums.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from portal.approvals.models import ApprovalRequest, Status
from portal.clients.models import ClientRequest
from portal.clients.models import RequestStatus as ClientStatus
from portal.core.models import BusinessUnit
from portal.dashboards import compliance
from portal.milestones.models import MilestoneRecord
from portal.odoo.models import Project
from portal.staffing.models import Booking

WEEKS = 12
NO_UNIT = "No business unit"


@dataclass
class Point:
    label: str  # "2025-W43" or a unit's name
    value: Decimal | None
    count: int
    start: date | None = None


@dataclass
class Kpi:
    key: str
    label: str
    unit: str  # "days", "hours", "%"
    definition: str
    better: str  # "lower" or "higher"
    weekly: list[Point] = field(default_factory=list)
    by_unit: list[Point] = field(default_factory=list)
    value: Decimal | None = None
    count: int = 0
    note: str = ""

    @property
    def available(self) -> bool:
        return self.count > 0


DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    "setup": (
        "Project setup cycle time", "days", "lower",
        "From the sale order's confirmation (Odoo's date_order on a confirmed order) to "
        "the creation of its Odoo project, in days, averaged over projects created in the "
        "week. The project's creation is Odoo's create_date; only for a project synced "
        "without one, the first time the portal saw it (its write date at that moment)."),
    "compliance": (
        "Timesheet compliance rate", "%", "higher",
        "For each finished ISO week: hours logged by each active employee with a working "
        "calendar, capped at that person's working time, divided by their working time. "
        "Working time comes from the calendar's attendances in the employee's time zone "
        "(a DST week counts its real hours; 2026 has a week 53). Public holidays and "
        "leave are not mirrored yet and are not subtracted."),
    "billing_lag": (
        "Billing lag", "days", "lower",
        "From a milestone reached in Odoo to its draft invoice, in days, averaged over "
        "milestones whose draft invoice was created in the week (milestone records)."),
    "approval_turnaround": (
        "Approval turnaround time", "hours", "lower",
        "From submission of an approval request to its final decision (approved or "
        "rejected), in hours, averaged over requests decided in the week. Withdrawn "
        "requests and requests sent back for changes are not counted."),
    "exception_resolution": (
        "Exception resolution time", "hours", "lower",
        "From opening to resolution, in hours, averaged over exceptions resolved in the "
        "week: staffing bookings that broke a rule (proposed → decided) and client "
        "requests (submitted → resolved or closed; the last change of a resolved request "
        "is taken as its resolution)."),
}  # fmt: skip


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(days=7 * back) for back in range(weeks - 1, -1, -1)]


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Bucket:
    total: Decimal = Decimal("0")
    count: int = 0

    def add(self, total: Decimal, count: int) -> None:
        self.total += total
        self.count += count


def _seconds(value: Any) -> Decimal:
    if value is None:
        return Decimal("0")
    if isinstance(value, timedelta):
        return Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / 10**6
    return Decimal(value) / 10**6  # some backends answer microseconds


def duration_sums(
    queryset: QuerySet[Any], start: str, end: str, unit_path: str
) -> Iterable[tuple[date, int | None, Decimal, int]]:
    """(week, unit id, seconds, count) per local week of `end` and unit, from the database."""
    rows = (
        queryset.filter(**{f"{end}__isnull": False, f"{start}__isnull": False})
        .filter(**{f"{end}__gte": F(start)})
        .annotate(
            _span=ExpressionWrapper(F(end) - F(start), output_field=DurationField()),
            _week=TruncWeek(end, tzinfo=tz()),
        )
        .order_by()
        .values("_week", unit_path)
        .annotate(_total=Sum("_span"), _n=Count("*"))
        .values_list("_week", unit_path, "_total", "_n")
    )
    for week, unit_id, total, count in rows:
        day = week.date() if isinstance(week, datetime) else week
        yield day, unit_id, _seconds(total), count


def build_duration_kpi(
    key: str,
    parts: list[tuple[QuerySet[Any], str, str, str]],
    weeks: list[date],
    units: dict[int, str],
    divisor: int,
) -> Kpi:
    """Average duration (seconds / divisor) per week and unit over several sources."""
    kpi = Kpi(key, *DEFINITIONS[key][:2], definition=DEFINITIONS[key][3],
              better=DEFINITIONS[key][2])  # fmt: skip
    by_week: dict[date, Bucket] = defaultdict(Bucket)
    by_unit: dict[int | None, Bucket] = defaultdict(Bucket)
    for queryset, start, end, unit_path in parts:
        in_range = queryset.filter(**{f"{end}__gte": _aware(weeks[0])})
        for week, unit_id, seconds, count in duration_sums(in_range, start, end, unit_path):
            by_week[week].add(seconds, count)
            by_unit[unit_id].add(seconds, count)
    kpi.weekly = [_point(week_label(w), by_week.get(w), divisor, w) for w in weeks]
    kpi.by_unit = _unit_points(by_unit, units, divisor)
    totals = Bucket()
    for bucket in by_week.values():
        totals.add(bucket.total, bucket.count)
    kpi.count = totals.count
    kpi.value = _avg(totals, divisor)
    return kpi


def _aware(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz())


def _avg(bucket: Bucket | None, divisor: int) -> Decimal | None:
    if bucket is None or bucket.count == 0:
        return None
    return (bucket.total / bucket.count / divisor).quantize(Decimal("0.1"))


def _point(label: str, bucket: Bucket | None, divisor: int, start: date | None = None) -> Point:
    return Point(label, _avg(bucket, divisor), bucket.count if bucket else 0, start)


def _unit_points(
    buckets: dict[int | None, Bucket], units: dict[int, str], divisor: int
) -> list[Point]:
    points = [
        _point(units.get(uid, NO_UNIT) if uid is not None else NO_UNIT, b, divisor)
        for uid, b in buckets.items()
    ]
    return sorted(points, key=lambda p: p.label)


def _scoped(queryset: QuerySet[Any], path: str, unit_ids: list[int] | None) -> QuerySet[Any]:
    return queryset if unit_ids is None else queryset.filter(**{f"{path}__in": unit_ids})


def all_kpis(unit_ids: list[int] | None = None, today: date | None = None) -> list[Kpi]:
    """Every KPI for the units in `unit_ids` (None: all units)."""
    today = today or timezone.localdate()
    weeks = week_starts(today)
    units = dict(BusinessUnit.objects.values_list("pk", "name"))

    # Odoo's creation time; the first sighting only stands in for a project without one.
    setup = _scoped(
        Project.objects.filter(
            deleted_in_odoo=False, sale_order__state__in=["sale", "done"]
        ).annotate(_created=Coalesce("create_date", "sighting__first_seen_at")),
        "business_unit_id",
        unit_ids,
    )
    billing = _scoped(MilestoneRecord.objects.all(), "milestone__project__business_unit_id",
                      unit_ids)  # fmt: skip
    approvals = _scoped(
        ApprovalRequest.objects.filter(status__in=[Status.APPROVED, Status.REJECTED]),
        "business_unit_id",
        unit_ids,
    )
    exceptions = _scoped(
        Booking.objects.exclude(violations=[]).filter(~Q(status="pending_approval")),
        "project__business_unit_id",
        unit_ids,
    )
    resolved = _scoped(
        ClientRequest.objects.filter(status__in=[ClientStatus.RESOLVED, ClientStatus.CLOSED]),
        "project__business_unit_id",
        unit_ids,
    )
    return [
        build_duration_kpi(
            "setup",
            [(setup, "sale_order__date_order", "_created", "business_unit_id")],
            weeks, units, 86400,
        ),
        compliance.compliance_kpi(DEFINITIONS["compliance"], weeks, units, unit_ids, today),
        build_duration_kpi(
            "billing_lag",
            [(billing, "reached_at", "invoice_drafted_at", "milestone__project__business_unit_id")],
            weeks, units, 86400,
        ),
        build_duration_kpi(
            "approval_turnaround",
            [(approvals, "submitted_at", "decided_at", "business_unit_id")],
            weeks, units, 3600,
        ),
        build_duration_kpi(
            "exception_resolution",
            [
                (exceptions, "created_at", "decided_at", "project__business_unit_id"),
                (resolved, "created_at", "updated_at", "project__business_unit_id"),
            ],
            weeks, units, 3600,
        ),
    ]  # fmt: skip
