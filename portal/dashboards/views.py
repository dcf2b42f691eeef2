"""The dashboards (risk, KPIs, operations) and the health endpoint. Read-only pages."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.core.htmx import is_fragment_request
from portal.dashboards import health, kpis, operations, rules, snapshots, svg
from portal.dashboards.access import KPI_ROLES, OPS_ROLES, RISK_ROLES, unit_scope, user_of
from portal.dashboards.forms import KpiFilterForm, RiskFilterForm
from portal.dashboards.risk import ProjectRisk, assess_all
from portal.odoo.models import SyncState
from portal.projects.access import visible_to

PAGE_SIZE = 50
MIRROR_MODELS = ["project.project", "project.task", "project.milestone", "account.analytic.line"]


@require_GET
@login_required
def risk(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    unit_scope(user, RISK_ROLES)
    assessed = assess_all(visible_to(user).filter(active=True))

    form = RiskFilterForm(request.GET or None, **_choices(assessed))
    filters, ignored = form.usable() if form.is_bound else ({}, [])
    for text in ignored:
        messages.warning(request, text)
    rows = _filtered(assessed, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page.object_list)

    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form, "page": page, "query": query.urlencode(), "rules": rules.RULES,
        "dimensions": rules.DIMENSIONS, "totals": _totals(rows), "total": len(assessed),
        "computed_at": timezone.now(), "mirror_synced": _mirror_synced(),
        "snapshot_at": snapshots.latest_snapshot_time(),
    }  # fmt: skip
    template = (
        "dashboards/_risk_table.html" if is_fragment_request(request) else "dashboards/risk.html"
    )
    return render(request, template, context)


def _choices(assessed: list[ProjectRisk]) -> dict[str, list[tuple[int, str]]]:
    units, clients, managers = {}, {}, {}
    for r in assessed:
        p = r.project
        if p.business_unit_id:
            units[p.business_unit_id] = p.business_unit.name  # type: ignore[union-attr]
        if p.partner_id:
            clients[p.partner_id] = p.partner.name
        if p.manager_id:
            managers[p.manager_id] = p.manager.name
    named = (("units", units), ("clients", clients), ("managers", managers))
    return {key: sorted(d.items(), key=lambda kv: kv[1].lower()) for key, d in named}


def _filtered(assessed: list[ProjectRisk], filters: dict[str, Any]) -> list[ProjectRisk]:
    rows = assessed
    if "unit" in filters:
        rows = [r for r in rows if r.project.business_unit_id == filters["unit"]]
    if "client" in filters:
        rows = [r for r in rows if r.project.partner_id == filters["client"]]
    if "manager" in filters:
        rows = [r for r in rows if r.project.manager_id == filters["manager"]]
    wanted = filters.get("rating")
    if wanted:
        floor = {"red": rules.Rating.RED, "amber": rules.Rating.AMBER}.get(wanted)
        rows = [r for r in rows if (r.rating >= floor if floor else r.rating is rules.Rating.NONE)]
    if filters.get("sort") == "name":
        rows = sorted(rows, key=lambda r: r.project.name.lower())
    return rows


def _totals(rows: list[ProjectRisk]) -> dict[str, int]:
    totals = {"red": 0, "amber": 0, "green": 0, "none": 0}
    for r in rows:
        totals[r.rating.key] += 1
    return totals


def _url(name: str, *args: Any, query: str = "") -> str:
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def _decorate(rows: Any) -> None:
    """Links behind each rating and the 12-week trend, for the projects of this page only."""
    page_rows: list[ProjectRisk] = list(rows)
    weeks = snapshots.trend_weeks(timezone.localdate())
    labels = [kpis.week_label(w) for w in weeks]
    trends = snapshots.trends([r.project.pk for r in page_rows])
    for r in page_rows:
        pk, row = r.project.pk, r.project
        project_url = _url("projects:detail", pk)
        milestone = getattr(row, "first_overdue_milestone", None)
        uninvoiced = getattr(row, "oldest_uninvoiced_id", None)
        r.links = {
            "project": project_url,
            "schedule": _url("milestones:detail", milestone) if milestone else project_url,
            "budget": project_url,
            "billing": _url("milestones:detail", uninvoiced) if uninvoiced else project_url,
            "staffing": _url("staffing:board") or project_url,
            "timesheets": project_url,
            "approvals": _url("approvals:inbox", query=f"project={pk}"),
            "client": _url("clients:queue", query="scope=all") or project_url,
        }
        r.cells = [(d, r.links[d.key]) for d in r.dimensions]
        r.trend = trends.get(pk, [])
        r.sparkline = svg.sparkline(r.trend, labels)


def _mirror_synced() -> datetime | None:
    row = SyncState.objects.filter(model__in=MIRROR_MODELS, last_status="ok").aggregate(
        oldest=Min("last_finished_at")
    )
    return row["oldest"]


@require_GET
@login_required
def kpi_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    scope = unit_scope(user, KPI_ROLES)
    from portal.core.models import BusinessUnit

    units = BusinessUnit.objects.all()
    if scope is not None:
        units = units.filter(pk__in=scope)
    form = KpiFilterForm(request.GET or None, units=list(units.values_list("pk", "name")))
    unit_ids = scope
    if form.is_bound and form.is_valid() and form.cleaned_data.get("unit"):
        unit_ids = [form.cleaned_data["unit"]]
    elif form.is_bound and form.errors:
        messages.warning(request, "That business unit is not one of yours; showing all of yours.")

    figures = kpis.all_kpis(unit_ids)
    if request.GET.get("format") == "csv":
        return _kpi_csv(figures)
    charts = [
        {"kpi": k, "line": svg.line_chart(k.weekly, k.unit, k.label),
         "bars": svg.bar_chart(k.by_unit, k.unit, k.label)}
        for k in figures
    ]  # fmt: skip
    query = request.GET.copy()
    query["format"] = "csv"
    context = {"form": form, "charts": charts, "computed_at": timezone.now(),
               "csv_query": query.urlencode(), "mirror_synced": _mirror_synced()}  # fmt: skip
    return render(request, "dashboards/kpis.html", context)


def _kpi_csv(figures: list[kpis.Kpi]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kpis.csv"'
    writer = csv.writer(response)
    writer.writerow(["kpi", "unit", "breakdown", "period_or_unit", "value", "count"])
    for k in figures:
        for p in k.weekly:
            writer.writerow([k.key, k.unit, "week", p.label, "" if p.value is None else p.value,
                             p.count])  # fmt: skip
        for p in k.by_unit:
            writer.writerow([k.key, k.unit, "business_unit", p.label,
                             "" if p.value is None else p.value, p.count])  # fmt: skip
    return response


@require_GET
@login_required
def operations_page(request: HttpRequest) -> HttpResponse:
    unit_scope(user_of(request), OPS_ROLES)
    figures = operations.gather()
    checks = health.run_checks()
    context = {
        "f": figures, "checks": checks, "healthy": all(c.ok for c in checks),
        "dead_letters_url": _url("odoo:dead_letters") or _url("odoo:outbox"),
        "sync_url": _url("odoo:sync_status"), "routing_url": _url("approvals:routing"),
        "stale_after": int(operations.HEARTBEAT_STALE.total_seconds()),
    }  # fmt: skip
    template = (
        "dashboards/_operations.html"
        if is_fragment_request(request)
        else "dashboards/operations.html"
    )
    return render(request, template, context)


@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and Odoo answer; 503 naming what failed."""
    checks = health.run_checks()
    failed = [c.name for c in checks if not c.ok]
    body = {
        "status": "ok" if not failed else "fail",
        "failed": failed,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return JsonResponse(body, status=200 if not failed else 503)
