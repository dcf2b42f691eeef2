"""The `staffing_exception` subject kind: a booking that breaks a staffing rule.

The approver sees the violations with their numbers; policies can test the same numbers
as facts. Facts come from the rule check stored on the booking when it was proposed, so
what the approver reads is what routed the request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from portal.approvals.registry import SubjectKind, SubjectSummary, register
from portal.core.models import BusinessUnit, User
from portal.staffing import services
from portal.staffing.models import Booking
from portal.staffing.rules import client_id_of

KIND = services.APPROVAL_KIND

FACT_FIELDS = {
    "amount": "money",
    "currency": "text",
    "contract_type": "choice",
    "hours": "number",
    "utilisation_pct": "percent",
    "capacity_overrun_hours": "number",
    "overrun_pct": "percent",
    "rate_deviation_pct": "percent",
    "missing_skills": "number",
    "outside_project_dates": "number",
    "violations": "number",
}


def contract_type(booking: Booking) -> str:
    """DESIGN §2: timesheet delivery → T&M; milestones or manual → fixed fee."""
    line = booking.project.sale_line if booking.project.sale_line_id else None
    method = line.qty_delivered_method if line is not None else None
    if method in ("milestones", "manual"):
        return "fixed_fee"
    return "time_and_materials"


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def subject_facts(booking: Booking) -> dict[str, Any]:
    facts = booking.facts or {}
    return {
        "amount": booking.amount,
        "currency": booking.currency,
        "contract_type": contract_type(booking),
        "hours": booking.total_hours,
        "utilisation_pct": _dec(facts.get("utilisation_pct")),
        "capacity_overrun_hours": _dec(facts.get("capacity_overrun_hours")),
        "overrun_pct": _dec(facts.get("overrun_pct")),
        "rate_deviation_pct": _dec(facts.get("rate_deviation_pct")),
        "missing_skills": len(facts.get("missing_skills") or []),
        "outside_project_dates": 1 if facts.get("outside_project_dates") else 0,
        "violations": len(booking.violations or []),
    }


def summarize(booking: Booking) -> SubjectSummary:
    name = booking.consultant.name if booking.consultant else "Placeholder"
    kind = booking.get_booking_type_display().lower()
    lines: list[tuple[str, str]] = [(v["label"], v["value"]) for v in booking.violations or []]
    if not lines:
        lines.append(("Rule check", "no rule broken; this unit approves every booking"))
    lines += [
        ("Consultant", name),
        ("Role", str(booking.job_role)),
        ("Project", str(booking.project)),
        ("Dates", f"{booking.start_date} to {booking.end_date}"),
        ("Hours", f"{booking.total_hours} h ({booking.hours_per_week} h/week, {kind})"),
        ("Bill rate", f"{booking.bill_rate} {booking.currency}/h"),
        ("Amount", f"{booking.amount:,.2f} {booking.currency}"),
    ]
    return SubjectSummary(
        title=f"Staffing exception: {name} as {booking.job_role} on {booking.project}",
        lines=lines,
        amount=booking.amount,
        currency=booking.currency,
        project_id=booking.project_id,
        client_id=client_id_of(booking.project),
        url=reverse("staffing:request_detail", args=[booking.request_id])
        if booking.request_id
        else None,
    )


def business_unit(booking: Booking) -> BusinessUnit | None:
    return booking.request.business_unit if booking.request else booking.project.business_unit


def odoo_record(booking: Booking) -> tuple[str, int] | None:
    return ("project.project", booking.project_id)


def visible_to(booking: Booking, user: User) -> bool:
    from portal.staffing.access import visible_requests

    if booking.request_id is None:
        return False
    return visible_requests(user).filter(pk=booking.request_id).exists()


def on_approved(booking: Booking, approval: Any, actor: User) -> None:
    services.approval_granted(booking, actor, getattr(approval, "pk", None))


def on_rejected(booking: Booking, approval: Any, actor: User) -> None:
    services.approval_refused(booking, actor, getattr(approval, "pk", None), outcome="rejected")


def on_changes_requested(booking: Booking, approval: Any, actor: User) -> None:
    # A booking cannot be edited: "request changes" frees the hours like a rejection and
    # the resource manager books again (a new booking, a new approval request).
    services.approval_refused(
        booking, actor, getattr(approval, "pk", None), outcome="changes_requested"
    )


def on_cancelled(booking: Booking, approval: Any, actor: User) -> None:
    services.approval_refused(booking, actor, getattr(approval, "pk", None), outcome="withdrawn")


def register_kind() -> None:
    register(
        SubjectKind(
            key=KIND,
            label="Staffing exception",
            model=Booking,
            summarize=summarize,
            facts=subject_facts,
            material_facts=(
                "amount",
                "hours",
                "utilisation_pct",
                "capacity_overrun_hours",
                "rate_deviation_pct",
                "missing_skills",
                "outside_project_dates",
            ),
            business_unit=business_unit,
            odoo_record=odoo_record,
            on_approved=on_approved,
            on_rejected=on_rejected,
            on_changes_requested=on_changes_requested,
            on_cancelled=on_cancelled,
            visible_to=visible_to,
            fact_fields=FACT_FIELDS,
        )
    )
