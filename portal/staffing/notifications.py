"""Staffing emails: sent after the deciding transaction commits, never before."""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from portal.core.models import User
from portal.staffing.models import Booking, StaffingRequest

logger = logging.getLogger(__name__)


def _pm_addresses(request: StaffingRequest) -> list[str]:
    """The requester and the project's PM (the Odoo project's user_id linked to a user)."""
    addresses = {request.requested_by.email}
    if request.project.manager_id is not None:
        pm = User.objects.filter(odoo_user_id=request.project.manager_id, is_active=True).first()
        if pm is not None:
            addresses.add(pm.email)
    return sorted(a for a in addresses if a)


def _send(subject: str, body: str, to: list[str]) -> None:
    if not to:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except OSError:
        # The decision is committed; a mail server hiccup must not turn it into a 500.
        logger.warning("Staffing mail %r to %s not sent", subject, to, exc_info=True)


def _later(subject: str, body: str, to: list[str]) -> None:
    transaction.on_commit(partial(_send, subject, body, to))


def _link(request: StaffingRequest) -> str:
    base = str(getattr(settings, "PORTAL_BASE_URL", "")).rstrip("/")
    return base + reverse("staffing:request_detail", args=[request.pk])


NO_ODOO_USER_NOTE = (
    "{name} has no Odoo user: will not be assigned in Odoo. Link an Odoo user to the "
    "employee and add them to the tasks by hand.\n"
)


def _odoo_note(booking: Booking) -> str:
    consultant = booking.consultant
    if consultant is None or consultant.employee.user_id is not None:
        return ""
    return "\n" + NO_ODOO_USER_NOTE.format(name=consultant.name)


def request_filled(booking: Booking) -> None:
    request = booking.request
    if request is None or booking.consultant is None:
        return
    _later(
        f"[{request.reference}] Filled: {booking.consultant.name} on {request.project.name}",
        f"{booking.consultant.name} is booked as {booking.job_role} on {request.project.name} "
        f"from {booking.start_date} to {booking.end_date}, {booking.hours_per_week} h/week.\n"
        f"{_odoo_note(booking)}\n{_link(request)}\n",
        _pm_addresses(request),
    )


def request_needs_approval(booking: Booking) -> None:
    request = booking.request
    if request is None or booking.consultant is None:
        return
    issues = "\n".join(f"- {v['label']}: {v['value']}" for v in booking.violations) or (
        "- This unit requires approval for every booking."
    )
    _later(
        f"[{request.reference}] Needs approval: {booking.consultant.name} "
        f"on {request.project.name}",
        f"The proposed booking of {booking.consultant.name} breaks staffing rules and waits "
        f"for approval:\n{issues}\n{_odoo_note(booking)}\n{_link(request)}\n",
        _pm_addresses(request),
    )


def consultant_booked(booking: Booking) -> None:
    consultant = booking.consultant
    if consultant is None or booking.request is None:
        return
    address = consultant.user.email if consultant.user else consultant.employee.work_email
    if not address:
        return
    _later(
        f"You are booked on {booking.request.project.name}",
        f"You are booked as {booking.job_role} on {booking.request.project.name} from "
        f"{booking.start_date} to {booking.end_date}, {booking.hours_per_week} h/week "
        f"({booking.get_booking_type_display().lower()}).\n\n"
        f"{reverse('staffing:my_assignments')}\n",
        [address],
    )


def booking_rejected(booking: Booking, comment: str) -> None:
    request = booking.request
    if request is None:
        return
    name = booking.consultant.name if booking.consultant else "the placeholder"
    _later(
        f"[{request.reference}] Booking of {name} not approved",
        f"The booking of {name} on {request.project.name} was not approved"
        f"{': ' + comment if comment else '.'}\nThe request is open again.\n\n{_link(request)}\n",
        _pm_addresses(request),
    )
