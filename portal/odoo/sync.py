"""Incremental sync of the read mirror from Odoo (DESIGN §5.3, cases.md C01).

Per model, each run:
1. re-lists the ten minutes before the watermark (`id`, `write_date` only) and reads the
   records the mirror lacks or holds with another stamp: Odoo stamps `write_date` with the
   time its transaction *started*, so a record committed after the last run can carry
   an older stamp than the watermark;
2. reads everything after the watermark in pages of 500, ordered by (`write_date`, `id`)
   with a keyset domain, so paging stays stable while Odoo changes;
3. compares Odoo's record count with the mirror's, and only when they differ lists
   Odoo's ids to mark the missing ones `deleted_in_odoo`.
Archived records are included (`active_test: False`). Rows are upserted in bulk, so
applying a page twice changes nothing. A malformed record becomes a SyncIssue and the
rest goes on. Session expiry is handled by the transport (one re-login, the page retried
once); wrong credentials stop the run at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from portal.odoo import links
from portal.odoo.client import OdooCredentialsError, OdooError, OdooUnavailable, Record
from portal.odoo.mirror import SPECS, MirrorSpec, Row, spec_for
from portal.odoo.models import MirrorModel, SyncIssue, SyncState, Task, WorkCalendar
from portal.odoo.values import MalformedValue, odoo_datetime, parse_datetime, to_python
from portal.odoo.versions import FieldInfo, MappedClient

logger = logging.getLogger(__name__)

PAGE_SIZE = 500
LIST_PAGE_SIZE = 5000  # pages of (id, write_date) pairs only
LATE_COMMIT_WINDOW = dt.timedelta(minutes=10)
ORDER = "write_date asc, id asc"
CONTEXT: Record = {"active_test": False}
BASE_FIELDS = ("display_name", "write_date")

Progress = Callable[[str], None]


@dataclass
class SyncResult:
    model: str
    status: str = "ok"  # ok, failed
    changed: int = 0
    deleted: int = 0
    issues: int = 0
    calls: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass
class RunContext:
    client: MappedClient
    currencies: dict[int, tuple[str, int]] = field(default_factory=dict)
    progress: Progress | None = None

    def decimals(self, currency: Any) -> int:
        cid = currency[0] if isinstance(currency, list) and currency else currency
        found = self.currencies.get(cid) if isinstance(cid, int) else None
        return found[1] if found else 2

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)


def sync_all(
    client: MappedClient | None = None,
    *,
    full: bool = False,
    models_to_sync: list[str] | None = None,
    progress: Progress | None = None,
    on_result: Callable[[SyncResult], None] | None = None,
) -> list[SyncResult]:
    """Sync every mirrored model (or the named ones) in dependency order.

    Credentials refused or Odoo unreachable stop the run at once (no retry loop against an
    integration account); a model Odoo rejects (say, no access to invoices) is marked
    failed and the others go on.
    """
    if client is None:
        from portal.odoo.connection import get_client

        try:
            client = get_client()
        except OdooError as exc:
            SyncState.objects.update(
                last_status="failed", last_error=exc.message, last_finished_at=timezone.now()
            )
            raise
    specs = [spec_for(name) for name in models_to_sync] if models_to_sync else list(SPECS)
    context = RunContext(client, progress=progress)
    load_currencies(context)
    results = []
    for spec in specs:
        result = sync_model(client, spec.key, full=full, context=context)
        results.append(result)
        if on_result is not None:
            on_result(result)
        if result.status != "ok" and result.error.startswith(("credentials:", "unavailable:")):
            break
    return results


def sync_model(
    client: MappedClient,
    model_key: str,
    *,
    full: bool = False,
    context: RunContext | None = None,
) -> SyncResult:
    """Bring one model's mirror up to date; never raises for Odoo errors (see the result)."""
    spec = spec_for(model_key)
    context = context or RunContext(client)
    if not context.currencies:
        load_currencies(context)
    result = SyncResult(spec.key)
    started = time.perf_counter()
    calls_before = client.calls
    state, _ = SyncState.objects.get_or_create(model=spec.key)
    state.last_started_at = timezone.now()
    state.last_status = "running"
    state.save(update_fields=["last_started_at", "last_status"])

    try:
        _run(spec, state, context, result, full=full)
    except OdooCredentialsError as exc:
        result.status, result.error = "failed", f"credentials: {exc.message}"
    except OdooUnavailable as exc:
        result.status, result.error = "failed", f"unavailable: {exc.message}"
    except OdooError as exc:
        result.status, result.error = "failed", f"rejected: {exc.name} {exc.message}".strip()

    result.calls = client.calls - calls_before
    result.seconds = time.perf_counter() - started
    state.refresh_from_db(fields=["watermark", "watermark_id"])
    state.last_finished_at = timezone.now()
    state.last_status = result.status
    state.last_error = result.error
    state.last_changed = result.changed
    state.last_calls = result.calls
    state.record_count = spec.model.objects.live().count()
    state.save()
    if result.status == "ok":
        logger.info(
            "Synced %s: %s changed, %s deleted, %s issues, %s calls",
            spec.key, result.changed, result.deleted, result.issues, result.calls,
        )  # fmt: skip
    else:
        logger.warning("Sync of %s failed: %s", spec.key, result.error)
    return result


def _run(
    spec: MirrorSpec, state: SyncState, ctx: RunContext, result: SyncResult, *, full: bool
) -> None:
    client = ctx.client
    fmap = client.fields(spec.key)
    info = fmap.info
    fields = list(BASE_FIELDS) + (["active"] if fmap.has("active") else []) + list(spec.fields)
    base = [list(leaf) for leaf in spec.domain]
    watermark = None if full else state.watermark
    watermark_id = 0 if full else state.watermark_id

    if watermark is not None:
        _late_commits(spec, ctx, result, info, fields, base, watermark, watermark_id)

    for page in _pages(client, spec.key, base, fields, watermark, watermark_id, PAGE_SIZE):
        apply_page(spec, ctx, result, info, page)
        last = page[-1]
        state.watermark = parse_datetime(last["write_date"])
        state.watermark_id = int(last["id"])
        state.save(update_fields=["watermark", "watermark_id"])
        ctx.say(f"{spec.key}: {result.changed:,} records")
    if state.watermark_id:
        # Stamps are to the second: a record may change again within the second of the
        # newest stamp read, keeping the same stamp. Re-read that second next run.
        state.watermark_id = 0
        state.save(update_fields=["watermark_id"])

    _deletions(spec, ctx, result, base, force=full)
    if spec.after == "link_users":
        links.link_portal_users()


def _pages(
    client: MappedClient,
    model: str,
    base: list[Any],
    fields: list[str],
    after: dt.datetime | None,
    after_id: int,
    size: int,
) -> Iterator[list[Record]]:
    """Pages after (after, after_id) in (write_date, id) order, by keyset, not offset."""
    while True:
        domain = list(base)
        if after is not None:
            stamp = odoo_datetime(after)
            domain += ["|", ["write_date", ">", stamp],
                       "&", ["write_date", "=", stamp], ["id", ">", after_id]]  # fmt: skip
        page = client.search_read(model, domain, fields, limit=size, order=ORDER, context=CONTEXT)
        if not page:
            return
        yield page
        if len(page) < size:
            return
        after = parse_datetime(page[-1]["write_date"])
        after_id = int(page[-1]["id"])


def _late_commits(
    spec: MirrorSpec,
    ctx: RunContext,
    result: SyncResult,
    info: dict[str, FieldInfo],
    fields: list[str],
    base: list[Any],
    watermark: dt.datetime,
    watermark_id: int,
) -> None:
    """Re-list the window before the watermark; read what the mirror lacks or holds older."""
    low = watermark - LATE_COMMIT_WINDOW
    domain = [
        *base,
        ["write_date", ">=", odoo_datetime(low)],
        ["write_date", "<=", odoo_datetime(watermark)],
    ]
    for page in _pages(ctx.client, spec.key, domain, ["write_date"], None, 0, LIST_PAGE_SIZE):
        listed = {
            int(r["id"]): parse_datetime(r["write_date"])
            for r in page
            if (parse_datetime(r["write_date"]), int(r["id"])) <= (watermark, watermark_id)
        }
        known = dict(
            spec.model.objects.filter(id__in=listed, deleted_in_odoo=False).values_list(
                "id", "write_date"
            )
        )
        stale = sorted(i for i, stamp in listed.items() if known.get(i, ...) != stamp)
        for start_at in range(0, len(stale), PAGE_SIZE):
            ids = stale[start_at : start_at + PAGE_SIZE]
            rows = ctx.client.read(spec.key, ids, fields, context=CONTEXT)
            apply_page(spec, ctx, result, info, rows)


def apply_page(
    spec: MirrorSpec,
    ctx: RunContext,
    result: SyncResult,
    info: dict[str, FieldInfo],
    page: list[Record],
) -> None:
    """Upsert one page of raw Odoo rows; malformed ones become SyncIssues."""
    good: list[tuple[Row, MirrorModel]] = []
    problems: list[tuple[int | None, str]] = []
    for raw in page:
        try:
            row = typed_row(raw, info, ctx)
            missing = [name for name in spec.required if row.get(name) in (None, "")]
            if missing:
                raise MalformedValue(f"required field {', '.join(missing)} is empty")
            good.append((row, build(spec, row)))
        except (MalformedValue, TypeError, ValueError, InvalidOperation, KeyError) as exc:
            problems.append((raw.get("id") if isinstance(raw.get("id"), int) else None, str(exc)))

    known = dict(
        spec.model.objects.filter(
            id__in=[obj.pk for _, obj in good], deleted_in_odoo=False
        ).values_list("id", "write_date")
    )
    with transaction.atomic():
        stored = _upsert(spec, good, problems)
        _after(spec, ctx, stored)
        applied = [int(row["id"]) for row, _ in stored]
        SyncIssue.objects.filter(
            model=spec.key, odoo_id__in=applied, resolved_at__isnull=True
        ).update(resolved_at=timezone.now())
        for odoo_id, message in problems:
            logger.warning("Skipped %s(%s): %s", spec.key, odoo_id, message)
            SyncIssue.objects.update_or_create(
                model=spec.key,
                odoo_id=odoo_id,
                resolved_at=None,
                defaults={"message": message[:2000]},
            )
    # Re-reading a record with the stamp the mirror holds is not a change.
    result.changed += sum(known.get(obj.pk, ...) != obj.write_date for _, obj in stored)
    result.issues += len(problems)


def _upsert(
    spec: MirrorSpec,
    good: list[tuple[Row, MirrorModel]],
    problems: list[tuple[int | None, str]],
) -> list[tuple[Row, MirrorModel]]:
    """Bulk upsert; if the database refuses the batch, store row by row to find the culprit."""
    if not good:
        return []
    objs = [obj for _, obj in good]
    try:
        with transaction.atomic():
            spec.model.objects.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=update_fields(spec),
                batch_size=PAGE_SIZE,
            )
        return good
    except DatabaseError:
        logger.warning("Bulk upsert of %s refused; storing one by one", spec.key, exc_info=True)
    stored = []
    for row, obj in good:
        try:
            with transaction.atomic():
                spec.model.objects.bulk_create(
                    [obj], update_conflicts=True, unique_fields=["id"],
                    update_fields=update_fields(spec),
                )  # fmt: skip
            stored.append((row, obj))
        except DatabaseError as exc:
            problems.append((int(row["id"]), f"the mirror refused the record: {exc}"))
    return stored


_UPDATE_FIELDS: dict[str, list[str]] = {}
PORTAL_OWNED = frozenset({"id", "business_unit"})


def update_fields(spec: MirrorSpec) -> list[str]:
    """Columns an upsert overwrites: all but the primary key and portal-owned ones."""
    if spec.key not in _UPDATE_FIELDS:
        _UPDATE_FIELDS[spec.key] = [
            f.name
            for f in spec.model._meta.concrete_fields
            if f.name not in PORTAL_OWNED and not f.primary_key
        ]
    return _UPDATE_FIELDS[spec.key]


def typed_row(raw: Record, info: dict[str, FieldInfo], ctx: RunContext) -> Row:
    """Python values of one raw Odoo row, by the types `fields_get` announced."""
    if not isinstance(raw.get("id"), int):
        raise MalformedValue(f"record without an id: {raw!r}"[:200])
    decimals = ctx.decimals(raw.get("currency_id"))
    row: Row = {"id": raw["id"]}
    for name, value in raw.items():
        if name == "id":
            continue
        kind = info[name].type if name in info else ""
        try:
            row[name] = to_python(value, kind, decimals=decimals if kind == "monetary" else None)
        except MalformedValue as exc:
            raise MalformedValue(f"field {name}: {exc}") from exc
    return row


def build(spec: MirrorSpec, row: Row) -> MirrorModel:
    """The mirror instance of one typed row (char values cut to the column's length)."""
    values = spec.convert(row)
    obj = spec.model(
        id=row["id"],
        display_name=_cut(row.get("display_name") or "", 255),
        active=row.get("active", True) is not False,
        write_date=row.get("write_date"),
        deleted_in_odoo=False,
        **values,
    )
    for fld in spec.model._meta.concrete_fields:
        limit = getattr(fld, "max_length", None)
        value = getattr(obj, fld.attname)
        if limit and isinstance(value, str) and len(value) > limit:
            setattr(obj, fld.attname, _cut(value, limit))
    return obj


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _deletions(
    spec: MirrorSpec, ctx: RunContext, result: SyncResult, base: list[Any], *, force: bool
) -> None:
    """Mark mirror rows whose record left Odoo (or the mirrored set) as deleted."""
    client = ctx.client
    live = spec.model.objects.live()
    open_issues = SyncIssue.objects.filter(model=spec.key, resolved_at__isnull=True).exists()
    # One cheap count: every record Odoo has is mirrored by now, so equal counts mean
    # nothing was deleted (skipped malformed records would hide a deletion: list then).
    if (
        not force
        and not open_issues
        and client.search_count(spec.key, base, context=CONTEXT) == live.count()
    ):
        return
    present = set(client.search(spec.key, base, context=CONTEXT))
    gone = [pk for pk in live.values_list("id", flat=True).iterator() if pk not in present]
    for start in range(0, len(gone), 1000):
        chunk = gone[start : start + 1000]
        spec.model.objects.filter(id__in=chunk).update(deleted_in_odoo=True)
    if gone:
        logger.info("Marked %s %s records deleted in Odoo", len(gone), spec.key)
    result.deleted += len(gone)


# -- after-page work --------------------------------------------------------------------


def _after(spec: MirrorSpec, ctx: RunContext, stored: list[tuple[Row, MirrorModel]]) -> None:
    if not stored:
        return
    if spec.after == "assignees":
        _store_assignees(stored)
    elif spec.after == "attendances":
        _store_attendances(ctx, [int(row["id"]) for row, _ in stored])
    elif spec.after == "business_units":
        links.default_business_units(spec.key, [row for row, _ in stored])


def _store_assignees(stored: list[tuple[Row, MirrorModel]]) -> None:
    through = Task.assignees.through
    ids = [int(row["id"]) for row, _ in stored]
    through.objects.filter(task_id__in=ids).delete()
    through.objects.bulk_create(
        [
            through(task_id=int(row["id"]), odoouser_id=int(user_id))
            for row, _ in stored
            for user_id in dict.fromkeys(row.get("user_ids") or [])
        ],
        batch_size=1000,
    )


def _store_attendances(ctx: RunContext, calendar_ids: list[int]) -> None:
    rows = ctx.client.search_read(
        "resource.calendar.attendance",
        [["calendar_id", "in", calendar_ids]],
        ["calendar_id", "dayofweek", "hour_from", "hour_to"],
        order="calendar_id, dayofweek, hour_from",
    )
    by_calendar: dict[int, list[dict[str, Any]]] = {cid: [] for cid in calendar_ids}
    for row in rows:
        calendar = row.get("calendar_id")
        cid = calendar[0] if isinstance(calendar, list) else calendar
        if cid in by_calendar:
            by_calendar[cid].append(
                {
                    "dayofweek": int(row["dayofweek"]),
                    "hour_from": float(row["hour_from"]),
                    "hour_to": float(row["hour_to"]),
                }
            )
    for cid, attendances in by_calendar.items():
        WorkCalendar.objects.filter(id=cid).update(attendances=attendances)


def load_currencies(ctx: RunContext) -> None:
    """Currency codes and decimals, to quantize money (one call per run)."""
    rows = ctx.client.search_read("res.currency", [], ["name", "decimal_places"], context=CONTEXT)
    ctx.currencies = {
        int(r["id"]): (str(r.get("name") or ""), _places(r.get("decimal_places"))) for r in rows
    }


def _places(value: Any) -> int:
    # 0 is a real answer (JPY); only a missing value falls back to cents.
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 2
