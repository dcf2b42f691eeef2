"""The risk page costs the same number of queries for 10 and 2,000 projects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.core.models import User
from portal.dashboards import precomputed
from portal.dashboards.models import RiskRating
from portal.odoo.models import Milestone, Project

pytestmark = pytest.mark.django_db

# With current stored ratings (precomputed.refresh, the beat task's job):
# 1-2 session and user (force_login), 3 dashboard role check (unit_scope),
# 4 the person's memberships (projects.access.visible_to), 5 the units, clients and
# managers of the visible projects (filter choices), 6 projects per stored rating with
# the oldest computation time (totals; also says whether a refresh is due), 7 the page's
# 50 projects with their stored ratings, 8 the 12-week snapshots of those projects,
# 9 the mirror's sync time, 10 the newest snapshot time, 11 the top menu's roles
# (navigation context processor).
RISK_PAGE_QUERIES = 11


def seed(n: int) -> None:
    Project.objects.bulk_create(
        Project(id=70_000 + i, name=f"P{i:05d}", active=True) for i in range(n)
    )
    Milestone.objects.bulk_create(
        Milestone(id=70_000 + i, name="M", project_id=70_000 + i,
                  deadline=timezone.localdate() - timedelta(days=2))
        for i in range(n)
    )  # fmt: skip


@pytest.mark.parametrize("projects", [10, 2000])
def test_risk_page_query_count_is_constant(
    projects: int,
    leader: User,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    seed(projects)
    precomputed.refresh()
    client = Client()
    client.force_login(leader)

    with django_assert_num_queries(RISK_PAGE_QUERIES):
        response = client.get(reverse("dashboards:risk"))

    assert response.status_code == 200
    assert f"{projects} of {projects} active projects" in response.content.decode()


def test_a_project_without_a_stored_rating_is_rated_before_the_page_answers(
    leader: User,
) -> None:
    seed(3)
    precomputed.refresh()
    late = Project.objects.create(id=79_999, name="Synced just now", active=True)
    Milestone.objects.create(id=79_999, name="M", project=late,
                             deadline=timezone.localdate() - timedelta(days=2))  # fmt: skip
    client = Client()
    client.force_login(leader)

    body = client.get(reverse("dashboards:risk")).content.decode()

    assert "4 of 4 active projects" in body
    assert "Synced just now" in body


def test_stale_ratings_are_recomputed_by_the_page(leader: User) -> None:
    seed(1)
    precomputed.refresh(timezone.now() - precomputed.STALE_AFTER - timedelta(minutes=1))
    client = Client()
    client.force_login(leader)

    client.get(reverse("dashboards:risk"))

    oldest = RiskRating.objects.order_by("computed_at").first()
    assert oldest is not None
    assert oldest.computed_at > timezone.now() - timedelta(minutes=1)
