"""The operators' outbox page: who sees it, retry and resolve (audited), filters, fragments."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from portal.core.models import AuditEvent
from portal.odoo.models_outbox import OutboxControl, OutboxMessage, OutboxStatus, WebhookIntegration
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db: None) -> Any:
    return person("ops@example.com", "operator")


@pytest.fixture
def dead(db: None) -> OutboxMessage:
    return OutboxMessage.objects.create(
        kind="record.write",
        key="t:1",
        odoo_model="project.task",
        status=OutboxStatus.DEAD,
        payload={"model": "project.task", "ids": [1], "values": {"priority": "1"}},
        last_error="hours cannot be negative",
        last_error_class="odoo.exceptions.ValidationError",
    )


def test_operator_sees_dead_letters_with_odoos_message(
    client: Any, operator: Any, dead: OutboxMessage
) -> None:
    client.force_login(operator)

    response = client.get(reverse("odoo:ops_outbox"))

    assert response.status_code == 200
    assert "hours cannot be negative" in response.text


def test_outsider_gets_404(client: Any, outsider: Any) -> None:
    client.force_login(outsider)
    assert client.get(reverse("odoo:ops_outbox")).status_code == 404
    assert client.get(reverse("odoo:ops_webhooks")).status_code == 404
    assert client.get(reverse("odoo:ops_reconcile")).status_code == 404


def test_non_operator_cannot_retry(client: Any, dead: OutboxMessage) -> None:
    client.force_login(person("pm@example.com", "project_manager"))
    assert client.post(reverse("odoo:ops_retry", args=[dead.pk])).status_code == 404
    assert OutboxMessage.objects.get(pk=dead.pk).status == OutboxStatus.DEAD


def test_filter_by_model_answers_a_fragment(
    client: Any, operator: Any, dead: OutboxMessage
) -> None:
    client.force_login(operator)

    response = client.get(
        reverse("odoo:ops_outbox"), {"model": "sale.order"}, headers={"HX-Request": "true"}
    )

    assert "<html" not in response.text
    assert "hours cannot be negative" not in response.text


def test_retry_requeues_and_is_audited(client: Any, operator: Any, dead: OutboxMessage) -> None:
    client.force_login(operator)

    client.post(reverse("odoo:ops_retry", args=[dead.pk]))

    assert OutboxMessage.objects.get(pk=dead.pk).status == OutboxStatus.PENDING
    assert (
        AuditEvent.objects.filter(action="odoo.outbox.retried", actor_id=operator.pk).count() == 1
    )


def test_resolve_needs_a_note_and_is_audited(
    client: Any, operator: Any, dead: OutboxMessage
) -> None:
    client.force_login(operator)

    client.post(reverse("odoo:ops_resolve", args=[dead.pk]), {"note": ""})
    assert OutboxMessage.objects.get(pk=dead.pk).status == OutboxStatus.DEAD
    client.post(reverse("odoo:ops_resolve", args=[dead.pk]), {"note": "Fixed the hours in Odoo"})

    resolved = OutboxMessage.objects.get(pk=dead.pk)
    assert (resolved.status, resolved.resolution_note) == (
        OutboxStatus.RESOLVED,
        "Fixed the hours in Odoo",
    )
    assert AuditEvent.objects.filter(action="odoo.outbox.resolved").count() == 1


def test_paused_banner_and_resume(client: Any, operator: Any) -> None:
    OutboxControl.objects.create(pk=1, paused=True, reason="Access Denied")
    client.force_login(operator)
    assert "Access Denied" in client.get(reverse("odoo:ops_outbox")).text

    client.post(reverse("odoo:ops_resume"))

    assert not OutboxControl.get().paused
    assert AuditEvent.objects.filter(action="odoo.outbox.resumed").count() == 1


def test_webhooks_page_shows_the_url_and_rotates_the_secret(client: Any, operator: Any) -> None:
    rule = WebhookIntegration.objects.create(slug="odoo", name="Odoo")
    old = rule.secret
    client.force_login(operator)
    assert old in client.get(reverse("odoo:ops_webhooks")).text

    client.post(reverse("odoo:ops_webhook_rotate", args=[rule.pk]))

    assert WebhookIntegration.objects.get(pk=rule.pk).secret != old
    assert AuditEvent.objects.filter(action="odoo.webhook.secret_rotated").count() == 1
