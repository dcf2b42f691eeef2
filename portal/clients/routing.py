"""Where a client request goes: the routing table, and the one place classification plugs in.

`route_request` is the single entry point. Today it reads the rule table (by project and
urgency) and falls back to the project's manager, then the unit's delivery leader. An AI
classifier (DESIGN §8) will later propose the queue, project and urgency here, as a
recommendation a person confirms; callers keep calling `route_request` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from portal.clients.models import ClientRequest, RouteTarget, RoutingRule
from portal.core.access import users_with_role
from portal.core.models import Role, User
from portal.odoo.models import Project


@dataclass(frozen=True)
class Route:
    assignee: User | None
    queue: str
    reason: str
    rule_id: int | None = None


def project_manager_of(project: Project) -> User | None:
    """The portal user linked to the project's Odoo manager (Odoo's `user_id`)."""
    if project.manager_id is None:
        return None
    return User.objects.filter(odoo_user_id=project.manager_id, is_active=True).first()


def delivery_leader_of(project: Project) -> User | None:
    if project.business_unit_id is None:
        return None
    leaders = sorted(users_with_role(Role.DELIVERY_LEADER, project.business_unit_id), key=str)
    return leaders[0] if leaders else None


def _target_user(rule: RoutingRule | None, target: str, project: Project) -> User | None:
    if target == RouteTarget.PERSON and rule is not None:
        return rule.person if rule.person and rule.person.is_active else None
    if target == RouteTarget.PROJECT_MANAGER:
        return project_manager_of(project)
    return delivery_leader_of(project)


def _specificity(rule: RoutingRule) -> tuple[int, int, int]:
    return (0 if rule.project_id else 1, 0 if rule.urgency else 1, rule.order)


def route_request(request: ClientRequest) -> Route:
    """Choose who handles `request`: the first matching rule that names someone, else the
    project's manager, else the unit's delivery leader, else nobody (the unit's queue)."""
    project = request.project
    rules = sorted(
        RoutingRule.objects.filter(active=True)
        .filter(Q(project__isnull=True) | Q(project_id=project.pk))
        .filter(Q(urgency="") | Q(urgency=request.urgency))
        .select_related("person"),
        key=_specificity,
    )
    default_queue = f"project:{project.pk}"
    for rule in rules:
        user = _target_user(rule, rule.target, project)
        if user is not None:
            return Route(user, rule.queue or default_queue, f"rule {rule.pk}: {rule}", rule.pk)

    manager = project_manager_of(project)
    if manager is not None:
        return Route(manager, default_queue, "the project's manager")
    leader = delivery_leader_of(project)
    if leader is not None:
        return Route(leader, default_queue, "no project manager in the portal: the delivery leader")
    return Route(None, default_queue, "nobody to route to: waiting in the project's queue")
