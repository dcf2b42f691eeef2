"""Done when: two clients each see only their own projects; a published status summary
reaches the client home and Odoo's project updates; a client request reaches the PM's
queue and becomes a task in Odoo. Odoo sandbox with its demo data and a real worker.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from portal.clients import services
from portal.clients.models import ClientRequest, ProjectPublication, StatusSummary
from portal.core.models import Role
from portal.odoo.connection import get_client
from portal.odoo.models import OutboxMessage, OutboxStatus, Project
from portal.odoo.sync import sync_all
from tests.factories import person

pytestmark = [pytest.mark.sandbox, pytest.mark.worker]


def _delivered(key: str) -> bool:
    return OutboxMessage.objects.filter(key=key, status=OutboxStatus.DONE).exists()


def _two_clients_projects() -> tuple[Project, Project]:
    """Two live demo projects whose clients (commercial partners) differ."""
    seen: dict[int, Project] = {}
    for project in Project.objects.active().filter(partner__isnull=False).select_related("partner"):
        company = project.partner.commercial_partner_id or project.partner_id  # type: ignore[union-attr]
        if project.manager_id and company not in seen:
            seen[company] = project
        if len(seen) == 2:
            break
    assert len(seen) == 2, "the demo data should hold projects of two different clients"
    first, second = seen.values()
    return first, second


@pytest.mark.django_db(transaction=True)
def test_clients_see_their_own_projects_and_summaries_and_requests_reach_odoo(
    odoo_sandbox_settings: Any, celery_worker_process: Any, client: Any, unit: Any
) -> None:
    sandbox = odoo_sandbox_settings
    sync_all(get_client())
    project_a, project_b = _two_clients_projects()
    Project.objects.filter(pk__in=[project_a.pk, project_b.pk]).update(business_unit=unit)
    project_a.refresh_from_db()
    am = person("am@firm.example", Role.ACCOUNT_MANAGER, unit)
    pm = person("pm@firm.example", Role.PROJECT_MANAGER, unit, odoo_user_id=project_a.manager_id)
    services.publish_project(project_a, actor=am)
    services.publish_project(project_b, actor=am)
    assert ProjectPublication.objects.live().count() == 2
    company = {
        p.pk: p.partner.commercial_partner_id or p.partner_id for p in (project_a, project_b)
    }  # type: ignore[union-attr]
    alice = person("alice@a.example", Role.CLIENT_CONTACT, client_partner_id=company[project_a.pk])
    bob = person("bob@b.example", Role.CLIENT_CONTACT, client_partner_id=company[project_b.pk])

    # Each contact sees only their own client's project.
    client.force_login(alice)
    home_a = client.get(reverse("clients:home")).content.decode()
    client.force_login(bob)
    home_b = client.get(reverse("clients:home")).content.decode()
    assert project_a.name in home_a and project_b.name not in home_a
    assert project_b.name in home_b and project_a.name not in home_b

    # The PM publishes the week's summary: on the client home, and a project update in Odoo.
    draft, _ = services.draft_summary(project_a)
    client.force_login(pm)
    client.post(
        reverse("clients:summary_edit", args=[draft.pk]),
        {
            "title": "Portal e2e week",
            "status": "at_risk",
            "body": "Waiting for access.",
            "publish": "1",
        },
    )
    summary = StatusSummary.objects.get(pk=draft.pk)
    assert summary.state == "published"
    client.force_login(alice)
    assert "Portal e2e week" in client.get(reverse("clients:home")).content.decode()
    celery_worker_process.wait_until(lambda: _delivered(summary.outbox_key), timeout=60)
    updates = sandbox.rpc(
        "project.update", "search_read", [["project_id", "=", project_a.pk]],
        fields=["name", "status"],
    )  # fmt: skip
    assert {"name": "Portal e2e week", "status": "at_risk"} in [
        {"name": u["name"], "status": u["status"]} for u in updates
    ]

    # Alice raises a request: in the PM's queue, and a task in the project in Odoo.
    client.post(
        reverse("clients:request_new", args=[project_a.pk]),
        {"subject": "Add SSO for our staff", "description": "Okta, please.", "urgency": "high"},
    )
    request = ClientRequest.objects.get()
    client.force_login(pm)
    assert "Add SSO for our staff" in client.get(reverse("clients:queue")).content.decode()
    celery_worker_process.wait_until(lambda: _delivered(request.outbox_key), timeout=60)
    tasks = sandbox.rpc(
        "project.task", "search_read", [["name", "ilike", "Add SSO for our staff"]],
        fields=["project_id"],
    )  # fmt: skip
    assert [t["project_id"][0] for t in tasks] == [project_a.pk]
