"""The risk figures of every active project, computed in one database query.

The risk page does not run this per request (seconds for 2,000 projects): it reads the
ratings that `portal.dashboards.precomputed` stores from it.

Each figure is a correlated subquery on the project row (counts, oldest dates, sums over
the (project, date) timesheet index), so the page costs one query however many projects
there are; rating and sorting then work on those rows (`portal.dashboards.rules`).
Figures are computed "as of" a moment so that the weekly snapshots and the backfill use
the same code as the live page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.approvals.models import ApprovalRequest, ApprovalStep, StepStatus
from portal.clients.models import ClientRequest
from portal.clients.models import RequestStatus as ClientStatus
from portal.dashboards import rules
from portal.dashboards.rules import DIMENSIONS, DimensionResult, Rating
from portal.milestones.models import BillingState, MilestoneRecord
from portal.odoo.models import Milestone, Project, Task, Timesheet
from portal.staffing.models import Booking, BookingWeek, StaffingRequest

CLOSED_TASK_STATES = ("1_done", "1_canceled", "done", "cancelled")
ZERO = Value(0, output_field=IntegerField())
HOURS = DecimalField(max_digits=14, decimal_places=2)


def _count(queryset: QuerySet[Any], ref: str) -> Coalesce:
    """COUNT(*) of `queryset` rows whose `ref` is the outer project."""
    counted = (
        queryset.filter(**{ref: OuterRef("pk")})
        .order_by()
        .values(ref)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), ZERO)


def _first(queryset: QuerySet[Any], ref: str, value: str, order: str, out: Any) -> Subquery:
    picked = queryset.filter(**{ref: OuterRef("pk")}).order_by(order).values(value)[:1]
    return Subquery(picked, output_field=out)


def _sum(queryset: QuerySet[Any], ref: str, value: str) -> Coalesce:
    summed = (
        queryset.filter(**{ref: OuterRef("pk")})
        .order_by()
        .values(ref)
        .annotate(total=Sum(value))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=HOURS), Value(Decimal("0"), output_field=HOURS))


def last_full_week(today: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week before `today`'s (week 53 handled by the calendar)."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def annotate_figures(projects: QuerySet[Project], as_of: datetime) -> QuerySet[Project]:
    """Add every figure the rules read, plus the ids the page links to."""
    today = timezone.localdate(as_of)
    week_from, week_to = last_full_week(today)

    open_tasks = Task.objects.filter(active=True, deleted_in_odoo=False).exclude(
        state__in=CLOSED_TASK_STATES
    )
    all_tasks = Task.objects.filter(active=True, deleted_in_odoo=False)
    overdue_ms = Milestone.objects.filter(deleted_in_odoo=False, deadline__lt=today).filter(
        Q(is_reached=False) | Q(reached_date__gt=today)
    )
    # Billable milestones reached by `as_of` with no draft invoice by then.
    uninvoiced = (
        Milestone.objects.filter(deleted_in_odoo=False, is_reached=True, reached_date__lte=today)
        .filter(Q(sale_line__isnull=False) | Q(record__manual_amount__isnull=False))
        .filter(
            Q(record__isnull=True)
            | Q(record__invoice_drafted_at__isnull=True)
            | Q(record__invoice_drafted_at__gt=as_of)
        )
    )
    assignees = Task.assignees.through.objects.filter(task_id=OuterRef("pk"))
    unassigned = open_tasks.annotate(has_people=Exists(assignees)).filter(has_people=False)
    staffing = StaffingRequest.objects.open().filter(
        created_at__lte=as_of, start_date__lte=today + rules.STAFFING_HORIZON
    )
    stalled = ApprovalStep.objects.filter(due_at__lt=as_of, activated_at__lte=as_of).filter(
        Q(status=StepStatus.PENDING) | Q(decided_at__gt=as_of)
    )
    waiting_ms = MilestoneRecord.objects.filter(
        state=BillingState.READY, ready_at__lt=as_of - rules.CLIENT_WAIT
    )
    waiting_requests = ClientRequest.objects.filter(
        status=ClientStatus.WAITING_FOR_CLIENT, updated_at__lt=as_of - rules.CLIENT_WAIT
    )
    late_answer = Q(pk__in=[])
    for urgency, window in rules.CLIENT_RESPONSE.items():
        late_answer |= Q(urgency=urgency, created_at__lt=as_of - window)
    unanswered = ClientRequest.objects.filter(status=ClientStatus.NEW).filter(late_answer)
    week_time = Timesheet.objects.filter(date__range=(week_from, week_to), deleted_in_odoo=False)
    week_booked = BookingWeek.objects.filter(week_start=week_from)

    return projects.annotate(
        overdue_milestones=_count(overdue_ms, "project_id"),
        first_overdue_milestone=_first(overdue_ms, "project_id", "pk", "deadline", IntegerField()),
        overdue_tasks=_count(open_tasks.filter(date_deadline__lt=as_of), "project_id"),
        task_total=_count(all_tasks, "project_id"),
        task_closed=_count(all_tasks.filter(state__in=CLOSED_TASK_STATES), "project_id"),
        oldest_uninvoiced=_first(uninvoiced, "project_id", "reached_date", "reached_date",
                                 DateField()),
        oldest_uninvoiced_id=_first(uninvoiced, "project_id", "pk", "reached_date",
                                    IntegerField()),
        open_staffing=_count(staffing, "project_id"),
        unassigned_tasks=_count(unassigned, "project_id"),
        last_time=_first(Timesheet.objects.filter(deleted_in_odoo=False, date__lte=today),
                         "project_id", "date", "-date", DateField()),
        week_logged=_sum(week_time, "project_id", "unit_amount"),
        week_booked=_sum(week_booked, "booking__project_id", "hours"),
        stalled_steps=_count(stalled, "request__project_id"),
        oldest_due=_first(stalled, "request__project_id", "due_at", "due_at", DateTimeField()),
        client_waiting_ms=_count(waiting_ms, "milestone__project_id"),
        client_waiting_req=_count(waiting_requests, "project_id"),
        client_unanswered=_count(unanswered, "project_id"),
        # Uncorrelated: the database evaluates each once for the whole query.
        has_milestones=Exists(Milestone.objects.all()),
        has_staffing=Exists(StaffingRequest.objects.all()) | Exists(Booking.objects.all()),
        has_time=Exists(Timesheet.objects.all()),
        has_approvals=Exists(ApprovalRequest.objects.all()),
        has_client=Exists(ClientRequest.objects.all()) | Exists(MilestoneRecord.objects.all()),
    )  # fmt: skip


def active_projects() -> QuerySet[Project]:
    return Project.objects.filter(active=True, deleted_in_odoo=False)


@dataclass
class ProjectRisk:
    project: Project
    rating: Rating
    drag: DimensionResult | None
    dimensions: list[DimensionResult]
    figures: dict[str, Any]
    links: dict[str, str] = field(default_factory=dict)
    trend: list[int | None] = field(default_factory=list)
    cells: list[tuple[DimensionResult, str]] = field(default_factory=list)  # with their links
    cells_html: str = ""  # the cells as the page's <td>s (views._cells_html)
    sparkline: str = ""
    # Ids the cells link to: the first overdue and the oldest uninvoiced milestone.
    targets: dict[str, int] = field(default_factory=dict)

    @property
    def severity(self) -> float:
        return self.drag.severity if self.drag else 0.0


def figures_of(row: Any, as_of: datetime) -> dict[str, Any]:
    """The rule inputs of one annotated row (arithmetic on its values; no queries)."""
    today = timezone.localdate(as_of)
    allocated = row.allocated_hours or Decimal("0")
    burn = (row.effective_hours * 100 / allocated) if allocated > 0 else None
    progress = Decimal(row.task_closed * 100) / row.task_total if row.task_total else None
    gap = (burn - progress) if burn is not None and progress is not None else None
    last = row.last_time or row.date_start
    booked = row.week_booked or Decimal("0")
    logged = row.week_logged or Decimal("0")
    stall = None
    if row.oldest_due is not None:
        stall = Decimal(int((as_of - row.oldest_due).total_seconds() // 3600))
    return {
        "overdue_milestones": row.overdue_milestones,
        "overdue_tasks": row.overdue_tasks,
        "burn_pct": burn,
        "burn_gap": gap,
        "uninvoiced_days": (today - row.oldest_uninvoiced).days if row.oldest_uninvoiced else None,
        "open_staffing": row.open_staffing,
        "unassigned_tasks": row.unassigned_tasks,
        "days_since_time": (today - last).days if last and last <= today else None,
        "time_gap_pct": (max(booked - logged, Decimal("0")) * 100 / booked) if booked else None,
        "stalled_steps": row.stalled_steps,
        "stall_hours": stall,
        "client_waiting": row.client_waiting_ms + row.client_waiting_req,
        "client_unanswered": row.client_unanswered,
    }


def availability(row: Any) -> dict[str, bool]:
    return {
        "mirror": True,
        "milestones": bool(row.has_milestones),
        "staffing": bool(row.has_staffing),
        "timesheets": bool(row.has_time),
        "approvals": bool(row.has_approvals),
        "clients": bool(row.has_client),
    }


def assess(row: Any, as_of: datetime) -> ProjectRisk:
    """Rate one annotated project row against the rules."""
    figures = figures_of(row, as_of)
    available = availability(row)
    results = [rules.rate_dimension(d, figures, available[d.source]) for d in DIMENSIONS]
    rating, drag = rules.overall(results)
    targets = {"milestone": row.first_overdue_milestone, "uninvoiced": row.oldest_uninvoiced_id}
    return ProjectRisk(row, rating, drag, results, figures,
                       targets={k: v for k, v in targets.items() if v is not None})  # fmt: skip


def assess_all(projects: QuerySet[Project], as_of: datetime | None = None) -> list[ProjectRisk]:
    """Every project of `projects`, rated and sorted worst first (one query)."""
    as_of = as_of or timezone.now()
    rows = annotate_figures(projects, as_of).select_related("partner", "manager", "business_unit")
    assessed = [assess(row, as_of) for row in rows]
    assessed.sort(key=lambda r: (-r.rating, -r.severity, r.project.name.lower(), r.project.pk))
    return assessed


def snapshot_week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
