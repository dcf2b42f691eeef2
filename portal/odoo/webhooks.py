"""Inbound webhooks (DESIGN §5.5): store fast, apply later on a worker.

Odoo's automation rules POST `{_model, _id, _action, …fields}` once, unsigned, with a
one-second timeout and no retry (reference §5.1), so the request path only checks the
secret, parses, inserts one row and answers. Senders that can sign (n8n) use Standard
Webhooks: the signature is checked on the raw bytes, with a five-minute timestamp
tolerance, and `webhook-id` is the idempotency key. The worker re-reads the record
from Odoo, so a duplicate, late or out-of-order event cannot bring old values back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.odoo.models_outbox import EchoMark, InboundEvent, InboundStatus, WebhookIntegration

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
_DUMMY_SECRET = "x" * 43  # compared against when the slug is unknown, to keep timing flat


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # the only CSRF-exempt view: senders authenticate by URL secret or signature
@require_POST
def receive(request: HttpRequest, slug: str, secret: str) -> JsonResponse:
    """Store one webhook call; 2xx in milliseconds, no Odoo call here."""
    integration = WebhookIntegration.objects.filter(slug=slug, active=True).first()
    expected = integration.secret if integration else _DUMMY_SECRET
    if not hmac.compare_digest(expected.encode(), secret.encode()) or integration is None:
        return _error("Unknown integration or wrong secret.", 404)

    raw = request.body
    if len(raw) > MAX_BODY:
        return _error(f"Body larger than {MAX_BODY} bytes.", 413)
    webhook_id = ""
    if integration.signing_secret:
        try:
            Webhook(integration.signing_secret).verify(raw, dict(request.headers), json_parse=False)
        except (WebhookVerificationError, ValueError, UnicodeDecodeError) as exc:
            return _error(f"Signature refused: {exc}", 401)
        webhook_id = request.headers.get("webhook-id", "")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(f"Body is not valid JSON: {exc}", 400)
    if not isinstance(payload, dict):
        return _error('Body must be a JSON object like {"_model": …, "_id": …}.', 400)

    event = _store(integration, payload, raw, webhook_id)
    if event is None:
        return JsonResponse({"status": "duplicate"})
    return JsonResponse({"status": "accepted", "event": event.pk}, status=202)


def dedupe_key(payload: dict[str, Any], raw: bytes, webhook_id: str) -> str:
    """webhook-id when signed; else model+id+write_date; else a hash of the body."""
    if webhook_id:
        return f"id:{webhook_id}"[:200]
    if payload.get("_model") and payload.get("_id") and payload.get("write_date"):
        return f"rec:{payload['_model']}:{payload['_id']}:{payload['write_date']}"[:200]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _store(
    integration: WebhookIntegration, payload: dict[str, Any], raw: bytes, webhook_id: str
) -> InboundEvent | None:
    odoo_id = payload.get("_id", payload.get("id"))
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                integration=integration,
                dedupe_key=dedupe_key(payload, raw, webhook_id),
                model=str(payload.get("_model") or "")[:64],
                odoo_id=int(odoo_id)
                if isinstance(odoo_id, (int, str)) and str(odoo_id).isdigit()
                else None,
                action=str(payload.get("_action") or "")[:200],
                write_date=str(payload.get("write_date") or "")[:32],
                payload=payload,
            )
            transaction.on_commit(lambda: _enqueue(event.pk))
    except IntegrityError:
        return None  # the same event again: already stored, nothing more to do
    return event


def _enqueue(event_id: int) -> None:
    from portal.odoo.tasks import process_inbound_event

    process_inbound_event.delay(event_id)


# -- the worker side ------------------------------------------------------------------------


def process_event(event_id: int) -> str:
    """Apply one stored event once; safe to run twice. Returns the event's status.

    Odoo is read outside any transaction, so a slow Odoo never holds a lock that the
    intake needs; two runs of the same event both re-read, which is harmless.
    """
    event = InboundEvent.objects.filter(pk=event_id).first()
    if event is None or event.status != InboundStatus.PENDING:
        return event.status if event else "missing"
    status, note = _decide(event)
    if status == InboundStatus.PENDING:
        try:
            refresh_record(event.model, int(event.odoo_id or 0))
            status, note = InboundStatus.APPLIED, ""
        except KeyError as exc:
            status, note = InboundStatus.FAILED, f"Not a mirrored model: {exc}"
    InboundEvent.objects.filter(pk=event.pk, status=InboundStatus.PENDING).update(
        status=status, note=note, processed_at=timezone.now()
    )
    return str(status)


def _decide(event: InboundEvent) -> tuple[str, str]:
    if not event.model or not event.odoo_id:
        return InboundStatus.FAILED, "The payload names no _model and _id."
    if (
        event.write_date
        and EchoMark.objects.filter(
            model=event.model, res_id=event.odoo_id, write_date=event.write_date
        ).exists()
    ):
        return InboundStatus.ECHO, "The portal made this change itself."
    stored = _mirror_write_date(event.model, event.odoo_id)
    stamp = _odoo_datetime(event.write_date)
    if stored is not None and stamp is not None and stamp < stored:
        return (
            InboundStatus.STALE,
            f"The mirror already holds a newer version ({stored:%Y-%m-%d %H:%M:%S}).",
        )
    return InboundStatus.PENDING, ""


def _odoo_datetime(value: str) -> Any:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "T"))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt.UTC)  # Odoo stamps are naive UTC
    return parsed


def _mirror_write_date(model: str, odoo_id: int) -> Any:
    from portal.odoo.mirror import BY_KEY

    spec = BY_KEY.get(model)
    if spec is None:
        return None
    return spec.model.objects.filter(pk=odoo_id).values_list("write_date", flat=True).first()


def refresh_record(model: str, odoo_id: int) -> bool:
    """Re-read one record from Odoo into the mirror; False when Odoo no longer has it.

    Raises KeyError for a model the mirror does not hold, OdooError when Odoo fails.
    """
    from portal.odoo.connection import get_client
    from portal.odoo.mirror import spec_for
    from portal.odoo.sync import BASE_FIELDS, CONTEXT, RunContext, SyncResult, load_currencies
    from portal.odoo.sync import (
        _apply as apply_rows,
    )  # TODO: use a public upsert-one when the gateway exposes it

    spec = spec_for(model)
    client = get_client()
    fmap = client.fields(spec.key)
    fields = list(BASE_FIELDS) + (["active"] if fmap.has("active") else []) + list(spec.fields)
    domain = [["id", "=", odoo_id], *[list(leaf) for leaf in spec.domain]]
    rows = client.search_read(spec.key, domain, fields, context=CONTEXT)
    if not rows:
        spec.model.objects.filter(pk=odoo_id).update(deleted_in_odoo=True)
        return False
    context = RunContext(client)
    load_currencies(context)
    apply_rows(spec, context, SyncResult(spec.key), fmap.info, rows)
    return True


# -- what operators paste into Odoo --------------------------------------------------------


def endpoint_url(integration: WebhookIntegration) -> str:
    from django.conf import settings
    from django.urls import reverse

    path = reverse("odoo:webhook", args=[integration.slug, integration.secret])
    return f"{settings.PORTAL_BASE_URL}{path}"


def rotate_secret(integration_id: int, *, actor: Any) -> WebhookIntegration:
    """New URL secret; the old URL stops working at once (update the Odoo rule)."""
    from portal.core import audit
    from portal.odoo.models_outbox import new_url_secret

    with transaction.atomic():
        integration = WebhookIntegration.objects.select_for_update().get(pk=integration_id)
        integration.secret = new_url_secret()
        integration.save(update_fields=["secret"])
        audit.record("odoo.webhook.secret_rotated", actor=actor, obj=integration, data={})
    return integration
