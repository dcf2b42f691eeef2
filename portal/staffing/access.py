"""Who may see and act on staffing requests, bookings and capacity.

- A request is seen by its requester, the project's PM (Odoo `user_id` linked to the
  portal user), people holding a staffing role in the project's unit, and the consultant
  booked on it. Client contacts see nothing of staffing.
- A request is raised by the project's PM or a PM of the project's unit.
- A booking is made or cancelled by a resource manager of the request's unit.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import Http404

from portal.core.access import has_role, unit_filter
from portal.core.models import Role, User
from portal.odoo.models import Project
from portal.staffing.models import Booking, StaffingRequest, StaffingRequestQuerySet

# Roles that see every staffing request of their units.
UNIT_READERS = [
    Role.RESOURCE_MANAGER,
    Role.DELIVERY_LEADER,
    Role.PROJECT_MANAGER,
    Role.PRACTICE_LEADER,
    Role.OPERATOR,
]
CAPACITY_READERS = [Role.RESOURCE_MANAGER, Role.DELIVERY_LEADER, Role.PRACTICE_LEADER]


def request_scope(user: User | AnonymousUser) -> Q:
    """A filter for the staffing requests `user` may see."""
    nothing = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active:
        return nothing
    assert isinstance(user, User)
    if user.is_client_contact:
        return nothing
    scope = Q(requested_by_id=user.pk)
    in_units = unit_filter(user, UNIT_READERS)
    if in_units is not None:
        scope |= in_units if in_units else Q(pk__isnull=False)
    if user.odoo_user_id is not None:
        scope |= Q(project__manager_id=user.odoo_user_id)
    scope |= Q(bookings__consultant__user_id=user.pk)
    return scope


def visible_requests(user: User | AnonymousUser) -> StaffingRequestQuerySet:
    return StaffingRequest.objects.visible_to(user)


def get_request_for_user(user: User | AnonymousUser, pk: int) -> StaffingRequest:
    """The request `pk` if `user` may see it; 404 otherwise."""
    found = (
        visible_requests(user)
        .select_related("project", "project__partner", "job_role", "requested_by", "business_unit")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such staffing request.")
    return found


def can_raise_request(user: User, project: Project) -> bool:
    if user.odoo_user_id is not None and project.manager_id == user.odoo_user_id:
        return True
    return project.business_unit_id is not None and has_role(
        user, Role.PROJECT_MANAGER, project.business_unit_id
    )


def can_book(user: User, request: StaffingRequest) -> bool:
    return has_role(user, Role.RESOURCE_MANAGER, request.business_unit_id)


def can_cancel(user: User, booking: Booking) -> bool:
    unit = booking.request.business_unit_id if booking.request else None
    return has_role(user, Role.RESOURCE_MANAGER, unit)


def get_booking_for_user(user: User | AnonymousUser, pk: int) -> Booking:
    found = (
        Booking.objects.filter(request__in=visible_requests(user))
        .select_related("request", "consultant", "job_role", "project")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such booking.")
    return found
