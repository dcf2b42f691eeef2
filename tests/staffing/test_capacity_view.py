"""The capacity grid: numbers per cell, fixed query count, scoping, cell fragment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from portal.staffing.capacity import monday
from tests.staffing.factories import ProjectFactory, bulk_people, existing_booking

pytestmark = pytest.mark.django_db


def test_capacity_cell_shows_booked_against_capacity_with_soft_and_firm_labels(
    client, rm, team, today
):
    week = monday(today) + timedelta(weeks=1)
    existing_booking(team.ana, ProjectFactory(), week, week + timedelta(days=4), "24")
    existing_booking(team.ana, ProjectFactory(), week, week + timedelta(days=4), "8", firm=False)
    client.force_login(rm)

    response = client.get(reverse("staffing:capacity"))

    row = next(r for r in response.context["rows"] if r.profile_id == team.ana.pk)
    cell = row.cells[1]
    assert (cell.firm, cell.soft, cell.capacity, cell.shade) == (24, 8, 40, "busy")
    assert cell.label == "firm 24, soft 8"
    body = response.content.decode()
    assert "32/40" in body
    assert 'class="cap-key soft">S<' in body


@pytest.mark.parametrize("people", [10, 500])
def test_capacity_view_keeps_a_fixed_query_count(
    client, rm, unit, senior, people, django_assert_num_queries, today
):
    profiles = bulk_people(people, unit, senior)
    project = ProjectFactory()
    week = monday(today)
    for profile in profiles[:5]:
        existing_booking(profile, project, week, week + timedelta(weeks=3), "10")
    client.force_login(rm)

    # 1 session, 2 user, 3 roles for the scope check, 4 memberships for the profile scope,
    # 5 profiles (tuples, employee and role joined), 6 calendars, 7 booked hours per week,
    # 8 task load, 9-11 filter options (roles, skills, units), 12 roles for the menu.
    with django_assert_num_queries(12):
        response = client.get(reverse("staffing:capacity"))

    assert len(response.context["rows"]) == people


def test_capacity_filters_by_skill_and_returns_the_grid_fragment(client, rm, team, skills):
    client.force_login(rm)

    response = client.get(
        reverse("staffing:capacity"),
        {"skill": skills["PostgreSQL"].pk, "min_level": 4},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert [r.name for r in response.context["rows"]] == ["Ana Alves", "Cleo Cruz"]
    assert 'id="capacity-grid"' in body
    assert "<html" not in body


def test_capacity_view_is_403_for_a_consultant(client, unit):
    from tests.factories import person

    client.force_login(person("c@example.com", "consultant", unit))

    assert client.get(reverse("staffing:capacity")).status_code == 403


def test_capacity_cell_lists_the_weeks_bookings(client, rm, team, today):
    week = monday(today) + timedelta(weeks=1)
    project = ProjectFactory(name="Orion")
    existing_booking(team.ana, project, week, week + timedelta(days=4), "24")
    client.force_login(rm)

    response = client.get(
        reverse("staffing:capacity_cell", args=[team.ana.pk, week.isoformat()]),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "24 h — Orion" in response.content.decode()


def test_capacity_cell_is_404_for_another_units_person(client, other_rm, team, today):
    client.force_login(other_rm)

    response = client.get(
        reverse("staffing:capacity_cell", args=[team.ana.pk, monday(today).isoformat()])
    )

    assert response.status_code == 404
