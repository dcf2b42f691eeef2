"""Staffing pages: board, request form and detail, capacity, my assignments."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from portal.approvals.models import ApprovalRequest
from portal.core.access import has_role
from portal.core.errors import DomainError
from portal.core.htmx import is_fragment_request
from portal.core.models import Role, User
from portal.projects.access import get_project_for_user
from portal.staffing import services
from portal.staffing.access import (
    CAPACITY_READERS,
    can_book,
    can_raise_request,
    get_booking_for_user,
    get_request_for_user,
    visible_requests,
)
from portal.staffing.forms import BookForm, CapacityFilterForm, StaffingRequestForm
from portal.staffing.grid import capacity_grid, visible_profiles
from portal.staffing.matching import NO_ODOO_USER, rank_candidates
from portal.staffing.models import Booking, BookingStatus, BookingWeek


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _after_post(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not has_role(user, [Role.RESOURCE_MANAGER, Role.DELIVERY_LEADER, Role.PROJECT_MANAGER]):
        raise PermissionDenied("The staffing board is for resource managers and PMs.")
    open_requests = (
        visible_requests(user)
        .open()
        .select_related("project", "job_role", "requested_by")
        .prefetch_related("skill_needs__skill")
    )
    return render(request, "staffing/board.html", {"requests": open_requests})


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        project_id = int(request.GET.get("project_id", ""))
    except ValueError:
        raise Http404("Say which project: ?project_id=…") from None
    project = get_project_for_user(user, project_id)
    if not can_raise_request(user, project):
        raise PermissionDenied("Only the project's manager can ask for staff.")

    form = StaffingRequestForm(request.POST or None, project=project, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            created = services.raise_request(user, project=project, data=form.request_input)
        except DomainError as error:
            form.add_error(getattr(error, "field", None), error.message)
        else:
            messages.success(request, f"{created.reference} raised; resource managers see it now.")
            return _after_post(request, reverse("staffing:request_detail", args=[created.pk]))
    status = 400 if form.errors else 200
    return render(
        request, "staffing/request_form.html", {"form": form, "project": project}, status=status
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The request, its bookings and, for resource managers, the ranked candidates.

    With HX-Request the candidates panel alone is returned (the board loads it).
    """
    user = _user(request)
    staffing_request = get_request_for_user(user, pk)
    may_book = can_book(user, staffing_request)
    candidates = (
        rank_candidates(staffing_request, today=timezone.localdate())
        if may_book and staffing_request.status == "open"
        else []
    )
    context = {
        "req": staffing_request,
        "may_book": may_book,
        "candidates": candidates,
        "bookings": staffing_request.bookings.select_related(
            "consultant", "consultant__employee", "job_role"
        ),
        "skill_needs": staffing_request.skill_needs.select_related("skill"),
        "approvals": _approvals_of(staffing_request.pk),
    }
    if is_fragment_request(request):
        return render(request, "staffing/_candidates.html", context)
    return render(request, "staffing/request_detail.html", context)


def _approvals_of(request_id: int) -> list[ApprovalRequest]:
    booking_ids = [
        str(pk) for pk in Booking.objects.filter(request_id=request_id).values_list("pk", flat=True)
    ]
    return list(
        ApprovalRequest.objects.filter(subject_type="staffing.booking", subject_id__in=booking_ids)
    )


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    staffing_request = get_request_for_user(user, pk)
    if not can_book(user, staffing_request):
        raise PermissionDenied("Only a resource manager of this unit can book people.")
    form = BookForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a candidate to book.")
        return _after_post(request, reverse("staffing:request_detail", args=[pk]))
    try:
        outcome = services.book_candidate(
            user,
            request_id=pk,
            profile_id=form.cleaned_data["profile_id"],
            seen_free_hours=form.cleaned_data.get("seen_free_hours"),
        )
    except DomainError as error:
        messages.error(request, error.message)
        response = _after_post(request, reverse("staffing:request_detail", args=[pk]))
        return response
    consultant = outcome.booking.consultant
    name = consultant.name if consultant else "placeholder"
    # Said at once: otherwise the Odoo tasks silently stay without this assignee.
    odoo = (
        f" {name} has {NO_ODOO_USER}."
        if consultant is not None and consultant.employee.user_id is None
        else ""
    )
    if outcome.needs_approval:
        messages.warning(request, f"{name}: the booking breaks a rule and went to approval.{odoo}")
    elif odoo:
        messages.warning(request, f"{name} is booked.{odoo}")
    else:
        messages.success(request, f"{name} is booked.")
    return _after_post(request, reverse("staffing:request_detail", args=[pk]))


@login_required
@require_POST
def placeholder(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    staffing_request = get_request_for_user(user, pk)
    if not can_book(user, staffing_request):
        raise PermissionDenied("Only a resource manager of this unit can plan placeholders.")
    try:
        services.add_placeholder(user, request_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
    return _after_post(request, reverse("staffing:request_detail", args=[pk]))


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    booking = get_booking_for_user(user, pk)
    assert booking.request is not None
    if not can_book(user, booking.request):
        raise PermissionDenied("Only a resource manager of this unit can cancel bookings.")
    try:
        services.cancel_booking(user, booking_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{booking.reference} cancelled.")
    return _after_post(request, reverse("staffing:request_detail", args=[booking.request_id]))


@login_required
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    staffing_request = get_request_for_user(user, pk)
    if staffing_request.requested_by_id != user.pk and not can_book(user, staffing_request):
        raise PermissionDenied("Only the requester or a resource manager can cancel it.")
    try:
        services.cancel_request(user, request_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
    return _after_post(request, reverse("staffing:request_detail", args=[pk]))


@login_required
def my_assignments(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    bookings = (
        Booking.objects.filter(
            consultant__user=user,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.PENDING_APPROVAL],
            end_date__gte=timezone.localdate(),
        )
        .select_related("project", "job_role")
        .order_by("start_date")
    )
    return render(request, "staffing/my_assignments.html", {"bookings": bookings})


@login_required
def capacity(request: HttpRequest) -> HttpResponse:
    """People x the next 12 weeks. Queries, whatever the number of people: the user's
    roles for the menu and for the scope, the filter options (roles, skills, units),
    the profiles, their calendars, their booked hours, their task load."""
    user = _user(request)
    if not has_role(user, CAPACITY_READERS):
        raise PermissionDenied("The capacity view is for resource and delivery managers.")
    form = CapacityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    weeks, rows = capacity_grid(
        user,
        today=timezone.localdate(),
        role=filters.get("role"),
        skill=filters.get("skill"),
        min_level=filters.get("min_level") or 1,
        unit=filters.get("unit"),
    )
    context = {"form": form, "weeks": weeks, "rows": rows}
    template = "staffing/_capacity_grid.html" if is_fragment_request(request) else None
    return render(request, template or "staffing/capacity.html", context)


@login_required
def capacity_cell(request: HttpRequest, profile_id: int, week: str) -> HttpResponse:
    """The bookings of one person in one week (an htmx fragment, or a small page)."""
    user = _user(request)
    try:
        week_start = date.fromisoformat(week)
    except ValueError:
        raise Http404("Not a week.") from None
    profile = visible_profiles(user).filter(pk=profile_id).first()
    if profile is None:
        raise Http404("No such person.")
    weeks = BookingWeek.objects.filter(consultant=profile, week_start=week_start).select_related(
        "booking", "booking__project", "booking__job_role"
    )
    context = {"profile": profile, "week": week_start, "weeks": weeks}
    if is_fragment_request(request):
        return render(request, "staffing/_capacity_cell.html", context)
    return render(request, "staffing/capacity_cell.html", context)
