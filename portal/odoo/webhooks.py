"""Inbound webhooks (DESIGN §5.5): store fast, apply later on a worker.

Odoo's automation rules POST `{_model, _id, _action, …fields}` once, unsigned, with a
one-second timeout and no retry (reference §5.1), so the request path only checks the
secret against a briefly cached integration row, parses, inserts one row (a repeat is
refused by the dedupe key in the same statement) and answers; the worker is woken at
most every WAKE_INTERVAL per web process, and a beat sweep applies whatever is pending.
Senders that can sign (n8n) use Standard Webhooks: the signature is checked on the raw
bytes, with a five-minute timestamp tolerance, and `webhook-id` is the idempotency key.
The worker re-reads the records from Odoo, a batch at a time, so a duplicate, late or
out-of-order event cannot bring old values back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from prometheus_client import Counter
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.odoo.groupcommit import GroupCommit
from portal.odoo.models_outbox import EchoMark, InboundEvent, InboundStatus, WebhookIntegration

logger = logging.getLogger(__name__)
T = TypeVar("T")

# In production the intake's WSGI app (portal.odoo.webhook_wsgi) answers without
# django-prometheus' middleware, so the intake counts its own answers.
REQUESTS = Counter(
    "portal_webhook_requests", "Inbound webhook calls answered, by HTTP status", ["status"]
)

MAX_BODY = 256 * 1024
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
_DUMMY_SECRET = b"x" * 43  # compared against when the slug is unknown, to keep timing flat
# An integration row is kept this long in each web process, so a rotated secret or a
# deactivated integration stops working in the other processes within seconds.
INTEGRATION_TTL = 5.0
# At most one wake-up message per web process per interval: a burst of events costs a
# handful of broker round trips, not one each. The beat sweep catches anything a skipped
# or lost wake-up would have left behind.
WAKE_INTERVAL = 0.2
BATCH = 500


@dataclass(frozen=True, slots=True)
class Sender:
    pk: int
    secret: bytes
    signing_secret: str


_senders: dict[str, tuple[float, Sender]] = {}
_last_wake = 0.0
_wake_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Answer:
    """What the intake says to a sender: an HTTP status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


def _error(message: str, status: int, *headers: tuple[str, str]) -> Answer:
    return Answer(status, {"error": message}, headers)


def intake(slug: str, secret: str, raw: bytes, headers: Mapping[str, str]) -> Answer:
    """Store one webhook call; 2xx in milliseconds, no Odoo call and no broker call here.

    Both ways in share it: the Django view below, and the WSGI app that serves the
    intake URL in production (`portal.odoo.webhook_wsgi`). `headers` is looked up by
    lower-case name. Every answer is counted in REQUESTS.
    """
    try:
        answer = _intake(slug, secret, raw, headers)
    except DataError as exc:  # this event's values, e.g. a NUL character PostgreSQL refuses
        answer = _error(f"The event cannot be stored: {str(exc).splitlines()[0]}", 400)
    except DatabaseError:
        logger.exception("Webhook intake cannot reach its database")
        answer = _error(
            "The portal cannot store events right now; send it again later.",
            503,
            ("Retry-After", "30"),
        )
    REQUESTS.labels(str(answer.status)).inc()
    return answer


def _intake(slug: str, secret: str, raw: bytes, headers: Mapping[str, str]) -> Answer:
    sender = reconnecting(cached_sender, slug)
    expected = sender.secret if sender else _DUMMY_SECRET
    if not hmac.compare_digest(expected, secret.encode()) or sender is None:
        return _error("Unknown integration or wrong secret.", 404)
    if len(raw) > MAX_BODY:
        return _error(f"Body larger than {MAX_BODY} bytes.", 413)
    webhook_id = ""
    if sender.signing_secret:
        signature = {name: headers.get(name, "") for name in SIGNATURE_HEADERS}
        try:
            Webhook(sender.signing_secret).verify(raw, signature, json_parse=False)
        except (WebhookVerificationError, ValueError, UnicodeDecodeError) as exc:
            return _error(f"Signature refused: {exc}", 401)
        webhook_id = signature["webhook-id"]
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(f"Body is not valid JSON: {exc}", 400)
    if not isinstance(payload, dict):
        return _error('Body must be a JSON object like {"_model": …, "_id": …}.', 400)

    event_id = _store(sender, payload, raw, webhook_id)
    if event_id is None:
        return Answer(200, {"status": "duplicate"})
    return Answer(202, {"status": "accepted", "event": event_id})


@csrf_exempt  # the only CSRF-exempt view: senders authenticate by URL secret or signature
@require_POST
def receive(request: HttpRequest, slug: str, secret: str) -> JsonResponse:
    """The intake through Django's full stack (runserver, the test client, the demo)."""
    headers = {name: request.headers.get(name, "") for name in SIGNATURE_HEADERS}
    answer = intake(slug, secret, request.body, headers)
    response = JsonResponse(answer.body, status=answer.status)
    for name, value in answer.headers:
        response[name] = value
    return response


def reconnecting(function: Callable[..., T], *args: Any) -> T:
    """Run `function`; if the database connection proved dead, once more on a new one.

    The intake's WSGI app skips Django's per-request health check, so a connection that
    the server dropped while idle is first noticed here. Both statements of the intake
    are safe to repeat: a read, and an insert that a repeat cannot duplicate (at worst
    the retry answers "duplicate" for an event the lost connection had committed).
    Inside a transaction nothing is retried.
    """
    try:
        return function(*args)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block or connection.is_usable():
            raise
        logger.warning("Database connection lost; webhook intake reconnects", exc_info=True)
        connection.close()
        return function(*args)


def cached_sender(slug: str) -> Sender | None:
    """The active integration of `slug`, read from the database at most every few seconds.

    Only integrations that exist are kept, so guessed slugs cannot grow the cache.
    """
    now = time.monotonic()
    hit = _senders.get(slug)
    if hit is not None and now - hit[0] < INTEGRATION_TTL:
        return hit[1]
    row = (
        WebhookIntegration.objects.filter(slug=slug, active=True)
        .values_list("pk", "secret", "signing_secret")
        .first()
    )
    if row is None:
        _senders.pop(slug, None)
        return None
    sender = Sender(row[0], row[1].encode(), row[2])
    _senders[slug] = (now, sender)
    return sender


def forget_sender(slug: str) -> None:
    """Drop one cached integration at once (this process; the others within the TTL)."""
    _senders.pop(slug, None)


def forget_changed_senders(**kwargs: Any) -> None:
    """post_save / post_delete of an integration: this process re-reads all of them."""
    _senders.clear()


def dedupe_key(payload: dict[str, Any], raw: bytes, webhook_id: str) -> str:
    """webhook-id when signed; else model+id+write_date; else a hash of the body."""
    if webhook_id:
        return f"id:{webhook_id}"[:200]
    if payload.get("_model") and payload.get("_id") and payload.get("write_date"):
        return f"rec:{payload['_model']}:{payload['_id']}:{payload['write_date']}"[:200]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _store(sender: Any, payload: dict[str, Any], raw: bytes, webhook_id: str) -> int | None:
    """Insert the event unless its dedupe key is known; the new id, or None for a repeat.

    Concurrent requests of this process share one INSERT and one commit (GROUP); inside
    a transaction the event is written alone, so it commits or rolls back with it.
    """
    odoo_id = payload.get("_id", payload.get("id"))
    event = InboundEvent(
        integration_id=sender.pk,
        dedupe_key=dedupe_key(payload, raw, webhook_id),
        model=str(payload.get("_model") or "")[:64],
        odoo_id=_odoo_id(odoo_id),
        action=str(payload.get("_action") or "")[:200],
        write_date=str(payload.get("write_date") or "")[:32],
        payload=payload,
    )
    if connection.in_atomic_block:
        outcome = _insert_events([event])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        event_id = outcome
    else:
        event_id = GROUP.submit(event)
    if event_id is not None and time.monotonic() - _last_wake >= WAKE_INTERVAL:
        transaction.on_commit(partial(_wake, event_id))
    return event_id


def _odoo_id(value: Any) -> int | None:
    """A record id as Odoo stores it (int4); anything else leaves the event without one."""
    if isinstance(value, (int, str)) and str(value).isdigit() and 0 < int(value) < 2**31:
        return int(value)
    return None


def _insert_events(events: list[InboundEvent]) -> list[int | BaseException | None]:
    """Store a batch; per event its new id, None for a repeat, or the error that refused it.

    When the database refuses the batch for one event's values, each event is tried
    alone, so only that one fails. A lost connection is retried once (`reconnecting`).
    """
    try:
        return list(reconnecting(_insert_rows, events))
    except (DataError, IntegrityError):
        if len(events) == 1:
            raise
    outcomes: list[int | BaseException | None] = []
    for event in events:
        try:
            outcomes.extend(reconnecting(_insert_rows, [event]))
        except (DataError, IntegrityError) as exc:
            outcomes.append(exc)
    return outcomes


def _insert_rows(events: list[InboundEvent]) -> list[int | None]:
    """One `INSERT … ON CONFLICT DO NOTHING RETURNING` for all events (PostgreSQL, SQLite ≥ 3.35).

    A repeat, of a stored event or of one earlier in the batch, costs no exception and no
    savepoint; bulk_create with ignore_conflicts cannot say which rows were new. Rows go
    in key order: two processes' batches can hold the same new keys (a sender's repeat on
    another connection), and each would wait on the other's uncommitted keys if they
    inserted them in different orders.
    """
    meta = InboundEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # Names come from the model's own metadata; values go as parameters.
    table, pk = quote(meta.db_table), quote(meta.pk.column or "id")
    columns = ", ".join(quote(f.column or f.name) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(events))}"  # noqa: S608
    sql += (
        f" ON CONFLICT DO NOTHING RETURNING {pk}, {quote('integration_id')}, {quote('dedupe_key')}"
    )
    ordered = sorted(events, key=lambda e: (e.integration_id, e.dedupe_key))
    params = [
        f.get_db_prep_save(f.pre_save(event, True), connection) for event in ordered for f in fields
    ]
    stored = {(integration, key): int(pk) for pk, integration, key in _fetch_all(sql, params)}
    # The first event of a key in the batch is the one stored; later ones are repeats.
    return [stored.pop((e.integration_id, e.dedupe_key), None) for e in events]


def _fetch_all(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one statement and return its rows; on PostgreSQL with server-side binding.

    Django's psycopg cursors quote every parameter into the SQL text in Python; for the
    intake's batches that was a sixth of its CPU. A plain psycopg cursor on the same
    connection (same transaction, errors mapped by Django) sends them apart instead.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    connection.close_if_health_check_failed()  # as connection.cursor() does
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


GROUP: GroupCommit[InboundEvent, int | None] = GroupCommit(_insert_events)


def _wake(event_id: int) -> None:
    """After commit: send a wake-up unless this process sent one less than WAKE_INTERVAL ago."""
    global _last_wake
    now = time.monotonic()
    if not _wake_lock.acquire(blocking=False):
        return  # another thread of this process is sending one right now
    try:
        if now - _last_wake < WAKE_INTERVAL:
            return
        _last_wake = now
    finally:
        _wake_lock.release()
    try:
        _enqueue(event_id)
    except Exception:  # the event is committed; the beat sweep applies it
        logger.warning("Could not wake the worker for inbound event %s", event_id, exc_info=True)


def _enqueue(event_id: int) -> None:
    from portal.odoo.tasks import process_inbound_event

    process_inbound_event.delay(event_id, sent_at=time.time())


# -- the worker side ------------------------------------------------------------------------

# Wall-clock start of the last complete drain in this worker process: a wake-up sent
# before it (plus WAKE_INTERVAL for the events it stood for, plus clock slack) is covered.
_drained_from = 0.0
CLOCK_SLACK = 0.5


def process_after_wake(sent_at: float | None) -> int:
    """Apply every pending event, including the ones whose wake-up was skipped.

    A skipped wake-up stands for events committed less than WAKE_INTERVAL after `sent_at`,
    so the last drain must start after that; queued wake-ups already covered return at once.
    """
    global _drained_from
    deadline = (sent_at or time.time()) + WAKE_INTERVAL + CLOCK_SLACK
    if _drained_from >= deadline:
        return 0
    total = 0
    while True:
        started = time.time()
        total += process_pending()
        if started >= deadline:
            _drained_from = max(_drained_from, started)
            return total
        time.sleep(max(0.0, deadline - time.time()))


def process_pending(batch: int = BATCH) -> int:
    """Apply pending events in id order, a batch at a time; returns how many were handled.

    Raises OdooError when Odoo fails; the events of that batch stay pending.
    """
    done, after = 0, 0
    while True:
        events = list(
            InboundEvent.objects.filter(status=InboundStatus.PENDING, pk__gt=after).order_by("pk")[
                :batch
            ]
        )
        if not events:
            return done
        after = events[-1].pk
        _apply_batch(events)
        done += len(events)


def process_event(event_id: int) -> str:
    """Apply one stored event once; safe to run twice. Returns the event's status.

    Odoo is read outside any transaction, so a slow Odoo never holds a lock that the
    intake needs; two runs of the same event both re-read, which is harmless.
    """
    event = InboundEvent.objects.filter(pk=event_id).first()
    if event is None or event.status != InboundStatus.PENDING:
        return event.status if event else "missing"
    _apply_batch([event])
    return str(InboundEvent.objects.values_list("status", flat=True).get(pk=event_id))


def _apply_batch(events: list[InboundEvent]) -> None:
    """Decide each event, then re-read each named record from Odoo once per batch."""
    decided: dict[tuple[str, str], list[int]] = defaultdict(list)
    to_refresh: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    echoes = _echo_marks(events)
    stored = _mirror_write_dates(events)
    for event in events:
        status, note = _decide(event, echoes, stored)
        if status == InboundStatus.PENDING:
            to_refresh[event.model][int(event.odoo_id or 0)].append(event.pk)
        else:
            decided[(status, note)].append(event.pk)
    for (status, note), ids in decided.items():
        _finish(ids, status, note)
    for model, by_record in to_refresh.items():
        ids = [pk for pks in by_record.values() for pk in pks]
        try:
            refresh_records(model, list(by_record))
        except KeyError as exc:
            _finish(ids, InboundStatus.FAILED, f"Not a mirrored model: {exc}")
            continue
        _finish(ids, InboundStatus.APPLIED, "")


def _finish(ids: list[int], status: str, note: str) -> None:
    InboundEvent.objects.filter(pk__in=ids, status=InboundStatus.PENDING).update(
        status=status, note=note, processed_at=timezone.now()
    )


def _echo_marks(events: list[InboundEvent]) -> set[tuple[str, int, str]]:
    marked = [e for e in events if e.write_date and e.model and e.odoo_id]
    if not marked:
        return set()
    rows = EchoMark.objects.filter(
        model__in={e.model for e in marked},
        res_id__in={e.odoo_id for e in marked},
        write_date__in={e.write_date for e in marked},
    ).values_list("model", "res_id", "write_date")
    return set(rows)


def _mirror_write_dates(events: list[InboundEvent]) -> dict[tuple[str, int], Any]:
    from portal.odoo.mirror import BY_KEY

    ids: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.model in BY_KEY and event.odoo_id:
            ids[event.model].add(event.odoo_id)
    found: dict[tuple[str, int], Any] = {}
    for model, odoo_ids in ids.items():
        rows = BY_KEY[model].model.objects.filter(pk__in=odoo_ids).values_list("pk", "write_date")
        found.update({(model, pk): stamp for pk, stamp in rows})
    return found


def _decide(
    event: InboundEvent,
    echoes: set[tuple[str, int, str]],
    stored_dates: dict[tuple[str, int], Any],
) -> tuple[str, str]:
    if not event.model or not event.odoo_id:
        return InboundStatus.FAILED, "The payload names no _model and _id."
    if event.write_date and (event.model, event.odoo_id, event.write_date) in echoes:
        return InboundStatus.ECHO, "The portal made this change itself."
    stored = stored_dates.get((event.model, event.odoo_id))
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


def refresh_record(model: str, odoo_id: int) -> bool:
    """Re-read one record from Odoo into the mirror; False when Odoo no longer has it.

    Raises KeyError for a model the mirror does not hold, OdooError when Odoo fails.
    """
    return odoo_id in refresh_records(model, [odoo_id])


def refresh_records(model: str, odoo_ids: list[int]) -> set[int]:
    """Re-read records from Odoo into the mirror in one call; returns the ids Odoo still has.

    The ones it no longer has are marked deleted. Raises KeyError for a model the mirror
    does not hold, OdooError when Odoo fails.
    """
    from portal.odoo.connection import get_client
    from portal.odoo.mirror import spec_for
    from portal.odoo.sync import (
        BASE_FIELDS,
        CONTEXT,
        RunContext,
        SyncResult,
        apply_page,
        load_currencies,
    )

    spec = spec_for(model)
    client = get_client()
    fmap = client.fields(spec.key)
    fields = list(BASE_FIELDS) + (["active"] if fmap.has("active") else []) + list(spec.fields)
    domain = [["id", "in", list(odoo_ids)], *[list(leaf) for leaf in spec.domain]]
    rows = client.search_read(spec.key, domain, fields, context=CONTEXT)
    found = {int(row["id"]) for row in rows}
    gone = set(odoo_ids) - found
    if gone:
        spec.model.objects.filter(pk__in=gone).update(deleted_in_odoo=True)
    if rows:
        context = RunContext(client)
        load_currencies(context)
        apply_page(spec, context, SyncResult(spec.key), fmap.info, rows)
    return found


# -- what operators paste into Odoo --------------------------------------------------------


def endpoint_url(integration: WebhookIntegration) -> str:
    from django.conf import settings
    from django.urls import reverse

    path = reverse("odoo:webhook", args=[integration.slug, integration.secret])
    return f"{settings.PORTAL_BASE_URL}{path}"


def rotate_secret(integration_id: int, *, actor: Any) -> WebhookIntegration:
    """New URL secret; the old URL stops working within INTEGRATION_TTL seconds.

    At once in this process; the other web processes re-read the row within seconds.
    """
    from portal.core import audit
    from portal.odoo.models_outbox import new_url_secret

    with transaction.atomic():
        integration = WebhookIntegration.objects.select_for_update().get(pk=integration_id)
        integration.secret = new_url_secret()
        integration.save(update_fields=["secret"])
        audit.record("odoo.webhook.secret_rotated", actor=actor, obj=integration, data={})
    forget_sender(integration.slug)
    return integration


def ensure_default_integration() -> WebhookIntegration:
    """The integration an Odoo automation rule posts to (created on first use)."""
    integration, _ = WebhookIntegration.objects.get_or_create(
        slug="odoo", defaults={"name": "Odoo automation rules"}
    )
    return integration
