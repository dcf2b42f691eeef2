"""The outbox worker: claim due rows, call Odoo outside the claim, record what happened.

One pass (`deliver_due`) is three short steps. Claim: in one transaction, lease up to
BATCH rows (`select_for_update(skip_locked=True)` on PostgreSQL; on SQLite the immediate
transaction serialises claimers) and write an attempt row marked "started". Call: with
no transaction open, check in-doubt rows for an effect that already happened, then apply
the rest, batched where the kind allows. Record: per row, in its own transaction, only if
this worker still holds the lease.

Outcomes (asserted by tests): delivered, already_done, retry, dead, paused, interrupted.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.odoo import kinds
from portal.odoo.backoff import GAVE_UP_MESSAGE, next_delay
from portal.odoo.client import (
    OdooClient,
    OdooCredentialsError,
    OdooError,
    OdooRejected,
    OdooSessionExpired,
    OdooUnavailable,
)
from portal.odoo.kinds import Job, NotSure
from portal.odoo.models_outbox import (
    EchoMark,
    OutboxAttempt,
    OutboxControl,
    OutboxMessage,
    OutboxStatus,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 200
# Odoo exception names that mean "try again" even though they come back as an error
# envelope: a serialization conflict or a lock held by another transaction.
RETRYABLE_NAMES = ("SerializationFailure", "TransactionRollbackError", "LockNotAvailable")


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "ODOO_OUTBOX_LEASE_SECONDS", 300)))


@dataclass
class Outcome:
    status: str  # delivered, already_done, retry, dead, paused
    result: Any = None
    error_class: str = ""
    error_message: str = ""


class QueuePaused(Exception):
    """Odoo refused the credentials twice: stop, keep every row, tell the operators."""

    def __init__(self, error: OdooError) -> None:
        super().__init__(error.message)
        self.error = error


# -- entry points -------------------------------------------------------------------------


def drain(
    *, include_waiting: bool = False, progress: Callable[[dict[str, int]], None] | None = None
) -> int:
    """Deliver every due row (also those waiting for their backoff when asked); return how
    many rows were handled. Stops early when the queue is paused."""
    if include_waiting:
        OutboxMessage.objects.pending().update(next_attempt_at=timezone.now())
    handled = 0
    totals: dict[str, int] = {}
    while not OutboxControl.get().paused:
        outcomes = deliver_due()
        if not outcomes:
            break
        handled += len(outcomes)
        for outcome in outcomes.values():
            totals[outcome.status] = totals.get(outcome.status, 0) + 1
        if progress:
            progress(dict(totals))
        if all(o.status in ("retry", "paused") for o in outcomes.values()):
            break  # Odoo is away: the backoff decides when to come back
    return handled


def deliver_due(batch: int = BATCH) -> dict[int, Outcome]:
    """One claim-call-record pass over at most `batch` due rows."""
    token = secrets.token_hex(8)
    jobs = claim(token, batch)
    if not jobs:
        return {}
    outcomes = call_odoo(jobs)
    record(token, jobs, outcomes)
    return outcomes


# -- claim --------------------------------------------------------------------------------


def claim(token: str, batch: int) -> list[Job]:
    """Lease due rows to this worker; one started attempt row per claimed row."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.claimable(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")[:batch]
        )
        if not rows:
            return []
        ids = [r.pk for r in rows]
        # A "started" attempt left behind means a worker died holding the lease.
        OutboxAttempt.objects.filter(message_id__in=ids, outcome="started").update(
            outcome="interrupted",
            error_message="The worker stopped before recording an outcome; the lease ran out.",
        )
        doubtful = set(
            OutboxAttempt.objects.filter(
                message_id__in=ids, outcome__in=("interrupted", "retry")
            ).values_list("message_id", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(
            claimed_until=now + lease(), claim_token=token, attempts=F("attempts") + 1
        )
        jobs = []
        attempts = []
        for row in rows:
            job = Job(row.pk, row.key, row.kind, row.payload, row.pk in doubtful, row.result)
            try:
                job.odoo_model, job.odoo_method = kinds.get_kind(row.kind).target(row.payload)
            except (OdooRejected, KeyError, TypeError):
                job.odoo_model, job.odoo_method = row.odoo_model, ""
            jobs.append(job)
            attempts.append(
                OutboxAttempt(
                    message=row,
                    started_at=now,
                    outcome="started",
                    odoo_model=job.odoo_model[:64],
                    odoo_method=job.odoo_method[:64],
                )
            )
        OutboxAttempt.objects.bulk_create(attempts)
    return jobs


# -- call ---------------------------------------------------------------------------------


class _Session:
    """The client for one pass, with the re-login rules of DESIGN §5.4."""

    def __init__(self) -> None:
        self.client: OdooClient | None = None
        self.relogged = False

    def run(self, fn: Callable[[OdooClient], T]) -> T:
        from portal.odoo.connection import get_client, reset_client

        try:
            if self.client is None:
                self.client = self._login(get_client)
            return fn(self.client)
        except OdooSessionExpired:
            # The transport already re-logs in once; this covers a session lost between
            # passes. One fresh login, then the call once more; a second expiry retries.
            reset_client()
            self.client = self._login(get_client)
            return fn(self.client)
        except OdooCredentialsError as exc:
            if self.relogged:
                raise QueuePaused(exc) from exc
            # A key rotated while the worker held a session: one fresh login decides.
            self.relogged = True
            reset_client()
            self.client = self._login(get_client)
            try:
                return fn(self.client)
            except OdooCredentialsError as again:
                raise QueuePaused(again) from again

    def _login(self, get_client: Callable[[], object]) -> OdooClient:
        try:
            # MappedClient's url/version are read-only properties; the Protocol says
            # attributes, so mypy needs telling that it is an OdooClient.
            return cast(OdooClient, get_client())
        except OdooCredentialsError as exc:
            raise QueuePaused(exc) from exc


def classify(exc: BaseException) -> Outcome:
    """Turn an error into the row's next state (DESIGN §5.4)."""
    name = getattr(exc, "name", "") or type(exc).__name__
    message = getattr(exc, "message", "") or str(exc)
    if isinstance(exc, NotSure):
        return Outcome("dead", error_class="portal.OutcomeUnknown", error_message=message)
    if isinstance(exc, OdooRejected):
        if any(n in name for n in RETRYABLE_NAMES):
            return Outcome("retry", error_class=name, error_message=message)
        return Outcome("dead", error_class=name, error_message=message)
    if isinstance(exc, OdooUnavailable):
        return Outcome("retry", error_class=name or "OdooUnavailable", error_message=message)
    if isinstance(exc, (KeyError, TypeError, ValueError)):
        # A payload that does not have the kind's shape will never deliver.
        return Outcome("dead", error_class=type(exc).__name__, error_message=f"Bad payload: {exc}")
    return Outcome("retry", error_class=type(exc).__name__, error_message=str(exc))


def call_odoo(jobs: list[Job]) -> dict[int, Outcome]:
    """Apply each job's effect once; a pause leaves every unfinished job paused."""
    session = _Session()
    outcomes: dict[int, Outcome] = {}
    try:
        todo = _settle_doubts(session, jobs, outcomes)
        for group in _groups(todo):
            _apply_group(session, group, outcomes)
        _remember_echoes(
            session,
            [
                j
                for j in jobs
                if outcomes.get(j.id, Outcome("")).status in ("delivered", "already_done")
            ],
        )
    except QueuePaused as paused:
        for job in jobs:
            if job.id not in outcomes:
                outcomes[job.id] = Outcome(
                    "paused", error_class="OdooCredentialsError", error_message=paused.error.message
                )
        pause_queue(paused.error.message)
    return outcomes


def _settle_doubts(session: _Session, jobs: list[Job], outcomes: dict[int, Outcome]) -> list[Job]:
    """Rows an earlier try may have applied: look for the effect before doing it again."""
    todo = []
    for job in jobs:
        try:
            kind = kinds.get_kind(job.kind)
            if job.in_doubt and not kind.idempotent and kind.find_existing:
                find = kind.find_existing
                found = session.run(lambda c, find=find, job=job: find(c, job))  # type: ignore[misc]
                if found is not None:
                    outcomes[job.id] = Outcome("already_done", result=found)
                    continue
        except QueuePaused:
            raise
        except Exception as exc:  # noqa: BLE001 - classified, logged below
            outcomes[job.id] = _failed(job, exc)
            continue
        todo.append(job)
    return todo


def _groups(jobs: list[Job]) -> Iterable[list[Job]]:
    grouped: dict[Any, list[Job]] = {}
    for job in jobs:
        kind = kinds.KINDS[job.kind]
        key = kind.group_key(job) if kind.group_key and kind.apply_many else None
        grouped.setdefault((job.kind, key) if key is not None else ("single", job.id), []).append(
            job
        )
    return grouped.values()


def _apply_group(session: _Session, group: list[Job], outcomes: dict[int, Outcome]) -> None:
    kind = kinds.KINDS[group[0].kind]
    if len(group) > 1 and kind.apply_many:
        many = kind.apply_many
        try:
            results = session.run(lambda c: many(c, group))
        except OdooRejected as exc:
            # One bad record must not block the others: split and try each alone.
            logger.info("Batch of %s %s rejected (%s); splitting", len(group), kind.name, exc)
        except QueuePaused:
            raise
        except Exception as exc:  # noqa: BLE001 - classified, logged in _failed
            for job in group:
                outcomes[job.id] = _failed(job, exc)
            return
        else:
            for job, result in zip(group, results, strict=True):
                outcomes[job.id] = Outcome("delivered", result=result)
            return
    for job in group:
        try:
            result = session.run(lambda c, job=job: kind.apply_one(c, job))  # type: ignore[misc]
        except QueuePaused:
            raise
        except Exception as exc:  # noqa: BLE001 - classified, logged in _failed
            outcomes[job.id] = _failed(job, exc)
        else:
            outcomes[job.id] = Outcome("delivered", result=result)


def _failed(job: Job, exc: BaseException) -> Outcome:
    outcome = classify(exc)
    log = logger.warning if outcome.status == "retry" else logger.error
    if not isinstance(exc, (OdooError, NotSure, KeyError, TypeError, ValueError)):
        logger.exception("Unexpected error delivering outbox row %s", job.id)
    log(
        "Outbox row %s (%s) %s: %s %s",
        job.id,
        job.kind,
        outcome.status,
        outcome.error_class,
        outcome.error_message,
        extra={"outbox_id": job.id},
    )
    return outcome


def _remember_echoes(session: _Session, jobs: list[Job]) -> None:
    """Note the write_date of every record the portal changed, so its webhook echo is
    recognised. One read per model; failing to read only costs a harmless re-read later."""
    by_model: dict[str, dict[int, int]] = {}
    for job in jobs:
        for model, res_id in job.touched:
            by_model.setdefault(model, {})[res_id] = job.id
    marks = []
    for model, owners in by_model.items():
        try:
            rows = session.run(lambda c, m=model, o=owners: c.read(m, list(o), ["write_date"]))  # type: ignore[misc]
        except OdooError as exc:
            logger.warning("Could not read write_date of %s after delivery: %s", model, exc)
            continue
        for row in rows:
            if row.get("write_date"):
                marks.append(
                    EchoMark(
                        model=model,
                        res_id=row["id"],
                        write_date=str(row["write_date"])[:32],
                        message_id=owners.get(row["id"]),
                    )
                )
    EchoMark.objects.bulk_create(marks)


def remember_result(job: Job) -> None:
    """Persist a partial result before a risky call (the invoice wizard's before-list)."""
    OutboxMessage.objects.filter(pk=job.id).update(result=job.result)


# -- record -------------------------------------------------------------------------------


def record(token: str, jobs: list[Job], outcomes: dict[int, Outcome]) -> None:
    from portal.odoo.outbox import run_delivered_callbacks

    now = timezone.now()
    soonest: timedelta | None = None
    for job in jobs:
        outcome = outcomes.get(job.id) or Outcome("retry", error_message="No outcome recorded")
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update()
                .filter(pk=job.id, claim_token=token)
                .first()
            )
            attempt = (
                OutboxAttempt.objects.filter(message_id=job.id, outcome="started")
                .order_by("-pk")
                .first()
            )
            if attempt is not None:
                attempt.outcome = outcome.status
                attempt.duration_ms = int((now - attempt.started_at).total_seconds() * 1000)
                attempt.error_class = outcome.error_class[:120]
                attempt.error_message = outcome.error_message
                attempt.save()
            if message is None:
                logger.warning("Outbox row %s was re-claimed after our lease ran out", job.id)
                continue
            delay = _apply_outcome(message, outcome, now)
            if delay is not None and (soonest is None or delay < soonest):
                soonest = delay
            if outcome.status in ("delivered", "already_done"):
                run_delivered_callbacks(message)
    if soonest is not None:
        wake_worker(soonest.total_seconds() + 0.5)


def _apply_outcome(message: OutboxMessage, outcome: Outcome, now: Any) -> timedelta | None:
    from portal.core import audit

    message.claimed_until = None
    message.claim_token = ""
    delay: timedelta | None = None
    if outcome.status in ("delivered", "already_done"):
        message.status = OutboxStatus.DONE
        message.delivered_at = now
        message.result = outcome.result
        message.last_error = message.last_error_class = ""
    elif outcome.status == "paused":
        # Nothing was applied; the try does not count toward the backoff.
        message.attempts = max(0, message.attempts - 1)
        message.next_attempt_at = now
        message.last_error_class = outcome.error_class[:120]
        message.last_error = outcome.error_message
    elif outcome.status == "retry":
        message.last_error_class = outcome.error_class[:120]
        message.last_error = outcome.error_message
        delay = next_delay(message.attempts)
        if delay is None:
            outcome.status = "dead"
            outcome.error_message = GAVE_UP_MESSAGE.format(error=outcome.error_message)
        else:
            message.next_attempt_at = now + delay
    if outcome.status == "dead":
        message.status = OutboxStatus.DEAD
        message.last_error_class = outcome.error_class[:120]
        message.last_error = outcome.error_message
        audit.record(
            "odoo.outbox.dead_lettered",
            obj=message,
            data={"kind": message.kind, "error": message.last_error_class},
        )
    message.save()
    return delay


def wake_worker(countdown: float = 0) -> None:
    """Ask a worker to run a pass, after the current transaction commits."""

    def send() -> None:
        from portal.odoo.tasks import deliver_outbox

        if countdown > 0:
            deliver_outbox.apply_async(countdown=countdown)
        else:
            deliver_outbox.delay()

    transaction.on_commit(send)


# -- pausing ------------------------------------------------------------------------------


def pause_queue(reason: str) -> None:
    """Stop delivering until an operator resumes; alert operators once."""
    from portal.core import audit

    with transaction.atomic():
        control, _ = OutboxControl.objects.select_for_update().get_or_create(pk=1)
        if control.paused:
            return
        control.paused = True
        control.paused_at = timezone.now()
        control.reason = reason
        control.save()
        audit.record("odoo.outbox.paused", obj=control, data={"reason": reason})
        transaction.on_commit(lambda: _alert_operators(reason))
    logger.error("Outbox paused: Odoo refused the credentials (%s)", reason)


def _alert_operators(reason: str) -> None:
    from django.core.mail import send_mail

    from portal.core.access import users_with_role

    recipients = [u.email for u in users_with_role("operator", None)]
    if not recipients:
        logger.warning("Outbox paused and no operator to alert")
        return
    try:
        send_mail(
            "Odoo delivery paused: credentials refused",
            "Odoo refused the portal's credentials twice, so delivery to Odoo is paused.\n"
            f"Odoo said: {reason}\n\nNothing is lost: every decision waits in the outbox.\n"
            "Fix ODOO_USER / ODOO_PASSWORD (or the API key), then press Resume on "
            f"{settings.PORTAL_BASE_URL}/odoo/ops/",
            None,
            recipients,
        )
    except OSError:
        logger.exception("Could not email operators about the paused outbox")
