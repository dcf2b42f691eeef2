"""Done when: an account manager raises a discount, routing follows the policy, the
clock moves (escalation), a delegate approves in the inbox, and with a real worker the
decision reaches the sale order's chatter and the line's discount in the Odoo sandbox.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.approvals.models import ApprovalRequest, Assignment, Status
from portal.commercial.models import Adjustment
from portal.odoo.connection import get_client
from portal.odoo.models import OutboxMessage, SaleOrder
from portal.odoo.sync import sync_all
from tests.factories import person

pytestmark = [pytest.mark.sandbox, pytest.mark.worker]


def _open_sale_line(sandbox) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    partner = sandbox.rpc("res.partner", "search", [["is_company", "=", True]], limit=1)[0]
    product = sandbox.rpc(
        "product.product", "create",
        {"name": "Senior consultant day", "type": "service",
         "service_policy": "delivered_manual", "service_tracking": "no"},
    )  # fmt: skip
    line = {"product_id": product, "product_uom_qty": 10, "price_unit": 1000}
    order = sandbox.rpc(
        "sale.order", "create", {"partner_id": partner, "order_line": [[0, 0, line]]}
    )
    sandbox.rpc("sale.order", "action_confirm", [order])
    (line,) = sandbox.rpc("sale.order", "read", [order], fields=["order_line"])[0]["order_line"]
    return order, line


@pytest.mark.django_db(transaction=True)
def test_discount_is_approved_in_the_inbox_and_reaches_odoo(
    odoo_sandbox_settings, celery_worker_process, client, unit, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sandbox = odoo_sandbox_settings
    order_id, line_id = _open_sale_line(sandbox)
    sync_all(get_client())
    unit.currency_code = SaleOrder.objects.get(pk=order_id).currency_code or "USD"
    unit.odoo_company_id = SaleOrder.objects.get(pk=order_id).company_id
    unit.save()
    call_command("approvals_seed_policies", stdout=StringIO())

    am = person("am@example.com", "account_manager", unit)
    fin = person("fin@example.com", "finance", unit)
    stand_in = person("fin2@example.com", "consultant", unit)
    pl = person("pl@example.com", "practice_leader", unit)
    person("dl@example.com", "delivery_leader", unit)

    # The account manager raises 10 % on the line: the policy routes it to finance.
    client.force_login(am)
    response = client.post(
        reverse("commercial:new"),
        {"type": "discount", "target": f"sol:{line_id}", "discount_pct": "10",
         "reason": "Second project with us"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    adj = Adjustment.objects.get()
    approval = ApprovalRequest.objects.for_subject(adj).get()
    assert [s.role for s in approval.steps.all()] == ["finance"]
    assert set(Assignment.objects.filter(request=approval, active=True).values_list(
        "user_id", flat=True)) == {fin.pk}  # fmt: skip

    # Finance is away: the stand-in gets the pending item too.
    client.force_login(fin)
    today = dt.date.today()
    response = client.post(
        reverse("approvals:delegations"),
        {"delegate": stand_in.pk, "starts_on": today, "ends_on": today + dt.timedelta(days=14)},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Assignment.objects.filter(user=stand_in, on_behalf_of=fin, active=True).exists()
    # The demo moves the clock: far past the due time, the step escalates one level.
    due = approval.steps.get().due_at
    at = (due + dt.timedelta(days=5)).strftime("%Y-%m-%d %H:%M")
    call_command("approvals_escalate", "--at", at, stdout=StringIO())
    step = approval.steps.get()
    assert step.escalation_level >= 1
    assert Assignment.objects.filter(step=step, user=pl, active=True).exists()

    # The stand-in approves in the inbox (htmx button), on behalf of finance.
    client.force_login(stand_in)
    inbox = client.get(reverse("approvals:inbox"))
    assert adj.label.split(" line")[0] in inbox.content.decode()
    approval.refresh_from_db()
    response = client.post(
        reverse("approvals:decide", args=[approval.pk, "approve"]),
        {"version": approval.version, "comment": "Agreed for the account"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    approval.refresh_from_db()
    assert approval.status == Status.APPROVED

    # The real worker delivers the chatter post and the discount to the sandbox.
    worker = celery_worker_process
    worker.wait_until(lambda: not OutboxMessage.objects.exclude(status="done").exists(), timeout=90)
    assert OutboxMessage.objects.filter(status="done").count() >= 3
    messages = sandbox.rpc(
        "mail.message", "search_read",
        [["model", "=", "sale.order"], ["res_id", "=", order_id]], fields=["body"],
    )  # fmt: skip
    bodies = " ".join(m["body"] for m in messages)
    assert f"Approval {approval.reference}" in bodies
    assert "on behalf of" in bodies
    (line,) = sandbox.rpc("sale.order.line", "read", [line_id], fields=["discount"])
    assert line["discount"] == 10

    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
