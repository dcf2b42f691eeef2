"""Home-page panels that read the mirror: portfolio counts, my projects, my work, sync."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q, Sum
from django.utils import timezone

from portal.core.home import links, optional_url, register_panel
from portal.core.models import Role, User
from portal.odoo.models import Partner, SyncIssue, SyncState, Task, Timesheet
from portal.projects import queries
from portal.projects.access import visible_to

PANEL_LIST_SIZE = 8


def _portfolio(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    active = visible_to(user).filter(active=True)
    over_hours = active.filter(allocated_hours__gt=0).filter(
        effective_hours__gt=F("allocated_hours")
    )
    late = active.filter(
        milestones__is_reached=False,
        milestones__deadline__lt=today,
        milestones__deleted_in_odoo=False,
    ).distinct()
    flagged = active.filter(last_update_status__in=["at_risk", "off_track"])
    list_url = optional_url("projects:list") or ""
    return {
        "stats": [
            ("Active projects", active.count(), list_url),
            ("With a missed milestone", late.count(), None),
            ("Over their hours", over_hours.count(), None),
            ("Flagged at risk or off track", flagged.count(), None),
        ],
        "links": links(("Risk dashboard", "dashboards:risk", "Why each project is at risk")),
    }


def _pending_approvals(user: User) -> int | None:
    """Requests awaiting this person's decision, when the approvals app offers the count."""
    try:
        selectors = importlib.import_module("portal.approvals.selectors")
    except ImportError:
        return None
    pending_count = getattr(selectors, "pending_count", None)
    return int(pending_count(user)) if pending_count is not None else None


def _my_projects(user: User) -> dict[str, Any]:
    mine = visible_to(user).none()
    if user.odoo_user_id is not None:
        mine = visible_to(user).filter(manager_id=user.odoo_user_id, active=True)
    rows = list(queries.list_rows(mine)[:PANEL_LIST_SIZE])
    return {
        "projects": rows,
        "not_linked": user.odoo_user_id is None,
        "pending": _pending_approvals(user),
        "inbox_url": optional_url("approvals:inbox"),
        "links": links(
            ("Milestones", "milestones:list", "Evidence and readiness for billing"),
            ("Request staff", "staffing:request_new", "Raise a staffing request"),
        ),
    }


def _account(user: User) -> dict[str, Any]:
    active = visible_to(user).filter(active=True)
    return {
        "stats": [
            ("Active projects in your units", active.count(), optional_url("projects:list")),
            ("Clients", Partner.objects.filter(queries.client_ids(active)).count(), None),
        ],
        "links": links(
            ("Client accounts", "clients:manage", "Publish projects, invite client contacts"),
            ("Discounts and adjustments", "commercial:list", "Commercial changes you raised"),
            ("Approval inbox", "approvals:inbox", "Discounts and commercial changes"),
        ),
    }


def _my_work(user: User) -> dict[str, Any]:
    tasks: list[Task] = []
    if user.odoo_user_id is not None:
        tasks = list(
            Task.objects.filter(assignees__id=user.odoo_user_id, active=True, deleted_in_odoo=False)
            .exclude(queries.closed_task_q())
            .select_related("project", "stage")
            .order_by(F("date_deadline").asc(nulls_last=True), "name")[:PANEL_LIST_SIZE]
        )
    mine = Q(pk__in=[])
    if user.odoo_employee_id is not None:
        mine |= Q(employee_id=user.odoo_employee_id)
    if user.odoo_user_id is not None:
        mine |= Q(user_id=user.odoo_user_id)
    start = queries.week_start()
    week = Timesheet.objects.filter(mine, date__gte=start, deleted_in_odoo=False).aggregate(
        total=Sum("unit_amount")
    )["total"]
    return {
        "links": links(("My assignments", "staffing:my_assignments", "Bookings ahead")),
        "tasks": tasks,
        "week_start": start,
        "week_hours": week or 0,
        "not_linked": user.odoo_user_id is None and user.odoo_employee_id is None,
    }


def sync_stale_after() -> timedelta:
    """Three missed beats of the periodic sync: past that, old "ok" states prove nothing."""
    entry = getattr(settings, "CELERY_BEAT_SCHEDULE", {}).get("odoo-sync", {})
    return timedelta(seconds=3 * float(entry.get("schedule", 300.0)))


def _sync(user: User) -> dict[str, Any]:
    # No live Odoo probe here (the home page must not wait on Odoo): the panel states what
    # the last runs found and how old that is, rather than claiming everything is in sync.
    states = list(SyncState.objects.order_by("model"))
    finished = [s.last_finished_at for s in states if s.last_finished_at]
    last_run = max(finished) if finished else None
    stale_after = sync_stale_after()
    return {
        "states": states,
        "ok_count": sum(1 for s in states if s.last_status == "ok"),
        "failed": [s for s in states if s.last_status == "failed"],
        "last_run": last_run,
        "stale": last_run is None or timezone.now() - last_run > stale_after,
        "stale_minutes": int(stale_after.total_seconds() // 60),
        "open_issues": SyncIssue.objects.filter(resolved_at__isnull=True).count(),
        "links": links(
            ("Sync status", "odoo:sync_status", "Per-model watermarks and issues"),
        ),
    }


def register_panels() -> None:
    register_panel(
        "portfolio",
        "Portfolio",
        [Role.DELIVERY_LEADER, Role.PRACTICE_LEADER],
        _portfolio,
        template="projects/panels/portfolio.html",
        order=10,
    )
    register_panel(
        "my-projects",
        "My projects",
        [Role.PROJECT_MANAGER],
        _my_projects,
        template="projects/panels/my_projects.html",
        order=10,
    )
    register_panel(
        "account",
        "Accounts",
        [Role.ACCOUNT_MANAGER],
        _account,
        template="projects/panels/portfolio.html",
        order=10,
    )
    register_panel(
        "my-work",
        "My work",
        [Role.CONSULTANT],
        _my_work,
        template="projects/panels/my_work.html",
        order=10,
    )
    register_panel(
        "sync",
        "Odoo sync",
        [Role.OPERATOR],
        _sync,
        template="projects/panels/sync.html",
        order=20,
    )
