"""Risk rules on fixture projects: expected colours and named drags (DESIGN §8, issue 1)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.approvals.models import ApprovalRequest, ApprovalStep
from portal.dashboards.risk import active_projects, assess_all
from portal.dashboards.rules import Rating
from tests.dashboards.factories import (
    MilestoneFactory,
    ProjectFactory,
    SaleOrderLineFactory,
    TaskFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def by_name() -> dict[str, object]:
    return {r.project.name: r for r in assess_all(active_projects())}


def test_project_with_nothing_wrong_is_green_without_a_drag() -> None:
    ProjectFactory(name="Calm")

    calm = by_name()["Calm"]

    assert calm.rating is Rating.GREEN
    assert calm.drag is None


def test_one_overdue_milestone_makes_schedule_amber() -> None:
    project = ProjectFactory(name="Slipping")
    MilestoneFactory(project=project, deadline=timezone.localdate() - timedelta(days=3))

    slipping = by_name()["Slipping"]

    assert slipping.rating is Rating.AMBER
    assert slipping.drag.key == "schedule"
    assert slipping.drag.reasons == ("Overdue milestones: 1",)


def test_two_overdue_milestones_make_the_project_red_with_schedule_as_drag() -> None:
    project = ProjectFactory(name="Late")
    for days in (3, 10):
        MilestoneFactory(project=project, deadline=timezone.localdate() - timedelta(days=days))
    MilestoneFactory(project=project, deadline=timezone.localdate() - timedelta(days=5),
                     is_reached=True)  # fmt: skip

    late = by_name()["Late"]

    assert late.rating is Rating.RED
    assert late.drag.key == "schedule"


def test_hours_past_the_allocation_make_budget_red() -> None:
    ProjectFactory(name="Burning", allocated_hours=Decimal("100"),
                   effective_hours=Decimal("120"))  # fmt: skip

    burning = by_name()["Burning"]

    assert burning.rating is Rating.RED
    assert burning.drag.key == "budget"
    assert "Hours used of the allocation: 120%" in burning.drag.reasons


def test_hours_ahead_of_progress_make_budget_amber() -> None:
    # 50 % of the hours used, 1 of 4 tasks closed (25 %): 25 points ahead, amber (15-30).
    project = ProjectFactory(name="Ahead", allocated_hours=Decimal("100"),
                             effective_hours=Decimal("50"))  # fmt: skip
    TaskFactory(project=project, state="1_done")
    for _ in range(3):
        TaskFactory(project=project)

    ahead = by_name()["Ahead"]

    assert ahead.rating is Rating.AMBER
    assert ahead.drag.key == "budget"
    assert ahead.drag.reasons == ("Hours used ahead of progress: 25 pts",)


def test_reached_milestone_without_invoice_for_30_days_makes_billing_red() -> None:
    project = ProjectFactory(name="Unbilled")
    MilestoneFactory(project=project, is_reached=True, sale_line=SaleOrderLineFactory(),
                     reached_date=timezone.localdate() - timedelta(days=30))  # fmt: skip

    unbilled = by_name()["Unbilled"]

    assert unbilled.rating is Rating.RED
    assert unbilled.drag.key == "billing"
    assert unbilled.drag.reasons == ("Oldest reached milestone not invoiced: 30 days",)


def test_stalled_approval_step_names_approvals_as_the_drag() -> None:
    project = ProjectFactory(name="Stalled")
    requester = UserFactory()
    now = timezone.now()
    request = ApprovalRequest.objects.create(
        kind="discount", subject_type="x.y", subject_id="1", requester=requester,
        title="Discount", requester_name="R", submitted_at=now - timedelta(days=5),
        project_id=project.pk,
    )  # fmt: skip
    ApprovalStep.objects.create(
        request=request, order=1, name="Finance", approver_type="role", role="finance",
        status="pending", activated_at=now - timedelta(days=5), due_at=now - timedelta(hours=72),
    )  # fmt: skip

    stalled = by_name()["Stalled"]

    assert stalled.rating is Rating.RED
    assert stalled.drag.key == "approvals"


def test_worst_dimension_furthest_past_red_is_the_drag() -> None:
    # Schedule red at 2 overdue milestones (severity 1.0); budget red at 220 % (severity 2.0).
    project = ProjectFactory(name="Both", allocated_hours=Decimal("100"),
                             effective_hours=Decimal("220"))  # fmt: skip
    for days in (3, 10):
        MilestoneFactory(project=project, deadline=timezone.localdate() - timedelta(days=days))

    both = by_name()["Both"]

    assert both.rating is Rating.RED
    assert both.drag.key == "budget"


def test_dimensions_whose_app_has_no_data_are_not_available_yet() -> None:
    ProjectFactory(name="Lonely")

    lonely = by_name()["Lonely"]

    ratings = {d.key: d.rating for d in lonely.dimensions}
    assert ratings["staffing"] is Rating.NONE
    assert ratings["approvals"] is Rating.NONE
    assert ratings["client"] is Rating.NONE
    assert ratings["schedule"] is Rating.GREEN


def test_projects_are_sorted_worst_first() -> None:
    ProjectFactory(name="A calm one")
    late = ProjectFactory(name="Z late one")
    for days in (3, 10):
        MilestoneFactory(project=late, deadline=timezone.localdate() - timedelta(days=days))

    names = [r.project.name for r in assess_all(active_projects())]

    assert names == ["Z late one", "A calm one"]
