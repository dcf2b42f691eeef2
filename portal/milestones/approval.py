"""The `milestone_acceptance` subject kind: how finance validation sees a milestone."""

from __future__ import annotations

import hashlib
from typing import Any

from django.urls import reverse

from portal.approvals.registry import SubjectKind, SubjectSummary, register
from portal.core.models import BusinessUnit, User
from portal.milestones import billing_flow, facts
from portal.milestones.models import MilestoneRecord
from portal.milestones.services import KIND, current_signoff


def _client_id(record: MilestoneRecord) -> int | None:
    project = record.milestone.project
    partner = project.partner if project is not None else None
    if partner is None:
        return None
    return partner.commercial_partner_id or partner.pk


def summarize(record: MilestoneRecord) -> SubjectSummary:
    milestone = record.milestone
    project = milestone.project
    signoff = current_signoff(record)
    amount = facts.amount(record)
    currency = facts.currency(record)
    line = milestone.sale_line
    client = project.partner if project is not None else None
    lines = [
        ("Client", str(client) if client else "—"),
        ("Project", str(project) if project else "—"),
        ("Milestone", milestone.name),
        ("Contract type", facts.contract_type(record).replace("_", " ")),
        ("Due", milestone.deadline.isoformat() if milestone.deadline else "—"),
        ("Sale-order line", line.name if line is not None else "none (billed without order)"),
        ("Share of the line", f"{milestone.quantity_percentage * 100:.2f} %"),
        ("Amount", f"{amount:,.2f} {currency}"),
    ]
    if signoff is not None:
        lines.append(
            ("Client acceptance", f"{signoff.typed_name}, {signoff.signed_at:%Y-%m-%d %H:%M} UTC")
        )
    return SubjectSummary(
        title=f"Bill milestone “{milestone.name}” of {project or 'project'}",
        lines=lines,
        amount=amount,
        currency=currency,
        project_id=milestone.project_id,
        client_id=_client_id(record),
        url=reverse("milestones:detail", args=[record.pk]),
    )


def _evidence_digest(record: MilestoneRecord) -> str:
    signoff = current_signoff(record)
    accepted = ",".join(str(i) for i in sorted(signoff.evidence_ids)) if signoff else ""
    return hashlib.sha256(accepted.encode()).hexdigest()[:16]


def subject_facts(record: MilestoneRecord) -> dict[str, Any]:
    signoff = current_signoff(record)
    milestone = record.milestone
    return {
        "amount": facts.amount(record),
        "currency": facts.currency(record),
        "contract_type": facts.contract_type(record),
        "quantity_percentage": milestone.quantity_percentage * 100,
        "deadline": milestone.deadline.isoformat() if milestone.deadline else "",
        "client_signoff": str(signoff.pk) if signoff else "",
        "evidence": _evidence_digest(record),
    }


def business_unit(record: MilestoneRecord) -> BusinessUnit | None:
    project = record.milestone.project
    return project.business_unit if project is not None else None


def odoo_record(record: MilestoneRecord) -> tuple[str, int] | None:
    line = record.milestone.sale_line
    if line is not None and line.order_id:
        return ("sale.order", line.order_id)
    if record.milestone.project_id:
        return ("project.project", record.milestone.project_id)
    return None


def visible_to(record: MilestoneRecord, user: User) -> bool:
    from portal.milestones.access import visible_records

    return visible_records(user).filter(pk=record.pk).exists()


def register_kind() -> None:
    register(
        SubjectKind(
            key=KIND,
            label="Milestone billing validation",
            model=MilestoneRecord,
            summarize=summarize,
            facts=subject_facts,
            material_facts=(
                "amount",
                "currency",
                "contract_type",
                "quantity_percentage",
                "deadline",
                "client_signoff",
                "evidence",
            ),
            business_unit=business_unit,
            odoo_record=odoo_record,
            on_approved=billing_flow.on_approved,
            on_rejected=billing_flow.on_rejected,
            on_changes_requested=billing_flow.on_rejected,
            on_cancelled=billing_flow.on_cancelled,
            visible_to=visible_to,
            fact_fields={
                "amount": "money",
                "currency": "text",
                "contract_type": "choice",
                "quantity_percentage": "percent",
                "deadline": "text",
                "client_signoff": "text",
                "evidence": "text",
            },
        )
    )
