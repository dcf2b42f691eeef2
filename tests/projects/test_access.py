"""Who sees which project (DESIGN §2, §9): one scoping queryset, one authorizing getter."""

from __future__ import annotations

import pytest
from django.http import Http404

from portal.clients.models import ProjectPublication
from portal.core.models import User
from portal.projects.access import get_project_for_user, visible_to
from tests.factories import person
from tests.projects.conftest import Firm

pytestmark = pytest.mark.django_db


def names(user: User) -> set[str]:
    return set(visible_to(user).values_list("name", flat=True))


def test_firm_wide_delivery_leader_sees_every_project(firm: Firm, leader: User) -> None:
    assert names(leader) == {"Office Design", "Home Construction", "Renovations", "After-Sales",
                             "Research"}  # fmt: skip


@pytest.mark.parametrize(
    "role",
    ["delivery_leader", "practice_leader", "finance", "resource_manager", "operator",
     "account_manager"],
)  # fmt: skip
def test_unit_role_sees_only_the_projects_of_its_unit(firm: Firm, role: str) -> None:
    user = person(f"{role}@example.com", role, firm.unit)

    assert names(user) == {"Office Design"}


def test_pm_sees_unit_projects_and_projects_they_manage_elsewhere(firm: Firm, pm: User) -> None:
    assert names(pm) == {"Office Design", "Home Construction"}


def test_consultant_sees_projects_they_are_assigned_to_or_logged_time_on(
    firm: Firm, consultant: User
) -> None:
    assert names(consultant) == {"After-Sales", "Research"}


def test_client_contact_sees_only_published_projects_of_their_client(
    firm: Firm, client_contact: User
) -> None:
    assert names(client_contact) == set()

    ProjectPublication.objects.create(project=firm.main)

    assert names(client_contact) == {"Office Design"}


def test_other_client_contact_sees_nothing_of_the_first_client(
    firm: Firm, other_client_contact: User
) -> None:
    ProjectPublication.objects.create(project=firm.main)
    ProjectPublication.objects.create(project=firm.other)

    assert names(other_client_contact) == {"Renovations"}


def test_person_without_role_sees_nothing(firm: Firm, outsider: User) -> None:
    assert names(outsider) == set()


def test_project_deleted_in_odoo_is_hidden(firm: Firm, leader: User) -> None:
    firm.main.deleted_in_odoo = True
    firm.main.save()

    assert "Office Design" not in names(leader)


def test_getter_returns_a_visible_project(firm: Firm, pm: User) -> None:
    assert get_project_for_user(pm, firm.managed_elsewhere.pk) == firm.managed_elsewhere


def test_getter_raises_404_for_a_project_out_of_scope(firm: Firm, pm: User) -> None:
    with pytest.raises(Http404):
        get_project_for_user(pm, firm.other.pk)


def test_losing_a_role_hides_projects_at_once(firm: Firm) -> None:
    user = person("finance@example.com", "finance", firm.unit)
    assert names(user) == {"Office Design"}

    user.memberships.all().delete()

    assert names(user) == set()
