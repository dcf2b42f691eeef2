"""Each KPI's definition on a small fixture gives the value worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.approvals.models import ApprovalRequest
from portal.clients.models import ClientRequest
from portal.dashboards import compliance, kpis
from portal.dashboards.models import ProjectSighting
from portal.milestones.models import MilestoneRecord
from portal.staffing.models import Booking, JobRole
from tests.dashboards.factories import (
    EmployeeFactory,
    MilestoneFactory,
    ProjectFactory,
    SaleOrderFactory,
    TimesheetFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def last_week_noon(weekday: int = 1) -> datetime:
    """Tuesday (by default) of last ISO week at noon, local time: safely inside the window."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    return timezone.make_aware(datetime.combine(monday + timedelta(days=weekday), time(12)))


def kpi(key: str) -> kpis.Kpi:
    return {k.key: k for k in kpis.all_kpis()}[key]


def test_every_kpi_says_it_has_no_data_on_an_empty_firm() -> None:
    figures = kpis.all_kpis()

    assert [k.key for k in figures] == [
        "setup", "compliance", "billing_lag", "approval_turnaround", "exception_resolution"
    ]  # fmt: skip
    assert all(not k.available and k.value is None for k in figures)


def test_setup_cycle_time_averages_confirmation_to_odoo_creation_in_days() -> None:
    confirmed = last_week_noon(0)
    for days in (3, 5):
        order = SaleOrderFactory(date_order=confirmed)
        project = ProjectFactory(sale_order=order, create_date=confirmed + timedelta(days=days))
        # Seen long after its creation (a first sync): Odoo's creation time wins.
        ProjectSighting.objects.create(
            project=project, first_seen_at=confirmed + timedelta(days=40)
        )
    ProjectFactory(
        sale_order=SaleOrderFactory(state="draft", date_order=confirmed),
        create_date=confirmed + timedelta(days=1),
    )  # not counted: not confirmed

    setup = kpi("setup")

    assert setup.value == Decimal("4.0")
    assert setup.count == 2


def test_setup_cycle_time_falls_back_to_first_sighting_without_a_creation_time() -> None:
    # 2 days (Odoo's creation time) and 6 days (no creation time: first seen) average 4.
    confirmed = last_week_noon(0)
    ProjectFactory(sale_order=SaleOrderFactory(date_order=confirmed),
                   create_date=confirmed + timedelta(days=2))  # fmt: skip
    project = ProjectFactory(sale_order=SaleOrderFactory(date_order=confirmed), create_date=None)
    ProjectSighting.objects.create(project=project, first_seen_at=confirmed + timedelta(days=6))
    ProjectFactory(sale_order=SaleOrderFactory(date_order=confirmed))  # neither: not counted

    setup = kpi("setup")

    assert setup.value == Decimal("4.0")
    assert setup.count == 2


def test_billing_lag_averages_reached_to_draft_invoice_in_days() -> None:
    reached = last_week_noon(0)
    for days in (2, 4):
        milestone = MilestoneFactory(project=ProjectFactory())
        MilestoneRecord.objects.create(
            milestone=milestone,
            reached_at=reached,
            invoice_drafted_at=reached + timedelta(days=days),
        )

    assert kpi("billing_lag").value == Decimal("3.0")


def test_approval_turnaround_counts_final_decisions_only_in_hours() -> None:
    submitted = last_week_noon(0)
    requester = UserFactory()
    for n, (status, hours) in enumerate([("approved", 10), ("rejected", 20), ("withdrawn", 1)]):
        ApprovalRequest.objects.create(
            kind="discount", subject_type="x.y", subject_id=str(n), requester=requester,
            title="t", requester_name="r", status=status, submitted_at=submitted,
            decided_at=submitted + timedelta(hours=hours),
        )  # fmt: skip

    turnaround = kpi("approval_turnaround")

    assert turnaround.value == Decimal("15.0")
    assert turnaround.count == 2


def test_exception_resolution_mixes_staffing_exceptions_and_client_requests() -> None:
    opened = last_week_noon(0)
    project = ProjectFactory()
    person = UserFactory()
    booking = Booking.objects.create(
        project=project, job_role=JobRole.objects.create(name="Consultant"),
        start_date=opened.date(), end_date=opened.date(), hours_per_week=8, total_hours=8,
        bill_rate=100, currency="EUR", booking_type="soft", status="confirmed",
        violations=[{"rule": "utilisation"}], created_by=person,
        decided_at=opened + timedelta(hours=2),
    )  # fmt: skip
    Booking.objects.filter(pk=booking.pk).update(created_at=opened)
    request = ClientRequest.objects.create(
        project=project, client_partner_id=1, subject="s", description="d", status="resolved"
    )
    # auto_now fields: set the times the way a week of work would have left them.
    ClientRequest.objects.filter(pk=request.pk).update(
        created_at=opened, updated_at=opened + timedelta(hours=6)
    )

    assert kpi("exception_resolution").value == Decimal("4.0")


def test_compliance_caps_overtime_and_counts_missing_weeks_as_zero() -> None:
    first = EmployeeFactory()
    second = EmployeeFactory(calendar=first.calendar)
    monday = last_week_noon(0).date()
    TimesheetFactory(employee=first, date=monday, unit_amount=Decimal("30"))
    TimesheetFactory(employee=second, date=monday, unit_amount=Decimal("45"))  # capped at 40

    rate = kpi("compliance")

    last_week = next(p for p in rate.weekly if p.start == monday)
    assert last_week.value == Decimal("87.5")  # (30 + 40) / (40 + 40)
    # 11 finished weeks x 2 people x 40 h = 880 h expected; 70 h counted: 7.95 %.
    assert rate.value == Decimal("8.0")
    assert rate.count == 22


def test_working_time_of_the_autumn_dst_week_has_one_hour_more() -> None:
    sundays = [{"dayofweek": 6, "hour_from": 0.0, "hour_to": 24.0}]

    # 2025-W43: Sunday 26 October 2025 lasts 25 hours in Berlin (case C21).
    assert compliance.expected_hours(sundays, "Europe/Berlin", date(2025, 10, 20)) == Decimal(
        "25.00"
    )
    # 2025-W13: Sunday 30 March 2025 lasts 23 hours.
    assert compliance.expected_hours(sundays, "Europe/Berlin", date(2025, 3, 24)) == Decimal(
        "23.00"
    )
    assert compliance.expected_hours(sundays, "Europe/Berlin", date(2025, 6, 2)) == Decimal("24.00")


def test_iso_week_53_exists_in_2026_and_a_late_december_entry_belongs_to_2026_w01() -> None:
    employee = EmployeeFactory()
    TimesheetFactory(employee=employee, date=date(2025, 12, 29), unit_amount=Decimal("3"))

    logged = compliance.logged_by_week([employee.pk], date(2025, 12, 22), date(2026, 1, 4))

    assert kpis.week_label(date(2026, 12, 28)) == "2026-W53"
    assert kpis.week_label(date(2025, 12, 29)) == "2026-W01"
    assert logged == {(employee.pk, date(2025, 12, 29)): Decimal("3")}
