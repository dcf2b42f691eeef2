"""Discount and write-off requests: what may be requested, and what approval writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.approvals import services as approvals
from portal.approvals.models import ApprovalRequest, Status
from portal.commercial import services
from portal.commercial.models import Adjustment
from portal.core.errors import DomainError, NotAllowed
from portal.odoo.models import OutboxMessage
from tests.approvals.factories import make_policy, step
from tests.commercial.factories import invoice, invoice_line, sale_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(db):  # type: ignore[no-untyped-def]
    make_policy("discount", [step(1, "finance")])
    make_policy("write_off", [step(1, "finance")])


def test_discount_on_open_sale_line_is_routed(unit, am, fin, policy):
    sale_line(unit=unit)
    adj = services.raise_adjustment(
        actor=am,
        type="discount",
        target="sol:101",
        reason="Loyal client",
        discount_pct=Decimal("10"),
    )
    assert adj.amount == Decimal("1000.00")
    assert adj.contract_type == "time_and_materials"
    req = ApprovalRequest.objects.for_subject(adj).get()
    assert req.status == Status.PENDING
    assert req.business_unit == unit


def test_discount_on_invoiced_line_is_refused(unit, am, policy):
    sale_line(unit=unit, qty_invoiced="2")
    with pytest.raises(DomainError, match="not invoiced yet"):
        services.raise_adjustment(
            actor=am, type="discount", target="sol:101", reason="x", discount_pct=Decimal("10")
        )
    assert not Adjustment.objects.exists()


def test_discount_on_cancelled_order_is_refused(unit, am, policy):
    sale_line(unit=unit, state="cancel")
    with pytest.raises(DomainError):
        services.raise_adjustment(
            actor=am, type="discount", target="sol:101", reason="x", discount_pct=Decimal("10")
        )


def test_discount_on_draft_invoice_line(unit, am, fin, policy):
    line = invoice_line(invoice(state="draft"))
    adj = services.raise_adjustment(
        actor=am, type="discount", target=f"inl:{line.pk}", reason="x", discount_pct=Decimal("5")
    )
    assert adj.amount == Decimal("100.00")


def test_discount_on_posted_invoice_line_is_refused(unit, am, policy):
    line = invoice_line(invoice(state="posted"))
    with pytest.raises(DomainError, match="draft customer invoice"):
        services.raise_adjustment(
            actor=am,
            type="discount",
            target=f"inl:{line.pk}",
            reason="x",
            discount_pct=Decimal("5"),
        )


def test_write_off_above_residual_is_refused(am, policy):
    invoice(residual="300")
    with pytest.raises(DomainError, match="residual"):
        services.raise_adjustment(
            actor=am, type="write_off", target="inv:900", reason="x", amount=Decimal("500")
        )


def test_write_off_on_paid_invoice_is_refused(am, policy):
    invoice(residual="0")
    with pytest.raises(DomainError, match="open residual"):
        services.raise_adjustment(
            actor=am, type="write_off", target="inv:900", reason="x", amount=Decimal("5")
        )


def test_consultant_cannot_raise(unit, policy):
    from tests.factories import person

    consultant = person("c@example.com", "consultant", unit)
    sale_line(unit=unit)
    with pytest.raises(NotAllowed):
        services.raise_adjustment(
            actor=consultant, type="discount", target="sol:101", reason="x", discount_pct=Decimal(5)
        )


def test_approved_discount_writes_the_line_and_posts_chatter(unit, am, fin, policy):
    sale_line(unit=unit)
    adj = services.raise_adjustment(
        actor=am, type="discount", target="sol:101", reason="x", discount_pct=Decimal("10")
    )
    req = ApprovalRequest.objects.for_subject(adj).get()
    approvals.decide(req.pk, actor=fin, decision="approve")

    write = OutboxMessage.objects.get(kind="record.write")
    assert write.payload == {"model": "sale.order.line", "ids": [101], "values": {"discount": 10.0}}
    chatter = OutboxMessage.objects.filter(
        kind="chatter.post", key__startswith="approvals.decision:"
    )
    assert chatter.get().payload["model"] == "sale.order"
    assert chatter.get().payload["res_id"] == 42


def test_approved_write_off_drafts_a_credit_note(am, fin, policy):
    invoice(residual="3000")
    adj = services.raise_adjustment(
        actor=am, type="write_off", target="inv:900", reason="x", amount=Decimal("250")
    )
    req = ApprovalRequest.objects.for_subject(adj).get()
    from portal.core.models import RoleMembership

    RoleMembership.objects.filter(user=fin).update(business_unit=None)  # no unit on invoices
    approvals.decide(req.pk, actor=fin, decision="approve")
    values = OutboxMessage.objects.get(kind="record.create").payload["values"]
    assert values["move_type"] == "out_refund"
    assert values["reversed_entry_id"] == 900
    assert values["ref"] == adj.reference
    assert values["invoice_line_ids"][0][2]["price_unit"] == "250.00"


@pytest.mark.parametrize(
    ("method", "product", "expected"),
    [
        ("timesheet", "Consultant", "time_and_materials"),
        ("milestones", "Implementation", "fixed_fee"),
        ("manual", "Prepaid support hours", "retainer"),
        ("manual", "Workshop", "fixed_fee"),
    ],
)
def test_contract_type_mapping(method, product, expected):
    from portal.odoo.models import SaleOrderLine

    line = SaleOrderLine(
        qty_delivered_method=method,
        product_name=product,
        product_uom_qty=Decimal(10),
        qty_to_invoice=Decimal(0),
        qty_delivered=Decimal(0),
    )
    assert services.contract_type_of(line) == expected


def test_new_page_raises_a_request(client, unit, am, fin, policy):
    sale_line(unit=unit)
    client.force_login(am)
    assert client.get(reverse("commercial:new")).status_code == 200
    response = client.post(
        reverse("commercial:new"),
        {"type": "discount", "target": "sol:101", "discount_pct": "10", "reason": "Loyal"},
    )
    assert response.status_code == 302
    assert Adjustment.objects.count() == 1


def test_new_page_preselects_no_target(client, unit, am, policy):
    sale_line(unit=unit)
    client.force_login(am)
    page = client.get(reverse("commercial:new")).content.decode()
    assert 'value="sol:101"' in page
    assert " checked" not in page


def test_new_page_keeps_the_chosen_target_after_an_error(client, unit, am, policy):
    sale_line(unit=unit)
    client.force_login(am)
    response = client.post(
        reverse("commercial:new"), {"type": "discount", "target": "sol:101", "reason": ""}
    )
    assert response.status_code == 400
    assert 'value="sol:101" checked' in response.content.decode()


def test_new_page_shows_refusal_as_form_error(client, unit, am, policy):
    sale_line(unit=unit, qty_invoiced="1")
    client.force_login(am)
    response = client.post(
        reverse("commercial:new"),
        {"type": "discount", "target": "sol:101", "discount_pct": "10", "reason": "Loyal"},
    )
    assert response.status_code == 400
    assert "not invoiced yet" in response.content.decode()


def test_new_page_is_403_for_read_only_roles(client, unit, pm):
    client.force_login(pm)
    assert client.get(reverse("commercial:new")).status_code == 403


def test_detail_is_404_for_outsiders(client, unit, am, outsider, policy):
    sale_line(unit=unit)
    adj = services.raise_adjustment(
        actor=am, type="discount", target="sol:101", reason="x", discount_pct=Decimal("10")
    )
    client.force_login(outsider)
    assert client.get(reverse("commercial:detail", args=[adj.pk])).status_code == 404
    client.force_login(am)
    assert client.get(reverse("commercial:detail", args=[adj.pk])).status_code == 200


def test_changing_the_percentage_resets_approvals(unit, am, fin, pl, policy):
    make_policy("discount", [step(1, "finance"), step(2, "practice_leader")])
    sale_line(unit=unit)
    adj = services.raise_adjustment(
        actor=am, type="discount", target="sol:101", reason="x", discount_pct=Decimal("10")
    )
    req = ApprovalRequest.objects.for_subject(adj).get()
    approvals.decide(req.pk, actor=fin, decision="approve")
    services.change_adjustment(adj.pk, actor=am, reason="", discount_pct=Decimal("12"))
    req.refresh_from_db()
    assert req.round == 2
    assert {name for name, _b, _a in req.last_diff} == {"amount", "discount_pct"}
