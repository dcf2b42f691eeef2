"""Mirror rows for discount and write-off tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portal.odoo.models import Invoice, InvoiceLine, Partner, Project, SaleOrder, SaleOrderLine


def sale_line(
    *,
    unit: Any = None,
    state: str = "sale",
    qty_invoiced: str = "0",
    method: str = "timesheet",
    subtotal: str = "10000",
    pk: int = 101,
    product: str = "Senior consultant",
) -> SaleOrderLine:
    Partner.objects.get_or_create(id=7, defaults={"name": "Client One", "is_company": True})
    project, _ = Project.objects.get_or_create(
        id=5, defaults={"name": "Rollout", "business_unit": unit, "partner_id": 7}
    )
    order, _ = SaleOrder.objects.get_or_create(
        id=42, defaults={"name": "S00042", "partner_id": 7, "state": state, "currency_code": "EUR"}
    )
    return SaleOrderLine.objects.create(
        id=pk,
        order=order,
        name=product,
        product_name=product,
        qty_delivered_method=method,
        product_uom_qty=Decimal(10),
        qty_invoiced=Decimal(qty_invoiced),
        price_unit=Decimal(1000),
        price_subtotal=Decimal(subtotal),
        currency_code="EUR",
        project=project,
    )


def invoice(
    *, state: str = "posted", residual: str = "3000", move_type: str = "out_invoice", pk: int = 900
) -> Invoice:
    Partner.objects.get_or_create(id=7, defaults={"name": "Client One", "is_company": True})
    return Invoice.objects.create(
        id=pk,
        name=f"INV/{pk}",
        partner_id=7,
        move_type=move_type,
        state=state,
        currency_code="EUR",
        amount_total=Decimal(residual),
        amount_residual=Decimal(residual),
    )


def invoice_line(move: Invoice, pk: int = 950) -> InvoiceLine:
    return InvoiceLine.objects.create(
        id=pk,
        move=move,
        name="Consulting",
        quantity=Decimal(1),
        price_unit=Decimal(2000),
        price_subtotal=Decimal(2000),
    )
