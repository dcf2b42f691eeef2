"""Who may see and act on which milestone: the scoping and the authorizing getters."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.clients.access import published_project_ids
from portal.core.access import has_role
from portal.core.models import Role, User
from portal.milestones.models import MilestoneRecord, MilestoneRecordQuerySet
from portal.odoo.models import Milestone

# Staff roles that see every milestone of the units where they hold them.
UNIT_WIDE_ROLES = [
    Role.DELIVERY_LEADER,
    Role.PRACTICE_LEADER,
    Role.FINANCE,
    Role.OPERATOR,
    Role.PROJECT_MANAGER,
    Role.ACCOUNT_MANAGER,
]


def _staff_scope(user: User, prefix: str) -> Q:
    """Milestones of projects in the user's units, plus projects the user manages in Odoo."""
    memberships = list(user.memberships.values_list("role", "business_unit_id"))
    units = {unit for role, unit in memberships if role in UNIT_WIDE_ROLES}
    scope = Q(pk__in=[])
    if None in units:  # a firm-wide membership
        scope |= Q(pk__isnull=False)
    elif units:
        scope |= Q(**{f"{prefix}project__business_unit_id__in": sorted(units)})
    if user.odoo_user_id is not None and any(r == Role.PROJECT_MANAGER for r, _ in memberships):
        scope |= Q(**{f"{prefix}project__manager_id": user.odoo_user_id})
    return scope


def visible_milestones(user: User | AnonymousUser) -> QuerySet[Milestone]:
    """Mirror milestones a staff member may see (client contacts see none here)."""
    milestones = Milestone.objects.filter(deleted_in_odoo=False)
    if not user.is_authenticated or not user.is_active or user.is_client_contact:
        return milestones.none()
    assert isinstance(user, User)
    if user.is_superuser:
        return milestones
    return milestones.filter(_staff_scope(user, ""))


def visible_records(user: User | AnonymousUser) -> MilestoneRecordQuerySet:
    records = MilestoneRecord.objects.filter(milestone__deleted_in_odoo=False)
    if not user.is_authenticated or not user.is_active or user.is_client_contact:
        return records.none()
    assert isinstance(user, User)
    if user.is_superuser:
        return records
    return records.filter(_staff_scope(user, "milestone__"))


def client_records(user: User | AnonymousUser) -> MilestoneRecordQuerySet:
    """Records a client contact may review: their client's published projects only."""
    records = MilestoneRecord.objects.filter(milestone__deleted_in_odoo=False)
    if not user.is_authenticated or not user.is_active or not user.is_client_contact:
        return records.none()
    return records.filter(milestone__project_id__in=sorted(published_project_ids(user)))


def get_milestone_for_user(user: User | AnonymousUser, pk: int) -> Milestone:
    milestone = (
        visible_milestones(user)
        .select_related(
            "project__business_unit", "project__partner", "sale_line__order", "project__manager"
        )
        .filter(pk=pk)
        .first()
    )
    if milestone is None:
        raise Http404("No such milestone.")
    return milestone


def get_client_record(user: User | AnonymousUser, pk: int) -> MilestoneRecord:
    record = (
        client_records(user)
        .select_related("milestone__project__partner", "milestone__sale_line__order")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404("No such milestone.")
    return record


def can_manage(user: User, milestone: Milestone) -> bool:
    """PMs of the project's unit and the project's own Odoo manager handle evidence."""
    project = milestone.project
    if user.is_superuser:
        return True
    if project is not None and user.odoo_user_id and project.manager_id == user.odoo_user_id:
        return True
    unit = project.business_unit_id if project is not None else None
    return has_role(user, Role.PROJECT_MANAGER, unit)


def is_finance(user: User | AnonymousUser, unit: int | None = None) -> bool:
    return has_role(user, Role.FINANCE, unit)
