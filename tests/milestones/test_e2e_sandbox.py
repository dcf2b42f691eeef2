"""Done when: evidence → client acceptance → finance → Odoo shows reached, attached, drafted.

Runs against the Odoo sandbox (Odoo's demo data, project "Office Design") with a real
Celery worker; nothing is faked between the portal and Odoo.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.approvals.models import ApprovalRequest
from portal.clients.models import ProjectPublication
from portal.milestones import billing_flow
from portal.milestones.models import BillingState, MilestoneRecord
from portal.odoo.connection import get_client
from portal.odoo.models import Project, SaleOrder
from portal.odoo.sync import sync_all
from tests.factories import person
from tests.milestones.files import PDF, upload

pytestmark = [pytest.mark.sandbox, pytest.mark.worker]


def _office_design_milestone(sandbox) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Bill Office Design's "Second Phase" as 30 % of a 4 x 2,500.00 milestone line."""
    (project,) = sandbox.rpc(
        "project.project", "search_read", [["name", "=", "Office Design"]],
        fields=["partner_id", "user_id"],
    )  # fmt: skip
    (milestone,) = sandbox.rpc(
        "project.milestone", "search",
        [["project_id", "=", project["id"]], ["name", "=", "Second Phase"]],
    )  # fmt: skip
    product = sandbox.rpc(
        "product.product", "create",
        {"name": "Office design phases", "type": "service",
         "service_policy": "delivered_milestones", "service_tracking": "no"},
    )  # fmt: skip
    order = sandbox.rpc(
        "sale.order", "create",
        {"partner_id": project["partner_id"][0],
         "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 4, "price_unit": 2500}]]},
    )  # fmt: skip
    sandbox.rpc("sale.order", "action_confirm", [order])
    (line,) = sandbox.rpc("sale.order", "read", [order], fields=["order_line"])[0]["order_line"]
    sandbox.rpc(
        "project.milestone",
        "write",
        [milestone],
        {"sale_line_id": line, "quantity_percentage": 0.3},
    )
    return project["id"], milestone, order


@pytest.mark.django_db(transaction=True)
def test_office_design_milestone_goes_from_evidence_to_a_draft_invoice(
    odoo_sandbox_settings,
    celery_worker_process,
    client,
    unit,
    private_files,
    finance_policy,
    checklist,
) -> None:  # type: ignore[no-untyped-def]
    sandbox = odoo_sandbox_settings
    project_id, milestone_id, order_id = _office_design_milestone(sandbox)
    sync_all(get_client())
    project = Project.objects.get(pk=project_id)
    Project.objects.filter(pk=project_id).update(business_unit=unit)
    # Policies compare amounts in the unit's currency: use the company's (no conversion).
    unit.currency_code = SaleOrder.objects.get(pk=order_id).currency_code or "USD"
    unit.save()
    ProjectPublication.objects.create(project=project)
    pm = person("marc@example.com", "project_manager", unit, odoo_user_id=project.manager_id)
    finance = person("fiona@example.com", "finance", unit)
    contact = person("joel@example.com", "client_contact", client_partner_id=project.partner_id)

    # The PM uploads the signed acceptance and marks the milestone ready.
    client.force_login(pm)
    response = client.post(
        reverse("milestones:upload", args=[milestone_id]),
        {"slot": "acceptance_document", "note": "signed", "files": [upload("Abnahme.pdf", PDF)]},
    )
    assert response.status_code == 302
    assert client.post(reverse("milestones:ready", args=[milestone_id])).status_code == 302

    # The client contact accepts it.
    client.force_login(contact)
    response = client.post(
        reverse("milestones:client_sign_off", args=[milestone_id]),
        {"decision": "accepted", "typed_name": "Joel Willis", "reason": ""},
    )
    assert response.status_code == 302

    # Finance validates in the approval inbox.
    request = ApprovalRequest.objects.for_subject(
        MilestoneRecord.objects.get(pk=milestone_id)
    ).get()
    assert (request.amount, request.status) == (Decimal("3000.00"), "pending"), (
        request.routing_problem
    )
    client.force_login(finance)
    client.post(reverse("approvals:decide", args=[request.pk, "approve"]), {"comment": "ok"})

    # The worker tells Odoo; its delivery callbacks move the record to "draft invoice".
    celery_worker_process.wait_until(
        lambda: MilestoneRecord.objects.get(pk=milestone_id).state == BillingState.INVOICE_DRAFTED,
        timeout=90,
    )
    record = MilestoneRecord.objects.get(pk=milestone_id)

    reached = sandbox.rpc("project.milestone", "read", [milestone_id], fields=["is_reached"])
    assert reached[0]["is_reached"] is True
    for model, res_id in (("project.project", project_id), ("sale.order", order_id)):
        names = sandbox.rpc(
            "ir.attachment", "search_read",
            [["res_model", "=", model], ["res_id", "=", res_id]], fields=["name"],
        )  # fmt: skip
        assert "Abnahme.pdf" in [a["name"] for a in names]
    (invoice,) = sandbox.rpc(
        "account.move", "read", [record.invoice_id],
        fields=["state", "move_type", "amount_untaxed", "invoice_line_ids", "ref"],
    )  # fmt: skip
    assert (invoice["state"], invoice["move_type"]) == ("draft", "out_invoice")
    lines = sandbox.rpc(
        "account.move.line", "read", invoice["invoice_line_ids"],
        fields=["quantity", "price_unit", "price_subtotal", "sale_line_ids"],
    )  # fmt: skip
    product_lines = [x for x in lines if x["sale_line_ids"]]
    # 30 % of 4 units = 1.2 units at 2,500.00 = 3,000.00 (by hand).
    assert [(x["quantity"], x["price_unit"]) for x in product_lines] == [(1.2, 2500.0)]
    assert Decimal(str(product_lines[0]["price_subtotal"])).quantize(Decimal("0.01")) == Decimal(
        "3000.00"
    )
    assert Decimal(str(invoice["amount_untaxed"])).quantize(Decimal("0.01")) == Decimal("3000.00")

    # The finance queue lists the draft with each step's time.
    page = client.get(reverse("milestones:billing")).content.decode()
    section = page.split("Drafts waiting to be posted", 1)[1]
    assert "Second Phase" in section
    for step in ("ready", "accepted", "validated", "reached", "draft"):
        assert re.search(rf"{step} \d\d-\d\d \d\d:\d\d", section), step

    # Odoo posts the invoice; the next sync brings it back and closes the timeline.
    sandbox.rpc("account.move", "action_post", [record.invoice_id])
    sync_all(get_client())
    billing_flow.refresh_posting()
    client.force_login(pm)
    page = client.get(reverse("milestones:detail", args=[milestone_id])).content.decode()
    for step in (
        "Evidence uploaded", "Marked ready", "Accepted by the client", "Sent to finance",
        "Validated by finance", "Reached in Odoo", "Draft invoice", "Invoice posted",
    ):  # fmt: skip
        assert re.search(rf"\d{{4}}-\d\d-\d\d \d\d:\d\d</time> {step}", page), step
    record.refresh_from_db()
    assert record.state == BillingState.INVOICE_POSTED
    assert record.billing_lag is not None
