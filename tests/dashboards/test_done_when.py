"""Done when: stopping Odoo turns the health endpoint and the operations page red within a
minute, and both recover on their own once Odoo is back (real sandbox, real worker)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portal.core.models import User
from portal.dashboards.models import WorkerHeartbeat
from portal.dashboards.tasks import heartbeat
from tests.fixtures.worker import wait_until

RED_WITHIN = 60  # seconds: the promise; the Odoo probe is cached for 10 s


@pytest.mark.django_db(transaction=True)
def test_odoo_down_turns_health_and_operations_red_then_they_recover(
    odoo_sandbox_settings,
    celery_worker_process,
    operator: User,  # type: ignore[no-untyped-def]
) -> None:
    transaction.on_commit(heartbeat.delay)
    celery_worker_process.wait_until(lambda: WorkerHeartbeat.objects.exists(), timeout=30)
    client = Client()
    client.force_login(operator)
    health_url, ops_url = reverse("health"), reverse("dashboards:operations")
    assert client.get(health_url).status_code == 200
    assert "✓ All systems reachable" in client.get(ops_url).content.decode()

    odoo_sandbox_settings.control("down")
    try:
        wait_until(
            lambda: client.get(health_url).status_code == 503, timeout=RED_WITHIN, interval=1
        )
        assert client.get(health_url).json()["failed"] == ["odoo"]
        page = client.get(ops_url).content.decode()
        assert "✗ Something is down" in page
        assert "✗ FAILED</strong> Odoo" in page
        assert "✓ OK</strong> Worker" in page
    finally:
        odoo_sandbox_settings.control("up")

    wait_until(lambda: client.get(health_url).status_code == 200, timeout=RED_WITHIN, interval=1)
    assert "✓ All systems reachable" in client.get(ops_url).content.decode()
