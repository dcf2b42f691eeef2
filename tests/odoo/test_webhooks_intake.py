"""Inbound webhooks: authentication, Standard Webhooks signatures (C27), dedupe, C10."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from portal.odoo.models_outbox import InboundEvent, WebhookIntegration

pytestmark = pytest.mark.django_db

SIGNING = "whsec_" + base64.b64encode(b"new-key-0123456789abcdef").decode()
OLD_SIGNING = "whsec_" + base64.b64encode(b"old-key-0123456789abcdef").decode()


@pytest.fixture
def odoo_rule(db: None) -> WebhookIntegration:
    return WebhookIntegration.objects.create(slug="odoo", name="Odoo automation")


@pytest.fixture
def n8n(db: None) -> WebhookIntegration:
    return WebhookIntegration.objects.create(slug="n8n", name="n8n", signing_secret=SIGNING)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the tasks the intake would send instead of publishing them."""
    sent: list[int] = []
    monkeypatch.setattr("portal.odoo.webhooks._enqueue", sent.append)
    monkeypatch.setattr("portal.odoo.webhooks._last_wake", 0.0)  # no wake-up from a test before
    return sent


def url(integration: WebhookIntegration, secret: str | None = None) -> str:
    return reverse("odoo:webhook", args=[integration.slug, secret or integration.secret])


def post(client: Any, path: str, body: bytes, **headers: str) -> Any:
    return client.generic("POST", path, body, content_type="application/json", headers=headers)


def signed(
    body: bytes,
    msg_id: str = "msg_1",
    at: float | None = None,
    secrets: tuple[str, ...] = (SIGNING,),
) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(stamp, tz=UTC)
    sigs = " ".join(Webhook(s).sign(msg_id, when, body.decode()) for s in secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": sigs}


TASK = json.dumps(
    {
        "_model": "project.task",
        "_id": 42,
        "_action": "Send(#7)",
        "write_date": "2025-03-01 10:02:00",
    }
).encode()


def test_webhook_url_shape_never_changes(odoo_rule: WebhookIntegration) -> None:
    # The one hard-coded path: Odoo rules out in the field hold this URL.
    assert url(odoo_rule) == f"/odoo/webhooks/odoo/{odoo_rule.secret}/"


def test_odoo_rule_event_is_stored_and_answered_at_once(
    client: Any,
    odoo_rule: WebhookIntegration,
    no_broker: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url(odoo_rule), TASK)

    assert response.status_code == 202
    event = InboundEvent.objects.get()
    assert (event.model, event.odoo_id, event.write_date) == (
        "project.task",
        42,
        "2025-03-01 10:02:00",
    )
    assert no_broker == [event.pk]


def test_same_change_twice_is_stored_once(client: Any, odoo_rule: WebhookIntegration) -> None:
    post(client, url(odoo_rule), TASK)
    again = post(client, url(odoo_rule), TASK)

    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert InboundEvent.objects.count() == 1


def test_wrong_secret_is_404_and_stores_nothing(client: Any, odoo_rule: WebhookIntegration) -> None:
    assert post(client, url(odoo_rule, "guess"), TASK).status_code == 404
    assert InboundEvent.objects.count() == 0


def test_unknown_integration_is_404(client: Any, db: None) -> None:
    assert post(client, reverse("odoo:webhook", args=["nobody", "x"]), TASK).status_code == 404


def test_bad_json_is_400_with_a_message(client: Any, odoo_rule: WebhookIntegration) -> None:
    response = post(client, url(odoo_rule), b"{not json")

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    assert InboundEvent.objects.count() == 0


def test_get_is_refused(client: Any, odoo_rule: WebhookIntegration) -> None:
    assert client.get(url(odoo_rule)).status_code == 405


def test_rolled_back_intake_sends_no_task(
    client: Any,
    odoo_rule: WebhookIntegration,
    no_broker: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.db import transaction

    from portal.odoo.webhooks import _store

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _store(odoo_rule, {"_model": "project.task", "_id": 1}, b"{}", "")
        raise RuntimeError("rolled back")
    assert no_broker == []


# -- C27: Standard Webhooks ----------------------------------------------------------------


def test_valid_signature_is_accepted(client: Any, n8n: WebhookIntegration) -> None:
    assert post(client, url(n8n), TASK, **signed(TASK)).status_code == 202
    assert InboundEvent.objects.get().dedupe_key == "id:msg_1"


def test_replay_of_same_webhook_id_is_a_no_op(client: Any, n8n: WebhookIntegration) -> None:
    post(client, url(n8n), TASK, **signed(TASK))
    replay = post(client, url(n8n), TASK, **signed(TASK, at=time.time() + 30))

    assert replay.status_code == 200
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("variant", "headers"),
    [
        ("six minutes old", lambda: signed(TASK, at=time.time() - 360)),
        ("ten minutes ahead", lambda: signed(TASK, at=time.time() + 600)),
        (
            "no timestamp",
            lambda: {k: v for k, v in signed(TASK).items() if k != "webhook-timestamp"},
        ),
        ("wrong signature", lambda: {**signed(TASK), "webhook-signature": "v1,AAAA"}),
        ("signed by someone else", lambda: signed(TASK, secrets=(OLD_SIGNING,))),
        ("garbled signature header", lambda: {**signed(TASK), "webhook-signature": "nonsense"}),
    ],
)
def test_refused_signatures_store_nothing(
    client: Any, n8n: WebhookIntegration, variant: str, headers: Any
) -> None:
    response = post(client, url(n8n), TASK, **headers())

    assert response.status_code == 401, variant
    assert InboundEvent.objects.count() == 0


def test_body_with_one_extra_space_is_refused(client: Any, n8n: WebhookIntegration) -> None:
    headers = signed(TASK)
    altered = TASK.replace(b'"_id": 42', b'"_id":  42')

    assert post(client, url(n8n), altered, **headers).status_code == 401
    assert InboundEvent.objects.count() == 0


def test_two_signatures_old_and_new_are_accepted(client: Any, n8n: WebhookIntegration) -> None:
    headers = signed(TASK, secrets=(OLD_SIGNING, SIGNING))

    assert post(client, url(n8n), TASK, **headers).status_code == 202


def test_signature_is_checked_on_the_raw_body_in_constant_time() -> None:
    import inspect

    from portal.odoo import webhooks

    source = inspect.getsource(webhooks._intake)
    assert "verify(raw" in source
    assert "hmac.compare_digest" in source
