"""Benchmark: the approver inbox with 1,000,000 requests, 500 of them pending for the user.

Seeds with bulk inserts and keeps the data between runs (a marker request says how many
were seeded). Every request has one step and one assignment to some other approver, so
the inbox index has to pick the user's 500 rows out of a million. Measures, with Django's
test Client and server time taken with perf_counter around the request (200 runs): the
inbox page and its htmx list fragment (median, p95, SQL queries excluding session and
user loading), against a no-op view in the same run.
Targets (DESIGN §11): median ≤ 20 ms, p95 ≤ 40 ms, ≤ 8 queries.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.report import Report, scaled

RUNS = 200
TOTAL = 1_000_000
PENDING = 500
BATCH = 20_000
MARKER = "bench-inbox-marker"


def _timings(func: Callable[[], Any], runs: int = RUNS) -> tuple[float, float]:
    for _ in range(5):
        func()  # warm caches, connections, templates
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def seed(total: int, pending: int) -> Any:
    """Create the bench data unless a marker for the same size exists; return the approver."""
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.approvals.models import ApprovalRequest, ApprovalStep, Assignment
    from portal.core.models import BusinessUnit, RoleMembership, User

    approver, _ = User.objects.get_or_create(
        email="bench-approver@example.com", defaults={"full_name": "Bench Approver"}
    )
    marker = ApprovalRequest.objects.filter(subject_type=MARKER).first()
    if marker is not None and marker.subject_id == str(total):
        return approver
    # A partial or different-size seed is cleared with plain SQL deletes: the ORM's
    # cascade collector would load a million rows into memory.
    for model in (Assignment, ApprovalStep, ApprovalRequest):
        table = model._meta.db_table
        column = "kind" if model is ApprovalRequest else "request_id"
        with connection.cursor() as cursor:
            if model is ApprovalRequest:
                cursor.execute(f"DELETE FROM {table} WHERE kind = %s", ["bench"])  # noqa: S608
            else:
                request_table = ApprovalRequest._meta.db_table
                cursor.execute(
                    f"DELETE FROM {table} WHERE {column} IN "  # noqa: S608
                    f"(SELECT id FROM {request_table} WHERE kind = %s)",
                    ["bench"],
                )
    unit, _ = BusinessUnit.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    RoleMembership.objects.get_or_create(user=approver, role="finance", business_unit=unit)
    others = [User.objects.get_or_create(email=f"bench-other{i}@example.com")[0] for i in range(20)]
    requester = others[0]
    now = timezone.now()
    made = 0
    while made < total:
        size = min(BATCH, total - made)
        with transaction.atomic():
            reqs = ApprovalRequest.objects.bulk_create(
                ApprovalRequest(
                    kind="bench",
                    subject_type="bench.subject",
                    subject_id=str(made + i),
                    status="pending" if made + i < pending else "approved",
                    requester=requester,
                    requester_name="Bench Requester",
                    title=f"Discount {(made + i) % 30}% on S{made + i:07d}",
                    amount=(made + i) % 90_000,
                    currency="EUR",
                    client_id=(made + i) % 500,
                    client_name=f"Client {(made + i) % 500}",
                    project_id=(made + i) % 2000,
                    business_unit=unit,
                    submitted_at=now - timedelta(minutes=made + i),
                )
                for i in range(size)
            )
            steps = ApprovalStep.objects.bulk_create(
                ApprovalStep(
                    request=r,
                    order=1,
                    name="Finance",
                    approver_type="role",
                    role="finance",
                    status="pending" if r.status == "pending" else "approved",
                    due_at=now,
                )
                for r in reqs
            )
            Assignment.objects.bulk_create(
                Assignment(
                    step=s,
                    request=s.request,
                    user=approver
                    if int(s.request.subject_id) < pending
                    else others[int(s.request.subject_id) % len(others)],
                    active=s.status == "pending" or int(s.request.subject_id) % 7 == 0,
                    submitted_at=s.request.submitted_at,
                )
                for s in steps
            )
        made += size
    ApprovalRequest.objects.filter(subject_type=MARKER).delete()
    ApprovalRequest.objects.create(
        kind="bench",
        subject_type=MARKER,
        subject_id=str(total),
        status="approved",
        requester=requester,
        requester_name="marker",
        title="marker",
        submitted_at=now,
    )
    return approver


def run(report: Report) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    total, pending = scaled(TOTAL), min(PENDING, scaled(TOTAL))
    approver = seed(total, pending)
    size = f"{total:,} requests, {pending} pending for the user"

    with override_settings(ROOT_URLCONF="bench.webhook_urls", DEBUG=False, ALLOWED_HOSTS=["*"]):
        client = Client()
        client.force_login(approver)
        url = reverse("approvals:inbox")

        def page() -> None:
            assert client.get(url).status_code == 200

        def fragment() -> None:
            response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
            assert response.status_code == 200

        def noop() -> None:
            client.get("/bench/noop/")

        base_median, base_p95 = _timings(noop)
        for name, func in (
            ("approver inbox page", page),
            ("approver inbox htmx fragment", fragment),
        ):
            with CaptureQueriesContext(connection) as ctx:
                func()
            # Session and user loading are excluded (DESIGN §11).
            queries = len(ctx.captured_queries) - 2
            median, p95 = _timings(func)
            report.add_row(
                name,
                size,
                f"median {median:.1f} ms, p95 {p95:.1f} ms, {queries} queries",
                f"no-op view median {base_median:.2f} ms, p95 {base_p95:.2f} ms",
                f"{median / base_median:.0f}x" if base_median else "",
                "median ≤ 20 ms, p95 ≤ 40 ms, ≤ 8 queries",
            )
