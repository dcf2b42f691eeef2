"""Done when: with a token, list the inbox and approve through the API; a real worker
posts the decision to the sale order's chatter in the Odoo sandbox, as from the browser."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.approvals.models import ApprovalRequest, Status
from portal.commercial.models import Adjustment
from portal.odoo.connection import get_client
from portal.odoo.models import OutboxMessage, SaleOrder
from portal.odoo.sync import sync_all
from tests.api.conftest import token_header
from tests.approvals.test_e2e_sandbox import _open_sale_line
from tests.factories import person

pytestmark = [pytest.mark.sandbox, pytest.mark.worker]


@pytest.mark.django_db(transaction=True)
def test_token_approves_from_the_inbox_and_the_decision_reaches_odoo_chatter(
    odoo_sandbox_settings, celery_worker_process, client, unit, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sandbox = odoo_sandbox_settings
    order_id, line_id = _open_sale_line(sandbox)
    sync_all(get_client())
    order = SaleOrder.objects.get(pk=order_id)
    unit.currency_code = order.currency_code or "USD"
    unit.odoo_company_id = order.company_id
    unit.save()
    call_command("approvals_seed_policies", stdout=StringIO())
    am = person("am@example.com", "account_manager", unit)
    fin = person("fin@example.com", "finance", unit)

    am_token = token_header(am, ["read", "requests:write"])
    raised = client.post(
        reverse("api:adjustments"),
        {"type": "discount", "target": f"sol:{line_id}", "discount_pct": "10",
         "reason": "Second project with us"},
        "application/json", **am_token,
    )  # fmt: skip
    assert raised.status_code == 201, raised.content.decode()[:2000]

    fin_token = token_header(fin, ["read", "approvals:decide"])
    inbox = client.get(reverse("api:inbox"), **fin_token).json()["results"]
    assert [item["kind"] for item in inbox] == ["discount"]
    item = inbox[0]
    decided = client.post(
        reverse("api:approval-decide", args=[item["request_id"]]),
        {"decision": "approve", "comment": "Agreed for the account", "version": item["version"]},
        "application/json", HTTP_IDEMPOTENCY_KEY="phone-1", **fin_token,
    )  # fmt: skip
    assert decided.status_code == 200, decided.content.decode()[:2000]
    approval = ApprovalRequest.objects.for_subject(Adjustment.objects.get()).get()
    assert approval.status == Status.APPROVED

    celery_worker_process.wait_until(
        lambda: not OutboxMessage.objects.exclude(status="done").exists(), timeout=90
    )
    messages = sandbox.rpc(
        "mail.message", "search_read",
        [["model", "=", "sale.order"], ["res_id", "=", order_id]], fields=["body"],
    )  # fmt: skip
    assert f"Approval {approval.reference}" in " ".join(m["body"] for m in messages)
    (line,) = sandbox.rpc("sale.order.line", "read", [line_id], fields=["discount"])
    assert line["discount"] == 10
