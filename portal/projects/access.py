"""Who may see which project: one scoping queryset and one authorizing getter.

Project is a mirror model owned by the gateway, so the scoping lives here as functions
rather than as a manager method on the model.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.core.models import Role, User
from portal.odoo.models import Project, Task, Timesheet

# Roles that see every project of the units where they hold them.
UNIT_WIDE_ROLES = [
    Role.DELIVERY_LEADER,
    Role.PRACTICE_LEADER,
    Role.FINANCE,
    Role.RESOURCE_MANAGER,
    Role.OPERATOR,
    Role.PROJECT_MANAGER,
    Role.ACCOUNT_MANAGER,
]


def _published_project_ids() -> Callable[[User], set[int]] | None:
    """The client portal's publication rule, when that app provides it."""
    try:
        module = importlib.import_module("portal.clients.access")
    except ImportError:
        return None
    return getattr(module, "published_project_ids", None)


def visible_to(
    user: User | AnonymousUser, queryset: QuerySet[Project] | None = None
) -> QuerySet[Project]:
    """Projects `user` may see (archived ones included, projects deleted in Odoo not)."""
    projects = (queryset if queryset is not None else Project.objects.all()).filter(
        deleted_in_odoo=False
    )
    if not user.is_authenticated or not user.is_active:
        return projects.none()
    assert isinstance(user, User)

    if user.is_client_contact:
        # A client contact holds no staff role; only published projects of their client.
        published = _published_project_ids()
        if published is None:
            return projects.none()
        return projects.filter(id__in=sorted(published(user)))

    # One query for every role the person holds, read afresh on each request.
    memberships = list(user.memberships.values_list("role", "business_unit_id"))
    roles = {role for role, _ in memberships}
    unit_ids = {unit for role, unit in memberships if role in UNIT_WIDE_ROLES}

    scope = Q(pk__in=[])
    if None in unit_ids:  # a firm-wide membership: every unit
        scope |= Q(pk__isnull=False)
    elif unit_ids:
        scope |= Q(business_unit_id__in=sorted(unit_ids))
    if Role.PROJECT_MANAGER in roles and user.odoo_user_id is not None:
        scope |= Q(manager_id=user.odoo_user_id)
    if Role.CONSULTANT in roles:
        scope |= _worked_on(user)
    return projects.filter(scope)


def _worked_on(user: User) -> Q:
    """Projects where the person is an assignee of a task or has logged time."""
    worked = Q(pk__in=[])
    if user.odoo_user_id is not None:
        worked |= Q(
            pk__in=Task.objects.filter(assignees__id=user.odoo_user_id).values("project_id")
        )
        worked |= Q(pk__in=Timesheet.objects.filter(user_id=user.odoo_user_id).values("project_id"))
    if user.odoo_employee_id is not None:
        worked |= Q(
            pk__in=Timesheet.objects.filter(employee_id=user.odoo_employee_id).values("project_id")
        )
    return worked


def get_project_for_user(user: User | AnonymousUser, pk: int) -> Project:
    """The project `pk` if `user` may see it; 404 otherwise (never reveal that it exists)."""
    project = (
        visible_to(user)
        .select_related("partner", "manager", "business_unit", "sale_order")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404("No such project.")
    return project
