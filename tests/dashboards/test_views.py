"""The dashboard pages: who sees them, bad filters, empty firm, fragments, CSV, snapshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.core.models import BusinessUnit, User
from portal.dashboards import snapshots
from portal.dashboards.models import RiskSnapshot
from tests.dashboards.factories import MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def late_project(unit: BusinessUnit | None = None, name: str = "Late"):  # type: ignore[no-untyped-def]
    project = ProjectFactory(name=name, business_unit=unit)
    for days in (3, 10):
        MilestoneFactory(project=project, deadline=timezone.localdate() - timedelta(days=days))
    return project


def test_leader_sees_the_late_project_with_a_link_to_its_milestone(leader: User) -> None:
    project = late_project()
    first = project.milestones.order_by("deadline").first()

    response = signed_in(leader).get(reverse("dashboards:risk"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "■ At risk" in body
    assert "Biggest drag: <strong>Schedule</strong>" in body
    assert reverse("milestones:detail", args=[first.pk]) in body
    assert "Overdue milestones: 2" in body


def test_consultant_gets_403_on_every_dashboard(consultant: User) -> None:
    client = signed_in(consultant)

    for name in ("dashboards:risk", "dashboards:kpis", "dashboards:operations"):
        assert client.get(reverse(name)).status_code == 403


def test_outsider_without_roles_gets_403(outsider: User) -> None:
    assert signed_in(outsider).get(reverse("dashboards:risk")).status_code == 403


def test_unit_leader_does_not_see_projects_of_another_unit(
    unit_leader: User, unit: BusinessUnit, other_unit: BusinessUnit
) -> None:
    late_project(unit, "Ours")
    late_project(other_unit, "Theirs")

    body = signed_in(unit_leader).get(reverse("dashboards:risk")).content.decode()

    assert "Ours" in body
    assert "Theirs" not in body


def test_filter_by_unit_of_another_unit_is_ignored_with_a_message(
    unit_leader: User, unit: BusinessUnit, other_unit: BusinessUnit
) -> None:
    late_project(unit, "Ours")

    response = signed_in(unit_leader).get(reverse("dashboards:risk"), {"unit": other_unit.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert "was ignored" in body
    assert "Ours" in body


def test_garbage_filters_never_500(leader: User) -> None:
    response = signed_in(leader).get(
        reverse("dashboards:risk"), {"unit": "abc", "client": "99999999", "sort": "x", "page": "z"}
    )

    assert response.status_code == 200


def test_empty_firm_says_there_is_no_data_yet(leader: User, operator: User) -> None:
    risk = signed_in(leader).get(reverse("dashboards:risk")).content.decode()
    kpis = signed_in(leader).get(reverse("dashboards:kpis")).content.decode()
    ops = signed_in(operator).get(reverse("dashboards:operations")).content.decode()

    assert "No active projects yet" in risk
    assert kpis.count("No data yet for this KPI") == 5
    assert "No sync has run yet." in ops
    assert "No failed calls in the last 24 hours." in ops


def test_filter_fragment_is_only_the_table(leader: User) -> None:
    late_project()

    response = signed_in(leader).get(reverse("dashboards:risk"), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="risk-table">')
    assert "<html" not in body


def test_kpi_csv_export_lists_every_week_of_every_kpi(leader: User) -> None:
    response = signed_in(leader).get(reverse("dashboards:kpis"), {"format": "csv"})

    lines = response.content.decode().strip().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0] == "kpi,unit,breakdown,period_or_unit,value,count"
    assert len(lines) == 1 + 5 * 12


def test_snapshot_is_idempotent_and_backfill_fills_twelve_weeks(leader: User) -> None:
    project = late_project()

    snapshots.take_snapshot()
    snapshots.take_snapshot()
    snapshots.backfill(weeks=12)

    assert RiskSnapshot.objects.filter(project_id=project.pk).count() == 13
    trend = snapshots.trends([project.pk])[project.pk]
    assert trend[-1] == 2  # this week: red
    body = signed_in(leader).get(reverse("dashboards:risk")).content.decode()
    assert 'class="spark"' in body and "Risk trend:" in body


def test_operations_page_shows_the_worker_without_heartbeat(operator: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HEALTH_ODOO_CACHE_SECONDS = 60
    from portal.dashboards import health

    health._odoo_cached = health.Check("odoo", True, "stubbed", 1e12)

    body = signed_in(operator).get(reverse("dashboards:operations")).content.decode()

    assert "✗ NO HEARTBEAT" in body
    assert "Outbox" in body
