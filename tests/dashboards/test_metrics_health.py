"""/metrics exposes the operations figures; /health/ answers 200 or 503 naming the failure."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.approvals.models import ApprovalRequest, ApprovalStep
from portal.core.models import User
from portal.dashboards import health
from portal.dashboards.models import WorkerHeartbeat
from portal.odoo.models_outbox import OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def stub_odoo(ok: bool, detail: str = "stubbed") -> None:
    health._odoo_cached = health.Check("odoo", ok, detail, time.time() + 3600)


def test_metrics_expose_outbox_sla_and_worker_figures() -> None:
    stub_odoo(True)
    for n in range(2):
        OutboxMessage.objects.create(kind="chatter.post", key=f"k{n}", payload={})
    OutboxMessage.objects.create(kind="chatter.post", key="dead", payload={}, status="dead")
    request = ApprovalRequest.objects.create(
        kind="discount", subject_type="x.y", subject_id="1", requester=UserFactory(),
        title="t", requester_name="r", submitted_at=timezone.now(),
    )  # fmt: skip
    overdue = timezone.now() - timedelta(hours=1)
    ApprovalStep.objects.create(
        request=request, order=1, name="s", approver_type="role", status="pending", due_at=overdue
    )
    WorkerHeartbeat.objects.create(hostname="w1", last_seen=timezone.now())

    text = Client().get(reverse("prometheus-django-metrics")).content.decode()

    assert "portal_outbox_backlog 2.0" in text
    assert "portal_outbox_dead_letters 1.0" in text
    assert "portal_approval_sla_breaches 1.0" in text
    assert "portal_worker_alive 1.0" in text
    assert 'portal_health_up{check="odoo"} 1.0' in text
    assert 'portal_health_up{check="database"} 1.0' in text


def test_health_is_200_when_everything_answers() -> None:
    stub_odoo(True)

    response = Client().get(reverse("health"))

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_health_is_503_naming_odoo_when_odoo_is_down(operator: User) -> None:
    stub_odoo(False, "connection refused")
    client = Client()
    client.force_login(operator)

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["failed"] == ["odoo"]
    assert response.json()["checks"]["odoo"]["detail"] == "connection refused"


def test_health_hides_details_from_anonymous_callers() -> None:
    stub_odoo(False, "http://odoo.internal:8069 refused")

    response = Client().get(reverse("health"))

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["odoo"] == {"ok": False, "status": "failing"}
    assert body["checks"]["broker"]["status"] == "ok"
    assert "odoo.internal" not in response.content.decode()
    assert all("detail" not in check for check in body["checks"].values())


def test_health_hides_details_from_signed_in_non_operators(consultant: User) -> None:
    stub_odoo(True, "http://odoo.internal:8069")
    client = Client()
    client.force_login(consultant)

    response = client.get(reverse("health"))

    assert "odoo.internal" not in response.content.decode()


def test_unreachable_odoo_is_reported_without_waiting_for_the_rpc_timeout(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ODOO_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    from portal.odoo.connection import reset_client

    reset_client()
    started = time.monotonic()

    check = health.check_odoo_cached()

    assert check.ok is False
    assert time.monotonic() - started < 6
