"""Staffing services: the only writers of requests and bookings.

Each takes the acting user, runs in one transaction, locks what it decides on, writes an
audit entry, enqueues Odoo work through the outbox and returns the changed object. Pages,
the API and the approval callbacks all call these.

Lock order, everywhere: the staffing request, then the consultant profile, then the
booking. Two resource managers booking the same person therefore queue on the profile
row, and the second re-checks capacity after the first has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.core import audit
from portal.core.errors import Conflict, DomainError, NotAllowed
from portal.core.models import User
from portal.odoo.models import Project
from portal.staffing import notifications, odoo_effects
from portal.staffing.access import can_book, can_cancel, can_raise_request
from portal.staffing.capacity import spread_weekly, total_from_weekly, weekly_from_total
from portal.staffing.matching import skill_needs
from portal.staffing.models import (
    Booking,
    BookingStatus,
    BookingType,
    BookingWeek,
    ConsultantProfile,
    RequestSkill,
    RequestStatus,
    Skill,
    StaffingRequest,
    UnitStaffingSettings,
)
from portal.staffing.rules import BookingCheck, RequestInput, check_booking, check_request_input

logger = logging.getLogger(__name__)

APPROVAL_KIND = "staffing_exception"


class InvalidRequest(DomainError):
    """A staffing request with problems; `errors` lists every (field, message)."""

    def __init__(self, errors: list[tuple[str | None, str]]) -> None:
        super().__init__(errors[0][1], field=errors[0][0])
        self.errors = errors


def _today() -> date:
    return timezone.localdate()


def raise_request(
    actor: User, *, project: Project, data: RequestInput, today: date | None = None
) -> StaffingRequest:
    """Record a PM's staffing request on `project`."""
    if not can_raise_request(actor, project):
        raise NotAllowed("Only the project's manager or a PM of its unit can ask for staff.")
    errors = check_request_input(project, data, today=today or _today())
    if errors:
        raise InvalidRequest(errors)
    assert data.job_role is not None and data.start_date and data.end_date
    assert data.bill_rate is not None

    if data.hours_per_week is not None:
        weekly = data.hours_per_week
        total = total_from_weekly(data.start_date, data.end_date, weekly)
    else:
        assert data.total_hours is not None
        total = data.total_hours
        weekly = weekly_from_total(data.start_date, data.end_date, total)
    skills = {s.name.lower(): s for s in Skill.objects.all()}

    with transaction.atomic():
        request = StaffingRequest.objects.create(
            project=project,
            business_unit_id=project.business_unit_id,
            requested_by=actor,
            job_role=data.job_role,
            start_date=data.start_date,
            end_date=data.end_date,
            hours_per_week=weekly,
            total_hours=total,
            bill_rate=data.bill_rate,
            currency=data.currency,
            booking_type=data.booking_type,
            notes=data.notes,
            task_ids=sorted(set(data.task_ids)),
        )
        RequestSkill.objects.bulk_create(
            [
                RequestSkill(
                    request=request,
                    skill=skills[need.name.lower()],
                    min_level=need.min_level,
                    required=need.required,
                )
                for need in {n.name.lower(): n for n in data.skills}.values()
            ]
        )
        audit.record(
            "staffing.request.raised",
            actor=actor,
            obj=request,
            data={
                "project_id": project.pk,
                "job_role": str(data.job_role),
                "start": data.start_date,
                "end": data.end_date,
                "hours_per_week": weekly,
                "bill_rate": data.bill_rate,
                "currency": data.currency,
                "skills": [
                    f"{n.name}:{n.min_level}{'' if n.required else '?'}" for n in data.skills
                ],
            },
        )
    return request


@dataclass(frozen=True)
class BookingOutcome:
    booking: Booking
    check: BookingCheck | None

    @property
    def needs_approval(self) -> bool:
        return self.booking.status == BookingStatus.PENDING_APPROVAL


def book_candidate(
    actor: User,
    *,
    request_id: int,
    profile_id: int,
    seen_free_hours: Decimal | None = None,
    today: date | None = None,
) -> BookingOutcome:
    """Book a consultant on a request: confirmed at once, or sent for approval.

    `seen_free_hours` is the free capacity the resource manager was shown; if capacity
    shrank since then and the booking no longer fits, the booking is refused with a
    Conflict so the person decides on current numbers.
    """
    today = today or _today()
    with transaction.atomic():
        request = _locked_request(request_id)
        if not can_book(actor, request):
            raise NotAllowed("Only a resource manager of this unit can book people.")
        if request.status != RequestStatus.OPEN:
            raise Conflict(f"{request.reference} is {request.get_status_display().lower()}.")
        profile = (
            ConsultantProfile.objects.select_for_update(of=("self",))
            .select_related("employee", "user")
            .filter(pk=profile_id, is_active=True)
            .first()
        )
        if profile is None:
            raise DomainError("This consultant cannot be booked (no active profile).")

        # Re-checked inside the lock: another booking may have committed meanwhile.
        check = check_booking(
            profile,
            project=request.project,
            job_role_id=request.job_role_id,
            start=request.start_date,
            end=request.end_date,
            hours_per_week=request.hours_per_week,
            bill_rate=request.bill_rate,
            currency=request.currency,
            skill_needs=skill_needs(request),
            today=today,
            exclude_request_id=request.pk,
        )
        if (
            seen_free_hours is not None
            and check.free_hours < seen_free_hours
            and check.hours > check.free_hours
        ):
            raise Conflict(
                f"The capacity of {profile.name} changed while you were deciding: "
                f"{check.free_hours:.0f} h free now, {seen_free_hours:.0f} h when you looked. "
                "Review the candidates and book again."
            )

        booking = Booking.objects.create(
            request=request,
            consultant=profile,
            project_id=request.project_id,
            job_role_id=request.job_role_id,
            start_date=request.start_date,
            end_date=request.end_date,
            hours_per_week=request.hours_per_week,
            total_hours=request.total_hours,
            bill_rate=request.bill_rate,
            currency=request.currency,
            booking_type=request.booking_type,
            status=BookingStatus.PENDING_APPROVAL,
            violations=[v.as_dict() for v in check.violations],
            facts=check.as_facts(),
            created_by=actor,
        )
        _write_weeks(booking)
        audit.record(
            "staffing.booking.proposed",
            actor=actor,
            obj=booking,
            data={
                "request_id": request.pk,
                "consultant_id": profile.pk,
                "violations": [v.code for v in check.violations],
                "facts": booking.facts,
            },
        )

        if check.violations or _unit_requires_approval(request):
            _submit_for_approval(booking, request, actor)
        else:
            _confirm(booking, request, actor)
    return BookingOutcome(booking, check)


def add_placeholder(actor: User, *, request_id: int) -> Booking:
    """Plan an unnamed role booking for a request; it loads nobody and is not sent to Odoo."""
    with transaction.atomic():
        request = _locked_request(request_id)
        if not can_book(actor, request):
            raise NotAllowed("Only a resource manager of this unit can plan placeholders.")
        booking = Booking.objects.create(
            request=request,
            consultant=None,
            project_id=request.project_id,
            job_role_id=request.job_role_id,
            start_date=request.start_date,
            end_date=request.end_date,
            hours_per_week=request.hours_per_week,
            total_hours=request.total_hours,
            bill_rate=request.bill_rate,
            currency=request.currency,
            booking_type=BookingType.SOFT,
            status=BookingStatus.PLANNED,
            created_by=actor,
        )
        audit.record("staffing.placeholder.planned", actor=actor, obj=booking)
    return booking


def cancel_booking(actor: User, *, booking_id: int) -> Booking:
    """Cancel a booking; a confirmed one is removed from the Odoo tasks it added."""
    with transaction.atomic():
        booking = Booking.objects.select_related("request").get(pk=booking_id)
        if booking.request_id is not None:
            _locked_request(booking.request_id)  # lock order: request first
        booking = _locked_booking(booking_id)
        if not can_cancel(actor, booking):
            raise NotAllowed("Only a resource manager of this unit can cancel bookings.")
        if booking.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED):
            raise Conflict(
                f"{booking.reference} is already {booking.get_status_display().lower()}."
            )
        was = booking.status

        if was == BookingStatus.PENDING_APPROVAL:
            _withdraw_approval(booking, actor)
        if was == BookingStatus.CONFIRMED:
            odoo_effects.enqueue_unassignment(booking)
        _release(booking, BookingStatus.CANCELLED)
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        audit.record("staffing.booking.cancelled", actor=actor, obj=booking, data={"was": was})
    return booking


def cancel_request(actor: User, *, request_id: int) -> StaffingRequest:
    """Withdraw an open request (its placeholders go with it)."""
    with transaction.atomic():
        request = _locked_request(request_id)
        if not (request.requested_by_id == actor.pk or can_book(actor, request)):
            raise NotAllowed("Only the requester or a resource manager can cancel a request.")
        if request.status != RequestStatus.OPEN:
            raise Conflict(f"{request.reference} is {request.get_status_display().lower()}.")
        request.bookings.filter(status=BookingStatus.PLANNED).update(
            status=BookingStatus.CANCELLED, cancelled_at=timezone.now()
        )
        request.status = RequestStatus.CANCELLED
        request.save(update_fields=["status", "updated_at"])
        audit.record("staffing.request.cancelled", actor=actor, obj=request)
    return request


# --- approval outcomes (called by the engine inside its decision transaction) ------


def approval_granted(booking: Booking, approver: User, approval_id: int | None) -> None:
    booking = _locked_booking(booking.pk)
    if booking.status != BookingStatus.PENDING_APPROVAL:
        logger.info("Booking %s approved while %s; nothing to do", booking.pk, booking.status)
        return
    assert booking.request is not None
    _confirm(booking, booking.request, approver, approval_id=approval_id)


def approval_refused(
    booking: Booking, approver: User, approval_id: int | None, *, outcome: str, comment: str = ""
) -> None:
    booking = _locked_booking(booking.pk)
    if booking.status != BookingStatus.PENDING_APPROVAL:
        return
    status = BookingStatus.CANCELLED if outcome == "withdrawn" else BookingStatus.REJECTED
    _release(booking, status)
    booking.decided_at = timezone.now()
    booking.save(update_fields=["status", "decided_at"])
    audit.record(
        f"staffing.booking.{'cancelled' if outcome == 'withdrawn' else outcome}",
        actor=approver,
        obj=booking,
        data={"approval_id": approval_id, "comment": comment},
    )
    if outcome != "withdrawn":
        notifications.booking_rejected(booking, comment)


# --- internals ---------------------------------------------------------------------


def _locked_request(request_id: int) -> StaffingRequest:
    request = (
        StaffingRequest.objects.select_for_update(of=("self",))
        .select_related("project", "project__partner", "job_role", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise DomainError("No such staffing request.")
    return request


def _locked_booking(booking_id: int) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related(
            "request",
            "request__project",
            "request__requested_by",
            "consultant",
            "consultant__employee",
            "consultant__user",
            "job_role",
        )
        .get(pk=booking_id)
    )


def _write_weeks(booking: Booking) -> None:
    assert booking.consultant_id is not None
    BookingWeek.objects.bulk_create(
        [
            BookingWeek(
                booking=booking,
                consultant_id=booking.consultant_id,
                week_start=week,
                hours=hours,
                firm=booking.booking_type == BookingType.FIRM,
            )
            for week, hours in spread_weekly(
                booking.start_date, booking.end_date, booking.hours_per_week
            ).items()
        ]
    )


def _release(booking: Booking, status: str) -> None:
    """Give the booking's hours back and reopen its request."""
    booking.weeks.all().delete()
    booking.status = status
    request = booking.request
    if request is not None and request.status in (
        RequestStatus.PENDING_APPROVAL,
        RequestStatus.FILLED,
    ):
        request.status = RequestStatus.OPEN
        request.save(update_fields=["status", "updated_at"])


def _unit_requires_approval(request: StaffingRequest) -> bool:
    if request.business_unit_id is None:
        return False
    return UnitStaffingSettings.objects.filter(
        business_unit_id=request.business_unit_id, always_require_approval=True
    ).exists()


def _submit_for_approval(booking: Booking, request: StaffingRequest, actor: User) -> None:
    from portal.approvals import services as approvals

    request.status = RequestStatus.PENDING_APPROVAL
    request.save(update_fields=["status", "updated_at"])
    approval = approvals.submit(booking, kind=APPROVAL_KIND, requester=actor)
    audit.record(
        "staffing.booking.submitted",
        actor=actor,
        obj=booking,
        data={"approval_id": approval.pk, "violations": [v["code"] for v in booking.violations]},
    )
    notifications.request_needs_approval(booking)


def _withdraw_approval(booking: Booking, actor: User) -> None:
    from portal.approvals import services as approvals
    from portal.approvals.models import ApprovalRequest

    pending = ApprovalRequest.objects.for_subject(booking).filter(
        status__in=["needs_routing", "pending", "changes_requested"]
    )
    for approval in pending:
        # The engine lets only the requester withdraw; the cancelling resource manager is
        # recorded on our own `staffing.booking.cancelled` entry.
        requester = User.objects.get(pk=approval.requester_id)
        approvals.withdraw(approval.pk, actor=requester)


def _confirm(
    booking: Booking, request: StaffingRequest, actor: User, approval_id: int | None = None
) -> None:
    booking.status = BookingStatus.CONFIRMED
    booking.decided_at = timezone.now()
    odoo_effects.enqueue_assignment(booking)
    booking.save(update_fields=["status", "decided_at", "assigned_task_ids"])
    request.status = RequestStatus.FILLED
    request.save(update_fields=["status", "updated_at"])
    data: dict[str, Any] = {"request_id": request.pk, "tasks": booking.assigned_task_ids}
    if approval_id is not None:
        data["approval_id"] = approval_id
    if booking.consultant is not None and booking.consultant.employee.user_id is None:
        data["not_assigned_in_odoo"] = "no Odoo user"
    audit.record("staffing.booking.confirmed", actor=actor, obj=booking, data=data)
    notifications.request_filled(booking)
    notifications.consultant_booked(booking)
