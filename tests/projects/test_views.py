"""The project list and the project page: content per persona, htmx fragments, queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from portal.core.models import User
from portal.odoo.models import Milestone, Project, Task
from tests.factories import person
from tests.projects.conftest import Firm
from tests.projects.factories import (
    EmployeeFactory,
    MilestoneFactory,
    OdooUserFactory,
    ProjectFactory,
    SaleOrderLineFactory,
    TaskFactory,
    TaskStageFactory,
    TimesheetFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_the_projects_the_pm_may_see(firm: Firm, pm: User) -> None:
    response = signed_in(pm).get(reverse("projects:list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Office Design" in body
    assert "Home Construction" in body
    assert "Renovations" not in body


def test_list_is_empty_for_an_outsider(firm: Firm, outsider: User) -> None:
    response = signed_in(outsider).get(reverse("projects:list"))

    assert response.status_code == 200
    assert "No project matches" in response.content.decode()
    assert "Office Design" not in response.content.decode()


def test_list_requires_login(firm: Firm) -> None:
    response = Client().get(reverse("projects:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_list_filters_by_unit(firm: Firm, leader: User) -> None:
    response = signed_in(leader).get(reverse("projects:list"), {"unit": firm.other_unit.pk})

    page = response.context["page"]
    assert {p.name for p in page.object_list} == {
        "Home Construction", "Renovations", "After-Sales", "Research"
    }  # fmt: skip


def test_list_filters_by_client_company_including_its_contacts(firm: Firm, leader: User) -> None:
    response = signed_in(leader).get(reverse("projects:list"), {"client": firm.client.pk})

    assert [p.name for p in response.context["page"].object_list] == ["Office Design"]


def test_list_filters_by_project_manager(firm: Firm, leader: User) -> None:
    response = signed_in(leader).get(reverse("projects:list"), {"manager": firm.pm_odoo.pk})

    assert [p.name for p in response.context["page"].object_list] == ["Home Construction"]


def test_list_hides_archived_projects_unless_asked(firm: Firm, leader: User) -> None:
    firm.other.active = False
    firm.other.save()
    client = signed_in(leader)

    active = client.get(reverse("projects:list")).context["page"].object_list
    archived = client.get(reverse("projects:list"), {"status": "archived"}).context["page"]

    assert "Renovations" not in {p.name for p in active}
    assert [p.name for p in archived.object_list] == ["Renovations"]


def test_list_searches_project_and_client_names(firm: Firm, leader: User) -> None:
    client = signed_in(leader)

    by_project = client.get(reverse("projects:list"), {"q": "office"}).context["page"]
    by_client = client.get(reverse("projects:list"), {"q": "azure"}).context["page"]

    assert [p.name for p in by_project.object_list] == ["Office Design"]
    assert len(by_client.object_list) == 4


def test_list_ignores_a_filter_value_that_is_not_offered(firm: Firm, pm: User) -> None:
    # The "other" project's manager is not among the PM's choices; no 500, no leak.
    response = signed_in(pm).get(
        reverse("projects:list"), {"manager": firm.other.manager_id, "unit": "x"}
    )

    assert response.status_code == 200
    assert {p.name for p in response.context["page"].object_list} == {
        "Office Design", "Home Construction"
    }  # fmt: skip


def test_htmx_filter_request_gets_only_the_table(firm: Firm, leader: User) -> None:
    response = signed_in(leader).get(
        reverse("projects:list"), {"q": "office"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-table"')
    assert "<html" not in body
    assert "Office Design" in body
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(firm: Firm, leader: User) -> None:
    response = signed_in(leader).get(
        reverse("projects:list"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    body = response.content.decode()
    assert "<html" in body
    assert 'id="project-table"' in body


def test_plain_request_gets_the_whole_page_with_the_filter_form(firm: Firm, leader: User) -> None:
    response = signed_in(leader).get(reverse("projects:list"))

    body = response.content.decode()
    assert "<html" in body
    assert 'hx-get="{}"'.format(reverse("projects:list")) in body
    assert "HX-Request" in response["Vary"]


def test_list_rejects_post(firm: Firm, leader: User) -> None:
    response = signed_in(leader).post(reverse("projects:list"))

    assert response.status_code == 405


@pytest.mark.parametrize("count", [3, 300])
def test_list_query_count_does_not_grow_with_projects(
    count: int, unit, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    leader = person("leader@example.com", "delivery_leader")
    stage = TaskStageFactory()
    projects = Project.objects.bulk_create(
        ProjectFactory.build(business_unit=unit, name=f"Bulk {i:04d}", partner=None, manager=None)
        for i in range(count)
    )
    Task.objects.bulk_create(TaskFactory.build(project=p, stage=stage) for p in projects)
    Milestone.objects.bulk_create(MilestoneFactory.build(project=p) for p in projects)
    client = signed_in(leader)

    # 1 session, 2 user, 3 the viewer's roles (visible_to), 4 units, 5 clients and
    # 6 project managers offered in the filters, 7 the paginator's count, 8 one page of
    # projects with partner, manager and unit joined and open tasks / next milestone as
    # subqueries, 9 the roles for the menu.
    with django_assert_num_queries(9):
        response = client.get(reverse("projects:list"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 50)


def test_project_page_shows_tasks_milestones_and_timesheets(firm: Firm, pm: User) -> None:
    stage = TaskStageFactory(name="Specification")
    assignee = OdooUserFactory(name="Anita Oliver")
    TaskFactory(project=firm.main, name="Kitchen layout", stage=stage, assignees=[assignee],
                allocated_hours=Decimal("12"), effective_hours=Decimal("15.5"),
                date_deadline=dt.datetime(2031, 3, 4, 12, tzinfo=dt.UTC))  # fmt: skip
    line = SaleOrderLineFactory(product_name="Design phase")
    MilestoneFactory(project=firm.main, name="Design approved", sale_line=line, is_reached=True,
                     deadline=dt.date(2031, 3, 1))  # fmt: skip
    TimesheetFactory(project=firm.main, employee=EmployeeFactory(name="Toni Jimenez"),
                     name="Measured the rooms", unit_amount=Decimal("3.5"))  # fmt: skip

    response = signed_in(pm).get(reverse("projects:detail", args=[firm.main.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    for text in ["Kitchen layout", "Specification", "Anita Oliver", "15.5 / 12", "4 Mar 2031",
                 "Design approved", "Reached", "Design phase", "Toni Jimenez",
                 "Measured the rooms", "Joel Willis"]:  # fmt: skip
        assert text in body, text


def test_project_page_shows_hours_against_allocation(firm: Firm, pm: User) -> None:
    firm.main.allocated_hours = Decimal("10")
    firm.main.save()
    TimesheetFactory(project=firm.main, unit_amount=Decimal("12"))

    response = signed_in(pm).get(reverse("projects:detail", args=[firm.main.pk]))

    hours = response.context["hours"]
    assert (hours.allocated, hours.logged, hours.over) == (Decimal("10"), Decimal("12"), True)
    assert "Over allocation by 2 h" in response.content.decode()


def test_outsider_gets_404_on_a_project_page(firm: Firm, outsider: User) -> None:
    response = signed_in(outsider).get(reverse("projects:detail", args=[firm.main.pk]))

    assert response.status_code == 404


def test_pm_gets_404_on_a_project_of_another_unit(firm: Firm, pm: User) -> None:
    response = signed_in(pm).get(reverse("projects:detail", args=[firm.other.pk]))

    assert response.status_code == 404


def test_consultant_opens_a_project_they_logged_time_on(firm: Firm, consultant: User) -> None:
    response = signed_in(consultant).get(reverse("projects:detail", args=[firm.worked_on.pk]))

    assert response.status_code == 200


def test_client_contact_gets_404_on_an_unpublished_project(
    firm: Firm, client_contact: User
) -> None:
    response = signed_in(client_contact).get(reverse("projects:detail", args=[firm.main.pk]))

    assert response.status_code == 404


def test_project_page_rejects_post(firm: Firm, pm: User) -> None:
    response = signed_in(pm).post(reverse("projects:detail", args=[firm.main.pk]))

    assert response.status_code == 405


def test_project_page_query_count(firm: Firm, pm: User, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        TaskFactory(project=firm.main, assignees=[firm.pm_odoo])
        MilestoneFactory(project=firm.main, sale_line=SaleOrderLineFactory())
        TimesheetFactory(project=firm.main)
    client = signed_in(pm)

    # 1 session, 2 user, 3 roles (visible_to), 4 the project with partner, manager, unit
    # and sale order, 5 roles in the project's unit (may request staffing), 6 tasks with
    # stage and milestone, 7 their assignees, 8 milestones with sale line, 9 hour totals,
    # 10 recent timesheets with employee and task, 11 menu roles.
    with django_assert_num_queries(11):
        response = client.get(reverse("projects:detail", args=[firm.main.pk]))

    assert response.status_code == 200
