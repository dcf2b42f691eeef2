"""The risk page costs the same number of queries for 10 and 2,000 projects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.core.models import User
from portal.odoo.models import Milestone, Project

pytestmark = pytest.mark.django_db

# 1-2 session and user (force_login), 3 dashboard role check (unit_scope),
# 4 the person's memberships (projects.access.visible_to), 5 every project with all its
# risk figures (one query of correlated subqueries), 6 the 12-week snapshots of the
# page's 50 projects, 7 the mirror's sync time, 8 the newest snapshot time, 9 the top
# menu's roles (navigation context processor).
RISK_PAGE_QUERIES = 9


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
    client = Client()
    client.force_login(leader)

    with django_assert_num_queries(RISK_PAGE_QUERIES):
        response = client.get(reverse("dashboards:risk"))

    assert response.status_code == 200
    assert f"{projects} of {projects} active projects" in response.content.decode()
