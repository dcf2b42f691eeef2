"""Read models for the project pages, built from the mirror with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.core.models import BusinessUnit
from portal.odoo.models import Milestone, OdooUser, Partner, Project, Task, Timesheet

# Odoo 17+ task states that mean the work is over.
CLOSED_TASK_STATES = ("1_done", "1_canceled")
# Heuristic: many Odoo databases (the sandbox's demo data among them) keep their "Done"
# stage unfolded and leave task states open, so a stage named like this closes a task too.
CLOSED_STAGE_NAMES = ("done", "cancelled", "canceled")
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))


def is_closed_values(state: str | None, stage_fold: bool | None, stage_name: str | None) -> bool:
    """Closed: a closed state, a folded stage, or a stage named Done/Cancelled."""
    return (
        state in CLOSED_TASK_STATES
        or bool(stage_fold)
        or (stage_name or "").strip().lower() in CLOSED_STAGE_NAMES
    )


def closed_task_q(prefix: str = "") -> Q:
    """The same rule as `is_closed_values` for querysets (`prefix` like "task__")."""
    names = Q()
    for name in CLOSED_STAGE_NAMES:
        names |= Q(**{f"{prefix}stage__name__iexact": name})
    return (
        Q(**{f"{prefix}state__in": CLOSED_TASK_STATES})
        | Q(**{f"{prefix}stage__fold": True})
        | names
    )


def is_open(task: Task) -> bool:
    """Open: not closed by state, folded stage or a Done/Cancelled stage name."""
    stage = task.stage
    return not is_closed_values(
        task.state, stage.fold if stage else None, stage.name if stage else None
    )


def client_is(client_id: int) -> Q:
    """Projects of a client company: its own and those of its contacts."""
    return Q(partner__commercial_partner_id=client_id) | Q(
        partner_id=client_id, partner__commercial_partner_id__isnull=True
    )


def client_ids(projects: QuerySet[Project]) -> Q:
    """Partners that are the client company of one of `projects` (for a Partner filter)."""
    return Q(id__in=projects.values("partner__commercial_partner_id")) | Q(
        id__in=projects.filter(partner__commercial_partner_id__isnull=True).values("partner_id")
    )


def filter_choices(visible: QuerySet[Project]) -> dict[str, list[tuple[int, str]]]:
    """Units, clients and PMs to offer in the filters (three queries)."""
    units = list(
        BusinessUnit.objects.filter(id__in=visible.values("business_unit_id"))
        .order_by("name")
        .values_list("id", "name")
    )
    clients = list(
        Partner.objects.filter(client_ids(visible)).order_by("name").values_list("id", "name")
    )
    managers = list(
        OdooUser.objects.filter(id__in=visible.values("manager_id"))
        .order_by("name")
        .values_list("id", "name")
    )
    return {"units": units, "clients": clients, "managers": managers}


def filtered(visible: QuerySet[Project], filters: dict[str, Any]) -> QuerySet[Project]:
    projects = visible
    status = filters.get("status", "active")
    if status == "active":
        projects = projects.filter(active=True)
    elif status == "archived":
        projects = projects.filter(active=False)
    if "unit" in filters:
        projects = projects.filter(business_unit_id=filters["unit"])
    if "client" in filters:
        projects = projects.filter(client_is(filters["client"]))
    if "manager" in filters:
        projects = projects.filter(manager_id=filters["manager"])
    if text := filters.get("q"):
        projects = projects.filter(Q(name__icontains=text) | Q(partner__name__icontains=text))
    return projects


def list_rows(projects: QuerySet[Project]) -> QuerySet[Project]:
    """The project list's rows: one query whatever the number of projects."""
    open_tasks = (
        Task.objects.filter(project_id=OuterRef("pk"), active=True, deleted_in_odoo=False)
        .exclude(closed_task_q())
        .order_by()
        .values("project_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    next_deadline = (
        Milestone.objects.filter(project_id=OuterRef("pk"), is_reached=False, deleted_in_odoo=False)
        .order_by()
        .values("project_id")
        .annotate(d=Min("deadline"))
        .values("d")
    )
    return (
        projects.select_related("partner", "manager", "business_unit")
        .annotate(
            open_task_count=Coalesce(Subquery(open_tasks, output_field=IntegerField()), 0),
            next_milestone=Subquery(next_deadline),
        )
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class HoursSummary:
    allocated: Decimal
    logged: Decimal
    this_week: Decimal
    from_tasks: bool = False  # the project has no allocation; its tasks' sum is shown

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.logged

    @property
    def over(self) -> bool:
        return self.allocated > 0 and self.logged > self.allocated

    @property
    def percent(self) -> int:
        """Share of the allocation used, capped at 100 for the meter."""
        if self.allocated <= 0:
            return 0
        return min(100, int(self.logged * 100 / self.allocated))


def week_start(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


def project_detail(project: Project) -> dict[str, Any]:
    """Tasks, milestones, hours and recent timesheets of one project (five queries)."""
    tasks = list(
        Task.objects.filter(project_id=project.pk, deleted_in_odoo=False, active=True)
        .select_related("stage", "milestone")
        .prefetch_related(Prefetch("assignees", queryset=OdooUser.objects.order_by("name")))
        .order_by(
            F("stage__sequence").asc(nulls_last=True),
            "stage_id",
            F("date_deadline").asc(nulls_last=True),
            "name",
        )
    )
    milestones = list(
        Milestone.objects.filter(project_id=project.pk, deleted_in_odoo=False)
        .select_related("sale_line")
        .order_by(F("deadline").asc(nulls_last=True), "name")
    )
    timesheets = Timesheet.objects.filter(project_id=project.pk, deleted_in_odoo=False)
    totals = timesheets.aggregate(
        logged=Coalesce(Sum("unit_amount"), ZERO),
        this_week=Coalesce(Sum("unit_amount", filter=Q(date__gte=week_start())), ZERO),
    )
    recent = list(timesheets.select_related("employee", "task").order_by("-date", "-id")[:15])
    # Many Odoo projects budget hours on tasks only; fall back to their sum.
    task_allocated = sum((t.allocated_hours for t in tasks), Decimal("0"))
    hours = HoursSummary(
        allocated=project.allocated_hours or task_allocated,
        logged=totals["logged"],
        this_week=totals["this_week"],
        from_tasks=not project.allocated_hours and task_allocated > 0,
    )
    return {
        "tasks": tasks,
        "open_task_count": sum(1 for t in tasks if is_open(t)),
        "milestones": milestones,
        "reached_count": sum(1 for m in milestones if m.is_reached),
        "hours": hours,
        "recent_timesheets": recent,
    }
