"""Benchmark: candidate matching and the capacity view.

Seeds (bulk inserts, kept between runs) 2,000 consultants with 3 skills each, two
bookings each over the next 12 weeks, open Odoo tasks and client timesheets; 500 of
them sit in the unit whose capacity view is measured. Rows:
- matching one request against every consultant (target ≤ 200 ms), with the per-record
  way (each candidate's bookings, skills and timesheets read one by one) as baseline;
- the capacity view for 500 people x 12 weeks (target ≤ 300 ms), with a no-op request
  through the same middleware as baseline.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.report import Report, scaled

BASE = 9_000_000  # Odoo ids of the bench firm, far from the demo data and other suites
RUNS = 15


def _times_ms(func: Callable[[], Any], runs: int = RUNS) -> list[float]:
    func()  # warm caches and connections
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _median_ms(func: Callable[[], Any], runs: int = RUNS) -> float:
    return statistics.median(_times_ms(func, runs))


def _load_note() -> str:
    """The machine's load, so a figure from a busy shared machine is read as such."""
    one, five, _ = os.getloadavg()
    cores = os.cpu_count() or 1
    busy = (
        " (busy machine: absolute figures are inflated, compare the ratios)" if one > cores else ""
    )
    return f"load average {one:.1f}/{five:.1f} on {cores} cores{busy}"


def _analyze() -> None:
    """Fresh planner statistics after the bulk load, as autovacuum would give a live site."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (
                "staffing_consultantprofile",
                "staffing_consultantskill",
                "staffing_booking",
                "staffing_bookingweek",
                "odoo_employee",
                "odoo_task",
                "odoo_task_assignees",
                "odoo_timesheet",
            ):
                cursor.execute(f"ANALYZE {table}")


def _trivial_query() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchall()


def seed(consultants: int, in_view: int) -> dict[str, Any]:
    """Create the bench firm unless an identical one is already there."""
    from django.db import transaction
    from django.utils import timezone

    from portal.core.models import BusinessUnit, RoleMembership, User
    from portal.odoo.models import (
        Employee,
        OdooUser,
        Partner,
        Project,
        Task,
        Timesheet,
        WorkCalendar,
    )
    from portal.staffing.capacity import next_weeks, spread_weekly
    from portal.staffing.models import (
        Booking,
        BookingWeek,
        ConsultantProfile,
        ConsultantSkill,
        JobRole,
        RateCard,
        Skill,
        StaffingRequest,
    )

    today = timezone.localdate()
    unit, _ = BusinessUnit.objects.get_or_create(code="bench-a", defaults={"name": "Bench A"})
    other, _ = BusinessUnit.objects.get_or_create(code="bench-b", defaults={"name": "Bench B"})
    rm = User.objects.filter(email="bench-rm@example.com").first() or User.objects.create_user(
        "bench-rm@example.com", full_name="Bench RM"
    )
    RoleMembership.objects.get_or_create(user=rm, role="resource_manager", business_unit=unit)
    role, _ = JobRole.objects.get_or_create(name="Senior consultant")
    RateCard.objects.get_or_create(
        job_role=role,
        currency="EUR",
        client_partner_id=None,
        valid_from=today - timedelta(days=365),
        defaults={"bill_rate": Decimal("120"), "cost_rate": Decimal("60")},
    )
    skills = [Skill.objects.get_or_create(name=f"Bench skill {i}")[0] for i in range(20)]
    partner_id = BASE
    project_id = BASE
    marker = ConsultantProfile.objects.filter(employee_id__gte=BASE, employee_id__lt=BASE + 10**6)
    fresh = (
        marker.count() == consultants
        and Employee.objects.filter(pk__gte=BASE, pk__lt=BASE + 10**6).count() == consultants
        and BookingWeek.objects.filter(
            consultant__in=marker, week_start=next_weeks(today, 1)[0]
        ).exists()
    )
    if not fresh:
        with transaction.atomic():
            BookingWeek.objects.filter(consultant__in=marker).delete()
            Booking.objects.filter(project_id__gte=BASE, project_id__lt=BASE + 10**6).delete()
            StaffingRequest.objects.filter(project_id=project_id).delete()
            ConsultantProfile.objects.filter(pk__in=marker.values("pk")).delete()
            for model in (Timesheet, Task, Employee, OdooUser, Project, Partner, WorkCalendar):
                model.objects.filter(pk__gte=BASE, pk__lt=BASE + 10**6).delete()

            WorkCalendar.objects.create(
                id=BASE,
                name="40 h",
                attendances=[
                    {"dayofweek": d, "hour_from": f, "hour_to": t}
                    for d in range(5)
                    for f, t in ((8.0, 12.0), (13.0, 17.0))
                ],
            )
            Partner.objects.create(id=partner_id, name="Bench client", is_company=True)
            Project.objects.bulk_create(
                [
                    Project(
                        id=BASE + i,
                        name=f"Bench project {i}",
                        partner_id=partner_id,
                        business_unit=unit,
                        date_start=today - timedelta(days=60),
                        date=today + timedelta(days=365),
                    )
                    for i in range(50)
                ]
            )
            OdooUser.objects.bulk_create(
                [
                    OdooUser(id=BASE + i, name=f"Bench {i:05d}", login=f"bench{i}@example.com")
                    for i in range(consultants)
                ]
            )
            Employee.objects.bulk_create(
                [
                    Employee(id=BASE + i, name=f"Bench {i:05d}", user_id=BASE + i, calendar_id=BASE)
                    for i in range(consultants)
                ]
            )
            profiles = ConsultantProfile.objects.bulk_create(
                [
                    ConsultantProfile(
                        employee_id=BASE + i,
                        name=f"Bench {i:05d}",
                        job_role=role,
                        business_unit=unit if i < in_view else other,
                    )
                    for i in range(consultants)
                ]
            )
            ConsultantSkill.objects.bulk_create(
                [
                    ConsultantSkill(
                        profile=p, skill=skills[(i + k * 7) % 20], level=1 + (i + k) % 5
                    )
                    for i, p in enumerate(profiles)
                    for k in range(3)
                ]
            )
            weeks = next_weeks(today, 12)
            bookings = Booking.objects.bulk_create(
                [
                    Booking(
                        consultant=p,
                        project_id=BASE + (i + k) % 50,
                        job_role=role,
                        start_date=weeks[0] if k == 0 else weeks[5],
                        end_date=(weeks[5] if k == 0 else weeks[11]) + timedelta(days=4),
                        hours_per_week=Decimal(8 + (i * 7 + k * 13) % 25),
                        total_hours=Decimal(100),
                        bill_rate=Decimal(120),
                        currency="EUR",
                        booking_type="firm" if (i + k) % 3 else "soft",
                        status="confirmed",
                        created_by=rm,
                    )
                    for i, p in enumerate(profiles)
                    for k in range(2)
                ]
            )
            BookingWeek.objects.bulk_create(
                [
                    BookingWeek(
                        booking=b,
                        consultant=b.consultant,  # the instance given above: no query
                        week_start=w,
                        hours=h,
                        firm=b.booking_type == "firm",
                    )
                    for b in bookings
                    for w, h in spread_weekly(b.start_date, b.end_date, b.hours_per_week).items()
                ],
                batch_size=5000,
            )
            tasks = Task.objects.bulk_create(
                [
                    Task(
                        id=BASE + i,
                        name=f"Bench task {i}",
                        project_id=BASE + i % 50,
                        allocated_hours=Decimal(80),
                        state="01_in_progress",
                    )
                    for i in range(consultants // 2)
                ]
            )
            through = Task.assignees.through
            through.objects.bulk_create(
                [
                    through(task_id=t.pk, odoouser_id=BASE + (i * 4) % consultants)
                    for i, t in enumerate(tasks)
                ]
            )
            Timesheet.objects.bulk_create(
                [
                    Timesheet(
                        id=BASE + i,
                        date=today - timedelta(days=30),
                        employee_id=BASE + (i * 3) % consultants,
                        project_id=BASE + i % 50,
                        unit_amount=Decimal(4),
                    )
                    for i in range(consultants)
                ],
                batch_size=5000,
            )
    request = StaffingRequest.objects.filter(project_id=project_id).first()
    if request is None:
        from portal.staffing.models import RequestSkill

        start = next_weeks(today, 2)[1]
        request = StaffingRequest.objects.create(
            project_id=project_id,
            business_unit=unit,
            requested_by=rm,
            job_role=role,
            start_date=start,
            end_date=start + timedelta(weeks=6, days=-3),
            hours_per_week=Decimal(20),
            total_hours=Decimal(120),
            bill_rate=Decimal(120),
            currency="EUR",
        )
        RequestSkill.objects.bulk_create(
            [
                RequestSkill(request=request, skill=skills[0], min_level=3),
                RequestSkill(request=request, skill=skills[7], min_level=2),
                RequestSkill(request=request, skill=skills[14], min_level=2, required=False),
            ]
        )
    return {"request": request, "rm": rm, "unit": unit}


def _per_record_matching(request: Any, today: Any) -> None:
    """The baseline: each candidate's load, skills and client hours read one by one."""
    from django.db.models import Sum

    from portal.odoo.models import Timesheet
    from portal.staffing.capacity import spread_weekly
    from portal.staffing.models import ConsultantProfile

    weeks = sorted(spread_weekly(request.start_date, request.end_date, request.hours_per_week))
    for profile in ConsultantProfile.objects.active().select_related("employee"):
        sum(b.hours for b in profile.booking_weeks.filter(week_start__in=weeks))
        dict(profile.skills.values_list("skill_id", "level"))
        Timesheet.objects.filter(employee_id=profile.employee_id).aggregate(Sum("unit_amount"))


def run(report: Report) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from portal.staffing.matching import rank_candidates

    consultants, in_view = scaled(2000), scaled(500)
    started = time.perf_counter()
    data = seed(consultants, in_view)
    _analyze()
    seed_s = time.perf_counter() - started
    request, today = data["request"], timezone.localdate()
    db = connection.vendor

    # Same-run baselines: a trivial query (database round trip) and the per-record way.
    trivial = _median_ms(_trivial_query, runs=51)
    times = _times_ms(lambda: rank_candidates(request, today=today))
    figure, fastest = statistics.median(times), min(times)
    per_record = _median_ms(lambda: _per_record_matching(request, today), runs=3)
    report.add_row(
        "Staffing: match one request",
        f"{db}, {consultants} consultants, 12 weeks of bookings",
        f"{figure:.0f} ms median (min {fastest:.0f} ms)",
        f"{per_record:.0f} ms per-record reads; {trivial:.2f} ms SELECT 1",
        f"{per_record / figure:.1f}x faster; {figure / trivial:.0f}x a SELECT 1",
        "≤ 200 ms",
        f"{_load_note()}; seed/check {seed_s:.0f} s",
    )

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(data["rm"])
    url = reverse("staffing:capacity")
    response = client.get(url)
    rows = len(response.context["rows"]) if response.context else in_view
    times = _times_ms(lambda: client.get(url))
    view, fastest = statistics.median(times), min(times)
    noop = _median_ms(lambda: client.get("/bench-noop-404/"))
    report.add_row(
        "Staffing: capacity view",
        f"{db}, {rows} people x 12 weeks",
        f"{view:.0f} ms median (min {fastest:.0f} ms)",
        f"{noop:.1f} ms no-op request; {trivial:.2f} ms SELECT 1",
        f"{view / noop:.0f}x the no-op",
        "≤ 300 ms",
        f"test client, whole page rendered ({len(response.content) // 1024} KiB); {_load_note()}",
    )
