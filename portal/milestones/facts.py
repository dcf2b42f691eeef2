"""What a milestone is worth and what it still lacks: contract type, amount, checklist.

Pure functions over already-loaded objects, so list pages can call them per row without
queries once the rows were fetched with `select_related` / `prefetch_related`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from portal.milestones.models import (
    BillingState,
    ContractType,
    Evidence,
    EvidenceRequirement,
    MilestoneRecord,
)
from portal.odoo.models import Milestone, SaleOrderLine

CENT = Decimal("0.01")

# DESIGN §2: the sale-order line's service policy decides the contract type. The mirror
# carries qty_delivered_method: "timesheet" is delivered on timesheets (T&M);
# "milestones" and "manual" are fixed fee. Prepaid lines (ordered_prepaid) also report
# "manual" in Odoo.
# Known limitation: a prepaid retainer line cannot be told from a manual fixed-fee line
# by the mirror alone (acceptable because the PM sets contract_type_override for it).
_METHOD_TO_CONTRACT = {
    "timesheet": ContractType.TIME_AND_MATERIALS,
    "milestones": ContractType.FIXED_FEE,
    "manual": ContractType.FIXED_FEE,
}


def contract_type(record: MilestoneRecord) -> str:
    if record.contract_type_override:
        return record.contract_type_override
    line = record.milestone.sale_line
    if line is not None and line.qty_delivered_method:
        return _METHOD_TO_CONTRACT.get(line.qty_delivered_method, ContractType.FIXED_FEE)
    return ContractType.FIXED_FEE


def milestone_amount(line: SaleOrderLine | None, percentage: Decimal) -> Decimal:
    """The line's untaxed subtotal times the milestone's fraction, half-up to cents."""
    if line is None:
        return Decimal("0.00")
    return (Decimal(line.price_subtotal) * Decimal(percentage)).quantize(CENT, ROUND_HALF_UP)


def amount(record: MilestoneRecord) -> Decimal:
    milestone = record.milestone
    if milestone.sale_line is None:
        return record.manual_amount or Decimal("0.00")
    return milestone_amount(milestone.sale_line, milestone.quantity_percentage)


def currency(record: MilestoneRecord) -> str:
    line = record.milestone.sale_line
    if line is not None:
        return line.currency_code or (line.order.currency_code if line.order else "") or "EUR"
    if record.manual_currency:
        return record.manual_currency
    unit = record.milestone.project.business_unit if record.milestone.project else None
    return unit.currency_code if unit else "EUR"


def mirror_snapshot(milestone: Milestone) -> dict[str, Any]:
    """The milestone facts a client accepts; a change to any of them undoes the sign-off."""
    line = milestone.sale_line
    return {
        "deadline": milestone.deadline.isoformat() if milestone.deadline else None,
        "quantity_percentage": str(Decimal(milestone.quantity_percentage).normalize()),
        "sale_line_id": milestone.sale_line_id,
        "price_subtotal": str(line.price_subtotal) if line is not None else None,
        "name": milestone.name,
    }


SNAPSHOT_LABELS = {
    "deadline": "deadline",
    "quantity_percentage": "share of the sale-order line",
    "sale_line_id": "sale-order line",
    "price_subtotal": "sale-order line amount",
    "name": "name",
}


def snapshot_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human sentences for what changed between two snapshots."""
    return [
        f"{SNAPSHOT_LABELS.get(key, key)} changed from {before.get(key)} to {after.get(key)}"
        for key in SNAPSHOT_LABELS
        if key in before and before.get(key) != after.get(key)
    ]


@dataclass(frozen=True)
class ChecklistItem:
    slot: str
    label: str
    present: bool


def current_evidence(evidence: list[Evidence]) -> list[Evidence]:
    """The newest version of each slot (all files of that version)."""
    newest: dict[str, int] = {}
    for item in evidence:
        newest[item.slot_id] = max(newest.get(item.slot_id, 0), item.version)
    return [e for e in evidence if e.version == newest[e.slot_id]]


def checklist(
    record: MilestoneRecord, requirements: list[EvidenceRequirement], evidence: list[Evidence]
) -> list[ChecklistItem]:
    ctype = contract_type(record)
    present = {e.slot_id for e in evidence}
    return [
        ChecklistItem(req.slot_id, req.slot.label, req.slot_id in present)
        for req in requirements
        if req.contract_type == ctype
    ]


def missing_items(
    record: MilestoneRecord, requirements: list[EvidenceRequirement], evidence: list[Evidence]
) -> list[str]:
    return [i.label for i in checklist(record, requirements, evidence) if not i.present]


def blockers(
    record: MilestoneRecord,
    requirements: list[EvidenceRequirement],
    evidence: list[Evidence],
    has_timesheets: bool,
) -> list[str]:
    """What stands between this milestone and an invoice, in words finance understands."""
    found = [
        f"missing evidence: {label}" for label in missing_items(record, requirements, evidence)
    ]
    if record.state in (BillingState.NOT_READY, BillingState.CLIENT_REJECTED):
        found.append("not marked ready by the PM")
    if record.state in (
        BillingState.NOT_READY,
        BillingState.READY,
        BillingState.CLIENT_REJECTED,
    ):
        found.append("missing client sign-off")
    if contract_type(record) == ContractType.TIME_AND_MATERIALS and not has_timesheets:
        found.append("missing timesheets on the time-and-materials line")
    if record.milestone.sale_line is None and not record.manual_amount:
        found.append("no sale-order line and no amount to bill")
    return found
