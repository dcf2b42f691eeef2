"""What a staffing decision writes to Odoo, as outbox rows (never a direct call).

Task assignees are a many2many (`user_ids`): the portal adds with `[4, id]` and removes
with `[3, id]` (unlink, never `[2, id]`, which would delete the user), and never sends a
bare id list, which Odoo rejects or reads as a replacement (case C02).
"""

from __future__ import annotations

import logging
from html import escape

from django.db.models import Q

from portal.odoo.models import Task
from portal.odoo.outbox import enqueue
from portal.staffing.capacity import CLOSED_TASK_STATES
from portal.staffing.models import Booking, BookingStatus

logger = logging.getLogger(__name__)


def _ordering_key(booking: Booking) -> str:
    # Assign and unassign of one booking touch the same tasks: keep them in order.
    return f"project.project:{booking.project_id}"


def tasks_to_assign(booking: Booking) -> list[int]:
    """Tasks the booking should put the consultant on, minus those they are already on."""
    request_tasks = booking.request.task_ids if booking.request else []
    tasks = Task.objects.filter(project_id=booking.project_id, deleted_in_odoo=False)
    if request_tasks:
        tasks = tasks.filter(pk__in=request_tasks)
    else:
        tasks = (
            tasks.filter(active=True)
            .exclude(state__in=CLOSED_TASK_STATES)
            .filter(Q(stage__isnull=True) | Q(stage__fold=False))
        )
    user_id = _odoo_user_id(booking)
    if user_id is not None:
        tasks = tasks.exclude(assignees__id=user_id)
    return sorted(tasks.values_list("pk", flat=True))


def _odoo_user_id(booking: Booking) -> int | None:
    if booking.consultant is None:
        return None
    return booking.consultant.employee.user_id


def enqueue_assignment(booking: Booking) -> None:
    """Add the consultant to the booking's tasks and post a note on the project."""
    user_id = _odoo_user_id(booking)
    task_ids = tasks_to_assign(booking)
    booking.assigned_task_ids = task_ids
    if user_id is None:
        logger.warning(
            "Booking %s: consultant has no Odoo user; tasks not assigned",
            booking.pk,
            extra={"booking_id": booking.pk},
        )
    elif task_ids:
        enqueue(
            "record.write",
            f"staffing.booking:{booking.pk}:assign",
            {"model": "project.task", "ids": task_ids, "values": {"user_ids": [[4, user_id]]}},
            ordering_key=_ordering_key(booking),
        )
    enqueue(
        "chatter.post",
        f"staffing.booking:{booking.pk}:note",
        {
            "model": "project.project",
            "res_id": booking.project_id,
            "body": _note(booking, "booked"),
            "subtype_xmlid": "mail.mt_note",
        },
        ordering_key=_ordering_key(booking),
    )


def enqueue_unassignment(booking: Booking) -> None:
    """Remove the consultant from the tasks this booking added them to."""
    user_id = _odoo_user_id(booking)
    # Another confirmed booking of the same person on the same project keeps its tasks.
    still_needed: set[int] = set()
    for other in Booking.objects.filter(
        consultant_id=booking.consultant_id,
        project_id=booking.project_id,
        status=BookingStatus.CONFIRMED,
    ).exclude(pk=booking.pk):
        still_needed.update(other.assigned_task_ids)
    task_ids = sorted(set(booking.assigned_task_ids) - still_needed)
    if user_id is not None and task_ids:
        enqueue(
            "record.write",
            f"staffing.booking:{booking.pk}:unassign",
            {"model": "project.task", "ids": task_ids, "values": {"user_ids": [[3, user_id]]}},
            ordering_key=_ordering_key(booking),
        )
    enqueue(
        "chatter.post",
        f"staffing.booking:{booking.pk}:cancel-note",
        {
            "model": "project.project",
            "res_id": booking.project_id,
            "body": _note(booking, "cancelled"),
            "subtype_xmlid": "mail.mt_note",
        },
        ordering_key=_ordering_key(booking),
    )


def _note(booking: Booking, what: str) -> str:
    name = escape(booking.consultant.name if booking.consultant else "Placeholder")
    kind = "firm booking" if booking.booking_type == "firm" else "soft hold"
    return (
        f"<p>Staffing {escape(booking.reference)} {what}: {name} as "
        f"{escape(str(booking.job_role))}, {booking.start_date:%Y-%m-%d} to "
        f"{booking.end_date:%Y-%m-%d}, {booking.hours_per_week} h/week "
        f"({booking.total_hours} h in total, {kind}).</p>"
    )
