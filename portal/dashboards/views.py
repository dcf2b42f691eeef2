"""The dashboards (risk, KPIs, operations) and the health endpoint. Read-only pages."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.core.access import has_role
from portal.core.htmx import is_fragment_request
from portal.core.models import User
from portal.dashboards import health, kpis, operations, precomputed, rules, snapshots, svg
from portal.dashboards.access import KPI_ROLES, OPS_ROLES, RISK_ROLES, unit_scope, user_of
from portal.dashboards.forms import KpiFilterForm, RiskFilterForm
from portal.dashboards.risk import ProjectRisk
from portal.odoo.models import Project, SyncState
from portal.projects.access import visible_to

PAGE_SIZE = 50
NOT_AVAILABLE = '<td><span class="rating r-none" title="Not available yet">\u2013 n/a</span></td>'
MIRROR_MODELS = ["project.project", "project.task", "project.milestone", "account.analytic.line"]


@require_GET
@login_required
def risk(request: HttpRequest) -> HttpResponse:
    """Read from the stored ratings (`precomputed`): counted, filtered and paged in SQL."""
    user = user_of(request)
    unit_scope(user, RISK_ROLES)
    projects = visible_to(user).filter(active=True)

    form = RiskFilterForm(request.GET or None, **_choices(projects))
    filters, ignored = form.usable() if form.is_bound else ({}, [])
    for text in ignored:
        messages.warning(request, text)
    matching = _matching(filters)
    counts = _counts(projects, matching)
    if precomputed.needs_refresh(counts["missing"], counts["oldest"]):
        precomputed.refresh()
        counts = _counts(projects, matching)

    rated = projects.filter(matching, risk_rating__isnull=False)
    order = [Lower("name"), "risk_rating__rank"] if filters.get("sort") == "name" else [
        "risk_rating__rank"]  # fmt: skip
    rated = rated.select_related("partner", "manager", "business_unit", "risk_rating")
    paginator = Paginator(rated.order_by(*order), PAGE_SIZE)
    paginator.count = sum(counts["matched"].values())  # known already: no COUNT query
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = cast(Any, [precomputed.as_risk(p) for p in page.object_list])
    _decorate(page.object_list)

    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form, "page": page, "query": query.urlencode(), "rules": rules.RULES,
        "dimensions": rules.DIMENSIONS, "totals": counts["matched"], "total": counts["total"],
        "computed_at": counts["oldest"], "refresh_minutes": _minutes(precomputed.REFRESH_EVERY),
        "mirror_synced": _mirror_synced(), "snapshot_at": snapshots.latest_snapshot_time(),
    }  # fmt: skip
    template = (
        "dashboards/_risk_table.html" if is_fragment_request(request) else "dashboards/risk.html"
    )
    return render(request, template, context)


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _choices(projects: QuerySet[Project]) -> dict[str, list[tuple[int, str]]]:
    """The units, clients and managers of the visible projects (one query)."""
    units, clients, managers = {}, {}, {}
    rows = projects.order_by().values_list(
        "business_unit_id", "business_unit__name", "partner_id", "partner__name",
        "manager_id", "manager__name",
    ).distinct()  # fmt: skip
    for unit_id, unit, partner_id, partner, manager_id, manager in rows:
        if unit_id:
            units[unit_id] = unit
        if partner_id and partner is not None:
            clients[partner_id] = partner
        if manager_id and manager is not None:
            managers[manager_id] = manager
    named = (("units", units), ("clients", clients), ("managers", managers))
    return {key: sorted(d.items(), key=lambda kv: kv[1].lower()) for key, d in named}


def _matching(filters: dict[str, Any]) -> Q:
    """The filters as a condition on projects and their stored rating."""
    matching = Q()
    for name, column in (("unit", "business_unit_id"), ("client", "partner_id"),
                         ("manager", "manager_id")):  # fmt: skip
        if name in filters:
            matching &= Q(**{column: filters[name]})
    wanted = filters.get("rating")
    if wanted == "none":
        matching &= Q(risk_rating__rating=int(rules.Rating.NONE))
    elif wanted in ("red", "amber"):
        floor = rules.Rating.RED if wanted == "red" else rules.Rating.AMBER
        matching &= Q(risk_rating__rating__gte=int(floor))
    return matching


def _counts(projects: QuerySet[Project], matching: Q) -> dict[str, Any]:
    """Projects per rating (all, and those matching the filters), how many have no stored
    rating yet and when the oldest was computed: one grouped query."""
    keys = {int(r): r.key for r in rules.Rating}
    matched = {"red": 0, "amber": 0, "green": 0, "none": 0}
    counts: dict[str, Any] = {"total": 0, "missing": 0, "oldest": None, "matched": matched}
    rows = (
        projects.order_by()
        .values("risk_rating__rating")
        .annotate(all=Count("pk"), hits=Count("pk", filter=matching or None),
                  oldest=Min("risk_rating__computed_at"))
    )  # fmt: skip
    for row in rows:
        counts["total"] += row["all"]
        rating = row["risk_rating__rating"]
        if rating is None:
            counts["missing"] += row["all"]
            continue
        matched[keys[rating]] += row["hits"]
        if counts["oldest"] is None or row["oldest"] < counts["oldest"]:
            counts["oldest"] = row["oldest"]
    return counts


def _url(name: str, *args: Any, query: str = "") -> str:
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def _decorate(rows: Any) -> None:
    """Links behind each rating and the 12-week trend, for the projects of this page only.

    Links are reversed once per page and each row's rating cells are built here as HTML:
    350 template cells with their lookups cost more than all the page's queries.
    """
    page_rows: list[ProjectRisk] = list(rows)
    weeks = snapshots.trend_weeks(timezone.localdate())
    labels = [kpis.week_label(w) for w in weeks]
    trends = snapshots.trends([r.project.pk for r in page_rows])
    project_url = _url_pattern("projects:detail")
    milestone_url = _url_pattern("milestones:detail")
    staffing, approvals = _url("staffing:board"), _url("approvals:inbox")
    clients = _url("clients:queue", query="scope=all")
    for r in page_rows:
        pk = r.project.pk
        project = project_url(pk)
        milestone = r.targets.get("milestone")
        uninvoiced = r.targets.get("uninvoiced")
        r.links = {
            "project": project,
            "schedule": milestone_url(milestone) if milestone else project,
            "budget": project,
            "billing": milestone_url(uninvoiced) if uninvoiced else project,
            "staffing": staffing or project,
            "timesheets": project,
            "approvals": f"{approvals}?project={pk}" if approvals else "",
            "client": clients or project,
        }
        r.cells = [(d, r.links[d.key]) for d in r.dimensions]
        r.cells_html = _cells_html(r.cells)
        r.trend = trends.get(pk, [])
        r.sparkline = svg.sparkline(r.trend, labels)


def _url_pattern(name: str) -> Callable[[int], str]:
    """reverse(name, args=[pk]) for many pks at the cost of one reverse()."""
    marker = 987654321
    pattern = _url(name, marker)
    if not pattern:
        return lambda pk: ""
    head, _, tail = pattern.partition(str(marker))
    return lambda pk: f"{head}{int(pk)}{tail}"


def _cells_html(cells: list[tuple[rules.DimensionResult, str]]) -> SafeString:
    """One <td> per dimension: its rating (a link) and the reasons behind it.

    Plain `html.escape` on every value: Django's lazy-aware escape costs more per call.
    """
    parts = []
    for d, link in cells:
        if d.rating is rules.Rating.NONE:
            parts.append(NOT_AVAILABLE)
            continue
        reasons = "".join(f'<div class="small reason">{escape(text)}</div>' for text in d.reasons)
        parts.append(f'<td><a class="rating r-{escape(d.rating.key)}" href="{escape(link)}">'
                     f"{d.rating.symbol} {escape(d.rating.label)}</a>{reasons}</td>")  # fmt: skip
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


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
    """200 when the database, the broker and Odoo answer; 503 naming what failed.

    Anyone may poll it (load balancers do), but the details name file paths and the
    Odoo URL, so only signed-in operators see them; others get ok/failing per component.
    """
    checks = health.run_checks()
    failed = [c.name for c in checks if not c.ok]
    user = request.user
    details = isinstance(user, User) and (user.is_superuser or has_role(user, OPS_ROLES))
    components: dict[str, dict[str, object]] = {}
    for c in checks:
        components[c.name] = {"ok": c.ok, "status": "ok" if c.ok else "failing"}
        if details:
            components[c.name]["detail"] = c.detail
    body = {"status": "ok" if not failed else "fail", "failed": failed, "checks": components}
    return JsonResponse(body, status=200 if not failed else 503)
