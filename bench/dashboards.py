"""Risk dashboard with 2,000 projects and 1,000,000 timesheet lines (DESIGN §11).

Seeds with bulk inserts once (skipped when the rows are already there), then times the
risk page through Django's test client against a no-op view measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path, reverse
from django.utils import timezone

from bench.report import Report, scaled

BASE = 9_000_000  # id range of the bench rows, clear of the demo's ids
RUNS = 40
TARGET_P95_MS = 300.0


def noop(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


# This module is also the URLconf while the benchmark runs: the portal plus a no-op view.
urlpatterns = [path("bench-noop/", noop, name="bench_noop"), path("", include("portal.urls"))]


def seed(projects: int, lines: int) -> None:
    from portal.odoo.models import Employee, Milestone, Project, Task, Timesheet

    if Timesheet.objects.filter(id__gte=BASE).count() >= lines and (
        Project.objects.filter(id__gte=BASE).count() >= projects
    ):
        return
    Timesheet.objects.filter(id__gte=BASE).delete()
    for model in (Task, Milestone, Project, Employee):
        model.objects.filter(id__gte=BASE).delete()
    today = timezone.localdate()
    with transaction.atomic():
        Employee.objects.bulk_create(
            (Employee(id=BASE + e, name=f"Bench employee {e}") for e in range(200)), batch_size=1000
        )
        Project.objects.bulk_create(
            (Project(id=BASE + p, name=f"Bench project {p:05d}", active=True,
                     allocated_hours=Decimal(500), effective_hours=Decimal(50 + p % 700),
                     date_start=today - timedelta(days=200)) for p in range(projects)),
            batch_size=2000,
        )  # fmt: skip
        Task.objects.bulk_create(
            (Task(id=BASE + t, name="Task", project_id=BASE + t % projects,
                  state="1_done" if t % 3 == 0 else "01_in_progress",
                  date_deadline=timezone.now() - timedelta(days=t % 40 - 20))
             for t in range(projects * 8)),
            batch_size=5000,
        )  # fmt: skip
        Milestone.objects.bulk_create(
            (Milestone(id=BASE + m, name="Milestone", project_id=BASE + m % projects,
                       deadline=today - timedelta(days=m % 60 - 30), is_reached=m % 4 == 0,
                       reached_date=today - timedelta(days=m % 30) if m % 4 == 0 else None)
             for m in range(projects * 3)),
            batch_size=5000,
        )  # fmt: skip
    batch = 20_000
    for start in range(0, lines, batch):
        with transaction.atomic():
            Timesheet.objects.bulk_create(
                (Timesheet(id=BASE + i, date=today - timedelta(days=i % 180),
                           project_id=BASE + i % projects, employee_id=BASE + i % 200,
                           unit_amount=Decimal(4))
                 for i in range(start, min(start + batch, lines))),
                batch_size=batch,
            )  # fmt: skip


def _time(client: Client, url: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]


def run(report: Report) -> None:
    from portal.core.models import Role, RoleMembership, User

    projects, lines = scaled(2000), scaled(1_000_000)
    started = time.perf_counter()
    seed(projects, lines)
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # Bulk-loaded tables have no statistics until autovacuum gets to them; without
        # them the planner picks nested loops over a million rows for the refresh.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from portal.dashboards import precomputed

    started = time.perf_counter()
    precomputed.refresh()
    refreshed = time.perf_counter() - started
    user, _ = User.objects.get_or_create(email="bench-leader@example.com")
    RoleMembership.objects.get_or_create(user=user, role=Role.DELIVERY_LEADER, business_unit=None)
    client = Client()
    client.force_login(user)

    with override_settings(ROOT_URLCONF="bench.dashboards"):
        url = reverse("dashboards:risk")
        _time(client, url, 3)  # warm caches and connections
        baseline = _time(client, reverse("bench_noop"), RUNS)
        samples = _time(client, url, RUNS)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)

    median, p95 = statistics.median(samples), _p95(samples)
    base_median = statistics.median(baseline)
    report.add_row(
        "risk dashboard (server time)",
        f"{projects} projects, {lines:,} timesheet lines",
        f"median {median:.0f} ms, p95 {p95:.0f} ms",
        baseline=f"no-op view median {base_median:.1f} ms",
        ratio=f"{median / base_median:.0f}x" if base_median else "",
        target=f"p95 ≤ {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'}",
        note=f"{len(queries)} SQL queries per page incl. session/user; {connection.vendor}; "
        f"seeding {seeded:.0f} s; ratings refresh {refreshed:.1f} s (every 5 min by beat)",
    )
