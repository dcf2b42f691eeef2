"""The discount and write-off kinds, as the approval engine sees them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from portal.approvals.models import ApprovalRequest
from portal.approvals.registry import SubjectKind, SubjectSummary, register
from portal.commercial.models import Adjustment
from portal.core import audit
from portal.core.models import BusinessUnit, User
from portal.odoo.outbox import enqueue

FACT_FIELDS = {
    "amount": "money",
    "currency": "text",
    "discount_pct": "percent",
    "contract_type": "choice",
    "margin_pct": "percent",
}
MATERIAL = ("amount", "currency", "discount_pct", "contract_type")


def _money(value: Decimal | None, currency: str) -> str:
    return f"{value:,.2f} {currency}" if value is not None else "—"


def summarize(adj: Adjustment) -> SubjectSummary:
    if adj.type == Adjustment.Type.DISCOUNT:
        title = f"Discount {adj.discount_pct}% on {adj.label}"
    else:
        title = f"Write-off {_money(adj.amount, adj.currency)} on {adj.label}"
    lines: list[tuple[str, str]] = [
        ("Reference", adj.reference),
        ("Client", adj.client_name or "—"),
        ("Target", f"{adj.get_target_display()}: {adj.label}"),
    ]
    if adj.type == Adjustment.Type.DISCOUNT:
        lines += [
            ("Line subtotal", _money(adj.base_amount, adj.currency)),
            ("Discount", f"{adj.discount_pct}%"),
        ]
    else:
        lines.append(("Open residual", _money(adj.base_amount, adj.currency)))
    lines += [
        ("Value", _money(adj.amount, adj.currency)),
        ("Contract type", adj.contract_type.replace("_", " ") or "—"),
        ("Margin", f"{adj.margin_pct}%" if adj.margin_pct is not None else "not computable"),
        ("Reason", adj.reason),
    ]
    return SubjectSummary(
        title=title,
        lines=lines,
        amount=adj.amount,
        currency=adj.currency,
        project_id=adj.project_id,
        client_id=adj.partner_id,
        url=reverse("commercial:detail", args=[adj.pk]),
    )


def facts(adj: Adjustment) -> dict[str, Any]:
    return {
        "amount": adj.amount,
        "currency": adj.currency,
        "discount_pct": adj.discount_pct if adj.discount_pct is not None else Decimal(0),
        "contract_type": adj.contract_type or None,
        "margin_pct": adj.margin_pct,
    }


def odoo_record(adj: Adjustment) -> tuple[str, int] | None:
    if adj.target == Adjustment.Target.SALE_LINE and adj.order_id:
        return ("sale.order", adj.order_id)
    if adj.invoice_id:
        return ("account.move", adj.invoice_id)
    return None


def _set_state(adj: Adjustment, state: str, actor: User, action: str) -> None:
    adj.state = state
    adj.save(update_fields=["state", "updated_at"])
    audit.record(action, actor=actor, obj=adj)


def on_approved(adj: Adjustment, request: ApprovalRequest, actor: User) -> None:
    """Write the approved effect to Odoo through the outbox, in the decision's transaction."""
    key = f"commercial.adjustment:{adj.pk}:applied"
    if adj.type == Adjustment.Type.DISCOUNT:
        model = (
            "sale.order.line" if adj.target == Adjustment.Target.SALE_LINE else "account.move.line"
        )
        line_id = (
            adj.sale_line_id if adj.target == Adjustment.Target.SALE_LINE else adj.invoice_line_id
        )
        assert line_id is not None
        target = odoo_record(adj)
        enqueue(
            "record.write",
            key,
            # JSON at the Odoo boundary: Odoo's Float field takes a number.
            {
                "model": model,
                "ids": [line_id],
                "values": {"discount": float(adj.discount_pct or 0)},
            },
            ordering_key=f"{target[0]}:{target[1]}" if target else "",
        )
    else:
        enqueue(
            "record.create",
            key,
            {
                "model": "account.move",
                "values": {
                    "move_type": "out_refund",
                    "partner_id": adj.partner_id,
                    "reversed_entry_id": adj.invoice_id,
                    "ref": adj.reference,
                    "invoice_line_ids": [
                        [
                            0,
                            0,
                            {
                                "name": f"Write-off {adj.reference}",
                                "quantity": 1,
                                "price_unit": str(adj.amount),
                            },
                        ]
                    ],
                },
                "ref_field": "ref",
            },
            ordering_key=f"account.move:{adj.invoice_id}",
        )
    _set_state(adj, Adjustment.State.APPROVED, actor, "commercial.adjustment.approved")


def on_rejected(adj: Adjustment, request: ApprovalRequest, actor: User) -> None:
    _set_state(adj, Adjustment.State.REJECTED, actor, "commercial.adjustment.rejected")


def on_changes_requested(adj: Adjustment, request: ApprovalRequest, actor: User) -> None:
    _set_state(
        adj, Adjustment.State.CHANGES_REQUESTED, actor, "commercial.adjustment.changes_requested"
    )


def on_cancelled(adj: Adjustment, request: ApprovalRequest, actor: User) -> None:
    _set_state(adj, Adjustment.State.WITHDRAWN, actor, "commercial.adjustment.withdrawn")


def business_unit(adj: Adjustment) -> BusinessUnit | None:
    return adj.business_unit


def visible_to(adj: Adjustment, user: User) -> bool:
    return adj.visible_to_user(user)


def register_kinds() -> None:
    for key, label in (("discount", "Discount"), ("write_off", "Write-off")):
        register(
            SubjectKind(
                key=key,
                label=label,
                model=Adjustment,
                summarize=summarize,
                facts=facts,
                material_facts=MATERIAL,
                business_unit=business_unit,
                odoo_record=odoo_record,
                on_approved=on_approved,
                on_rejected=on_rejected,
                on_changes_requested=on_changes_requested,
                on_cancelled=on_cancelled,
                visible_to=visible_to,
                fact_fields=dict(FACT_FIELDS),
            )
        )
