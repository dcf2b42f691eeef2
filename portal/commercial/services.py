"""Raise, edit and resubmit discount and write-off requests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum

from portal.approvals import services as approvals
from portal.commercial.models import Adjustment
from portal.core import audit
from portal.core.access import has_role
from portal.core.errors import DomainError, NotAllowed
from portal.core.models import BusinessUnit, User
from portal.odoo.models import Invoice, InvoiceLine, Project, SaleOrderLine, Timesheet

CENT = Decimal("0.01")
PREPAID_HINT = re.compile(r"prepaid|retainer", re.IGNORECASE)
RAISE_ROLES = ["account_manager", "finance"]


def contract_type_of(line: SaleOrderLine | None) -> str:
    """The contract type of a sale order line, from its service policy (DESIGN §2).

    Delivered on timesheets → time and materials; prepaid (ordered quantity, manual
    delivery) → retainer; milestones or manual delivery → fixed fee.
    Known limitation: the mirror has no `service_policy`, so prepaid is recognised from a
    manual line invoiced on ordered quantity (nothing delivered yet, everything to
    invoice) or a product named prepaid/retainer.
    """
    if line is None:
        return ""
    method = line.qty_delivered_method or ""
    if method == "timesheet":
        return "time_and_materials"
    if method == "manual" and (
        PREPAID_HINT.search(line.product_name or "")
        or (
            line.qty_to_invoice > 0
            and line.qty_to_invoice == line.product_uom_qty
            and line.qty_delivered == 0
        )
    ):
        return "retainer"
    return "fixed_fee"


def _unit_for(project: Project | None, company_id: int | None) -> BusinessUnit | None:
    if project is not None and project.business_unit_id:
        return project.business_unit
    if company_id:
        return BusinessUnit.objects.filter(odoo_company_id=company_id).first()
    return None


def _margin(line: SaleOrderLine, revenue: Decimal) -> Decimal | None:
    """(revenue - timesheet cost) / revenue, when the line has costed timesheets."""
    cost = Timesheet.objects.filter(sale_line_id=line.pk).aggregate(c=Sum("amount"))["c"]
    if cost is None or revenue <= 0:
        return None
    # Odoo stores timesheet cost as a negative analytic amount.
    return ((revenue - abs(cost)) / revenue * 100).quantize(CENT)


@dataclass(frozen=True)
class Target:
    kind: str  # "sol", "inl", "inv"
    id: int


def parse_target(value: str) -> Target:
    prefix, _, raw = value.partition(":")
    if prefix not in ("sol", "inl", "inv") or not raw.isdigit():
        raise DomainError(
            "Choose a sale order line, a draft invoice line or an invoice.", field="target"
        )
    return Target(prefix, int(raw))


def _fill_discount(adj: Adjustment, target: Target, pct: Decimal | None) -> None:
    if pct is None or pct <= 0 or pct > 100:
        raise DomainError(
            "A discount is a percentage above 0 and at most 100.", field="discount_pct"
        )
    adj.type = Adjustment.Type.DISCOUNT
    adj.discount_pct = pct.quantize(CENT)
    if target.kind == "sol":
        line = (
            SaleOrderLine.objects.live()
            .select_related("order", "order__partner", "project")
            .filter(pk=target.id)
            .first()
        )
        if line is None or line.display_type:
            raise DomainError("That sale order line does not exist.", field="target")
        order = line.order
        if line.qty_invoiced != 0 or order is None or order.state not in ("sale", "draft"):
            raise DomainError(
                "A discount can only be given on a sale order line that is not invoiced yet "
                "(order in quotation or confirmed); use a write-off for invoiced amounts.",
                field="target",
            )
        project = line.project or (order.project if order.project_id else None)
        adj.target, adj.sale_line_id, adj.order_id = Adjustment.Target.SALE_LINE, line.pk, order.pk
        adj.partner_id = order.partner_id
        adj.client_name = order.partner.name if order.partner else ""
        adj.project_id = project.pk if project else None
        adj.base_amount = line.price_subtotal
        adj.currency = line.currency_code or order.currency_code or "EUR"
        adj.contract_type = contract_type_of(line)
        adj.label = f"{order.name} line '{(line.name or line.product_name).splitlines()[0][:80]}'"
        adj.business_unit = _unit_for(project, order.company_id)
        adj.amount = (line.price_subtotal * adj.discount_pct / 100).quantize(CENT, ROUND_HALF_UP)
        adj.margin_pct = _margin(line, line.price_subtotal - adj.amount)
        return
    if target.kind == "inl":
        iline = (
            InvoiceLine.objects.live()
            .select_related("move", "move__partner")
            .filter(pk=target.id)
            .first()
        )
        move = iline.move if iline else None
        if iline is None or move is None or iline.display_type not in (None, "", "product"):
            raise DomainError("That invoice line does not exist.", field="target")
        if move.state != "draft" or move.move_type != "out_invoice":
            raise DomainError(
                "A discount on an invoice line needs a draft customer invoice; "
                "for a posted invoice, request a write-off.",
                field="target",
            )
        sale_line = SaleOrderLine.objects.filter(pk__in=iline.sale_line_ids or []).first()
        project = sale_line.project if sale_line else None
        adj.target, adj.invoice_line_id, adj.invoice_id = (
            Adjustment.Target.INVOICE_LINE,
            iline.pk,
            move.pk,
        )
        adj.partner_id = move.partner_id
        adj.client_name = move.partner.name if move.partner else ""
        adj.project_id = project.pk if project else None
        adj.base_amount = iline.price_subtotal
        adj.currency = move.currency_code or "EUR"
        adj.contract_type = contract_type_of(sale_line)
        first_line = (iline.name or str(iline.pk)).splitlines()[0][:80]
        adj.label = f"{move.name or 'Draft invoice'} line '{first_line}'"
        adj.business_unit = _unit_for(project, move.company_id)
        adj.amount = (iline.price_subtotal * adj.discount_pct / 100).quantize(CENT, ROUND_HALF_UP)
        adj.margin_pct = None
        return
    raise DomainError(
        "A discount applies to a sale order line or a draft invoice line.", field="target"
    )


def _fill_write_off(adj: Adjustment, target: Target, amount: Decimal | None) -> None:
    if target.kind != "inv":
        raise DomainError("A write-off applies to a posted customer invoice.", field="target")
    move = Invoice.objects.live().select_related("partner").filter(pk=target.id).first()
    if move is None:
        raise DomainError("That invoice does not exist.", field="target")
    if move.move_type != "out_invoice" or move.state != "posted" or move.amount_residual <= 0:
        raise DomainError(
            "A write-off needs a posted customer invoice with an open residual.", field="target"
        )
    if amount is None or amount <= 0 or amount > move.amount_residual:
        raise DomainError(
            f"The amount must be above 0 and at most the residual {move.amount_residual} "
            f"{move.currency_code}.",
            field="amount",
        )
    adj.type, adj.target, adj.invoice_id = (
        Adjustment.Type.WRITE_OFF,
        Adjustment.Target.INVOICE,
        move.pk,
    )
    adj.discount_pct = None
    adj.partner_id = move.partner_id
    adj.client_name = move.partner.name if move.partner else ""
    adj.base_amount = move.amount_residual
    adj.currency = move.currency_code or "EUR"
    adj.amount = amount.quantize(CENT)
    adj.label = move.name or f"invoice {move.pk}"
    adj.business_unit = _unit_for(None, move.company_id)
    first_line = move.lines.exclude(sale_line_ids=[]).first() if hasattr(move, "lines") else None
    sale_line = (
        SaleOrderLine.objects.filter(pk__in=first_line.sale_line_ids).first()
        if first_line
        else None
    )
    adj.contract_type = contract_type_of(sale_line)
    adj.project_id = sale_line.project_id if sale_line else None
    adj.margin_pct = None


def raise_adjustment(
    *,
    actor: User,
    type: str,
    target: str,
    reason: str,
    discount_pct: Decimal | None = None,
    amount: Decimal | None = None,
) -> Adjustment:
    """Validate the target, save the request and submit it for approval."""
    if not has_role(actor, RAISE_ROLES):
        raise NotAllowed("Only account managers and finance raise discounts and write-offs.")
    if not reason.strip():
        raise DomainError("Say why in the reason.", field="reason")
    parsed = parse_target(target)
    adj = Adjustment(requested_by=actor, reason=reason.strip())
    if type == Adjustment.Type.DISCOUNT:
        _fill_discount(adj, parsed, discount_pct)
    elif type == Adjustment.Type.WRITE_OFF:
        _fill_write_off(adj, parsed, amount)
    else:
        raise DomainError("Choose a discount or a write-off.", field="type")
    with transaction.atomic():
        adj.save()
        audit.record(
            f"commercial.{adj.type}.raised",
            actor=actor,
            obj=adj,
            data={"target": target, "amount": adj.amount, "pct": adj.discount_pct},
        )
        approvals.submit(adj, kind=adj.type, requester=actor)
    return adj


def change_adjustment(
    adj_id: int,
    *,
    actor: User,
    reason: str,
    discount_pct: Decimal | None = None,
    amount: Decimal | None = None,
    resubmit: bool = False,
) -> Adjustment:
    """Edit the percentage / amount; a material change resets approvals or resubmits."""
    with transaction.atomic():
        adj = Adjustment.objects.select_for_update().get(pk=adj_id)
        if adj.requested_by_id != actor.pk:
            raise NotAllowed("Only the person who raised it can change it.")
        if adj.state not in (Adjustment.State.PENDING, Adjustment.State.CHANGES_REQUESTED):
            raise DomainError(
                f"This request is {adj.get_state_display().lower()}; it cannot change."
            )
        target = Target(
            {"sale_line": "sol", "invoice_line": "inl", "invoice": "inv"}[adj.target],
            adj.sale_line_id or adj.invoice_line_id or adj.invoice_id or 0,
        )
        if reason.strip():
            adj.reason = reason.strip()
        if adj.type == Adjustment.Type.DISCOUNT:
            _fill_discount(adj, target, discount_pct)
        else:
            _fill_write_off(adj, target, amount)
        was_sent_back = adj.state == Adjustment.State.CHANGES_REQUESTED
        adj.state = Adjustment.State.PENDING
        adj.save()
        audit.record(
            "commercial.adjustment.changed", actor=actor, obj=adj, data={"amount": adj.amount}
        )
        if was_sent_back:
            approvals.submit(adj, kind=adj.type, requester=actor)
        else:
            approvals.subject_changed(adj, kind=adj.type, actor=actor)
    return adj
