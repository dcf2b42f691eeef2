"""In-memory record store: the one API every sandbox feature goes through.

Values are kept in canonical (Odoo 18.0) field names: many2one as an int or False,
many2many as a list of ids, dates as `YYYY-MM-DD`, datetimes as UTC naive
`YYYY-MM-DD HH:MM:SS`. one2many and computed fields are derived on read.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odoo_sandbox import computes, domain, hooks, schema, values
from odoo_sandbox.exceptions import UserError, missing
from odoo_sandbox.fields import Field

Record = dict[str, Any]
SUPERUSER_ID = 1
DATETIME_FMT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Event:
    """One change made by a transaction, for the outgoing webhooks (reference §5.1)."""

    kind: str  # "create" | "write" | "unlink"
    model: str
    res_id: int
    fields: frozenset[str]
    old: dict[str, Any] = field(default_factory=dict)


@dataclass
class Transaction:
    """One RPC call: its start stamp, acting user, undo log and emitted events."""

    stamp: str
    uid: int
    events: list[Event] = field(default_factory=list)
    undo: dict[tuple[str, int], Record | None] = field(default_factory=dict)
    emit: bool = True


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime(DATETIME_FMT)


class Store:
    """Records of every model, with Odoo-like create/write/unlink/read/search."""

    def __init__(self, version: str = schema.DEFAULT_VERSION) -> None:
        if version not in schema.VERSIONS:
            raise ValueError(f"unsupported Odoo version {version!r}")
        self.version = version
        self.lock = threading.RLock()
        self.records: dict[str, dict[int, Record]] = {m: {} for m in schema.MODELS}
        self.next_id: dict[str, int] = dict.fromkeys(schema.MODELS, 1)
        self.xmlids: dict[str, tuple[str, int]] = {}
        self.sequences: dict[str, int] = {}
        # Reverse index of every many2one: (model, field) -> target id -> record ids.
        self.index: dict[tuple[str, str], dict[int, set[int]]] = {}
        self.txn: Transaction | None = None
        self.changed = False
        self.today_override: dt.date | None = None
        self.on_change: Callable[[], None] | None = None
        self._register_models()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self, uid: int = SUPERUSER_ID, *, emit: bool = True) -> Iterator[Transaction]:
        """Run one RPC call: lock, stamp, and undo every change if it raises.

        Odoo runs each RPC call in one database transaction whose NOW() is taken at the
        start; write_date is that stamp, to the second (DESIGN.md §5.3).
        """
        with self.lock:
            outer = self.txn
            if outer is not None:  # nested: join the running transaction
                yield outer
                return
            txn = Transaction(stamp=now_stamp(), uid=uid, emit=emit)
            self.txn = txn
            try:
                yield txn
            except BaseException:
                self._rollback(txn)
                raise
            finally:
                self.txn = None
            if txn.undo:
                self.changed = True

    @property
    def uid(self) -> int:
        return self.txn.uid if self.txn else SUPERUSER_ID

    def txn_stamp(self) -> str:
        return self.txn.stamp if self.txn else now_stamp()

    def today(self) -> str:
        day = self.today_override or dt.date.today()
        return day.isoformat()

    def _remember(self, model: str, rid: int) -> None:
        txn = self.txn
        if txn is None or (model, rid) in txn.undo:
            return
        rec = self.records[model].get(rid)
        txn.undo[(model, rid)] = copy.deepcopy(rec) if rec is not None else None

    def _rollback(self, txn: Transaction) -> None:
        for (model, rid), old in txn.undo.items():
            current = self.records[model].pop(rid, None)
            if current is not None:
                self._unindex(model, current)
            if old is not None:
                self.records[model][rid] = old
                self._index_record(model, old)

    def _emit(self, event: Event) -> None:
        if self.txn is not None and self.txn.emit:
            self.txn.events.append(event)

    # -- xml ids ------------------------------------------------------------------------

    def ref(self, xmlid: str) -> tuple[str, int]:
        """Return (model, id) of an external id; ValueError if unknown (as env.ref)."""
        if xmlid not in self.xmlids:
            raise ValueError(f"External ID not found in the system: {xmlid}")
        return self.xmlids[xmlid]

    def ref_id(self, xmlid: str) -> int | bool:
        found = self.xmlids.get(xmlid)
        return found[1] if found else False

    def xmlid_exists(self, xmlid: str) -> bool:
        return xmlid in self.xmlids

    def set_xmlid(self, xmlid: str, model: str, rid: int) -> None:
        module, _, name = xmlid.partition(".")
        if not name:
            raise ValueError(f"xmlid {xmlid!r} must be 'module.name'")
        self.xmlids[xmlid] = (model, rid)
        self._insert(
            "ir.model.data",
            {"module": module, "name": name, "model": model, "res_id": rid, "noupdate": True},
            emit=False,
        )

    def main_company_id(self) -> int | bool:
        found = self.xmlids.get("base.main_company")
        if found:
            return found[1]
        return min(self.records["res.company"], default=False)

    def next_sequence(self, key: str) -> int:
        self.sequences[key] = self.sequences.get(key, 0) + 1
        return self.sequences[key]

    # -- CRUD ---------------------------------------------------------------------------

    def create(
        self,
        model: str,
        vals: dict[str, Any],
        *,
        xmlid: str | None = None,
        write_date: dt.datetime | str | None = None,
    ) -> int:
        """Create one record from canonical vals (x2many as command lists); return its id."""
        with self.transaction(self.uid):
            rid = self._insert(model, vals, write_date=values.stamp_of(write_date))
            if xmlid:
                self.set_xmlid(xmlid, model, rid)
            return rid

    def bulk_create(self, model: str, vals_list: list[dict[str, Any]]) -> list[int]:
        """Create many records fast: no undo log and no webhook events (scenario seeding)."""
        with self.lock:
            outer, self.txn = self.txn, None
            try:
                stamp = now_stamp()
                ids = [
                    self._insert(model, vals, write_date=stamp, emit=False) for vals in vals_list
                ]
            finally:
                self.txn = outer
            self.changed = True
            return ids

    def write(
        self,
        model: str,
        ids: list[int] | int,
        vals: dict[str, Any],
        write_date: dt.datetime | str | None = None,
    ) -> bool:
        """Write canonical vals on records; MissingError if one does not exist."""
        ids = [ids] if isinstance(ids, int) else list(ids)
        with self.transaction(self.uid):
            self.check_exist(model, ids)
            for rid in ids:
                self._update(model, rid, vals, stamp=values.stamp_of(write_date))
            return True

    def unlink(self, model: str, ids: list[int] | int) -> bool:
        ids = [ids] if isinstance(ids, int) else list(ids)
        with self.transaction(self.uid):
            self.check_exist(model, ids)
            for rid in ids:
                if rid in self.records[model]:
                    self._delete(model, rid)
            return True

    def get(self, model: str, rid: int) -> Record:
        """Return the raw canonical record (stored fields only); KeyError if missing."""
        return self.records[model][rid]

    def exists(self, model: str, rid: Any) -> bool:
        return isinstance(rid, int) and rid in self.records[model]

    def check_exist(self, model: str, ids: list[int]) -> None:
        table = self.records[model]
        absent = [i for i in ids if i not in table]
        if absent:
            raise missing(model, absent, self.uid)

    def read(
        self,
        model: str,
        ids: list[int],
        fields: list[str] | None = None,
        load: Any = "_classic_read",
    ) -> list[Record]:
        """Read canonical fields (all readable ones when `fields` is empty) of records."""
        self.check_exist(model, list(ids))
        mfields = schema.model_fields(model)
        names = list(fields) if fields else [n for n, f in mfields.items() if not f.hidden]
        for name in names:
            if name not in mfields or mfields[name].hidden:
                raise ValueError(f"Invalid field {name!r} on model {model!r}")
        rows = []
        for rid in ids:
            rec = self.records[model][rid]
            row: Record = {"id": rid}
            for name in names:
                row[name] = self.export(model, rec, name, load)
            rows.append(row)
        return rows

    def export(self, model: str, rec: Record, name: str, load: Any) -> Any:
        """Value of one field as read() returns it (many2one as a pair for _classic_read)."""
        fld = schema.field(model, name)
        value = self.value(model, rec, name)
        if fld.type == "many2one":
            if not value or not self.exists(fld.relation or "", value):
                return False
            if load == "_classic_read":
                target = self.records[fld.relation or ""][value]
                return [value, self.value(fld.relation or "", target, "display_name")]
            return value
        if fld.type == "many2many":
            table = self.records[fld.relation or ""]
            return [i for i in value if i in table]
        return value

    def value(self, model: str, rec: Record, name: str) -> Any:
        """Canonical value of a field of a record, computing derived fields."""
        fld = schema.field(model, name)
        if name == "id":
            return rec["id"]
        if fld.compute:
            return computes.compute(self, model, rec, name)
        if fld.type == "one2many":
            return self.children(fld.relation or "", fld.inverse_name or "", rec["id"])
        if (model, name) in computes.DERIVED:
            return computes.compute(self, model, rec, name)
        return rec.get(name, fld.empty())

    def children(
        self, model: str, inverse: str, parent_id: int, active_only: bool = True
    ) -> list[int]:
        """Ids of `model` records whose many2one `inverse` points at `parent_id`."""
        ids = sorted(self.index.get((model, inverse), {}).get(parent_id, ()))
        if active_only and schema.has_active(model):
            table = self.records[model]
            ids = [i for i in ids if table[i].get("active", True)]
        return ids

    def search(
        self,
        model: str,
        dom: list[Any] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        active_test: bool = True,
    ) -> list[int]:
        """Ids of the records matching a canonical domain (reference §9.3 of the brief)."""
        ids = domain.filter_ids(self, model, list(dom or []), active_test)
        ids = self._sort(model, ids, order)
        end = None if limit is None or limit is False else offset + int(limit)
        return ids[int(offset or 0) : end]

    def search_count(
        self, model: str, dom: list[Any] | None = None, active_test: bool = True
    ) -> int:
        return len(domain.filter_ids(self, model, list(dom or []), active_test))

    def _sort(self, model: str, ids: list[int], order: str | None) -> list[int]:
        """Sort ids by an Odoo order string (`"write_date asc, id asc"`).

        Known limitation: a many2one sorts by the target id, not the target's own order
        (acceptable because the portal orders by scalar fields and id).
        """
        if not order:
            return ids
        table = self.records[model]
        mfields = schema.model_fields(model)
        for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
            tokens = part.split()
            name = tokens[0]
            desc = len(tokens) > 1 and tokens[1].lower() == "desc"
            if name not in mfields:
                raise ValueError(f"Invalid field {name!r} on model {model!r} in order {order!r}")

            def key(rid: int, name: str = name) -> tuple[bool, Any]:
                value = self.value(model, table[rid], name)
                if value is False or value is None or isinstance(value, list):
                    return (True, 0)
                return (False, value)

            ids = sorted(ids, key=key, reverse=desc)
        return ids

    # -- persistence --------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": 1,
            "version": self.version,
            "records": {m: list(t.values()) for m, t in self.records.items() if t},
            "next_id": self.next_id,
            "xmlids": {k: list(v) for k, v in self.xmlids.items()},
            "sequences": self.sequences,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], version: str | None = None) -> Store:
        store = cls(version or data.get("version", schema.DEFAULT_VERSION))
        store.records = {m: {} for m in schema.MODELS}
        store.index = {}
        for model, rows in data["records"].items():
            if model not in store.records:
                continue  # a model this sandbox no longer knows
            for rec in rows:
                store.records[model][rec["id"]] = rec
                store._index_record(model, rec)
        store.next_id.update(data.get("next_id", {}))
        store.xmlids = {k: (v[0], v[1]) for k, v in data.get("xmlids", {}).items()}
        store.sequences = dict(data.get("sequences", {}))
        known = {rec["model"] for rec in store.records["ir.model"].values()}
        for model in schema.MODELS:
            if model not in known:  # a model added since the state was saved
                store._insert("ir.model", {"model": model, "name": model}, emit=False)
        return store

    def save(self, path: str | Path) -> None:
        """Write the state file atomically (temp file + os.replace), gzip-compressed."""
        path = Path(path)
        with self.lock:
            payload = json.dumps(self.to_json(), separators=(",", ":")).encode()
            self.changed = False
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as gz:
                gz.write(payload)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path, version: str | None = None) -> Store:
        with gzip.open(path, "rb") as fh:
            return cls.from_json(json.loads(fh.read()), version)

    # -- internals ----------------------------------------------------------------------

    def _register_models(self) -> None:
        for model in schema.MODELS:
            self._insert("ir.model", {"model": model, "name": model}, emit=False)

    def _new_id(self, model: str) -> int:
        rid = self.next_id[model]
        self.next_id[model] = rid + 1
        return rid

    def _insert(
        self, model: str, vals: dict[str, Any], *, write_date: str | None = None, emit: bool = True
    ) -> int:
        mfields = schema.model_fields(model)
        values.check_names(model, vals, mfields)
        vals = dict(vals)
        hooks.before_create(self, model, vals)
        if "id" in vals:
            rid = int(vals.pop("id"))
            self.next_id[model] = max(self.next_id[model], rid + 1)
        else:
            rid = self._new_id(model)
        stamp = write_date or self.txn_stamp()
        rec: Record = {"id": rid}
        x2many: dict[str, Any] = {}
        for name, fld in schema.stored_fields(model):
            if fld.type == "one2many":
                if name in vals:
                    x2many[name] = vals[name]
                continue
            if name in vals:
                rec[name] = self._convert(model, name, fld, vals[name], [])
            elif fld.default is not None:
                rec[name] = values.default_value(self, fld)
            elif fld.type == "many2many":
                rec[name] = []
        rec.update(create_date=stamp, write_date=stamp, create_uid=self.uid, write_uid=self.uid)
        values.check_required(model, rec)
        self._remember(model, rid)
        self.records[model][rid] = rec
        self._index_record(model, rec)
        for name, commands in x2many.items():
            self._apply_o2m(model, rid, name, mfields[name], commands)
        hooks.after_create(self, model, rec)
        if emit:
            self._emit(Event("create", model, rid, frozenset(vals)))
        return rid

    def _update(self, model: str, rid: int, vals: dict[str, Any], stamp: str | None = None) -> None:
        mfields = schema.model_fields(model)
        values.check_names(model, vals, mfields)
        rec = self.records[model][rid]
        self._remember(model, rid)
        old = {name: self.value(model, rec, name) for name in vals if name in mfields}
        vals = hooks.before_write(self, model, rec, dict(vals))
        self._unindex(model, rec)
        try:
            for name, raw in vals.items():
                fld = mfields[name]
                if fld.type == "one2many":
                    continue
                if fld.compute or name in values.MAGIC:
                    continue  # Odoo silently ignores writes on readonly computed fields
                rec[name] = self._convert(model, name, fld, raw, rec.get(name, []))
            rec["write_date"] = stamp or self.txn_stamp()
            rec["write_uid"] = self.uid
            values.check_required(model, rec)
        finally:
            self._index_record(model, rec)
        for name, raw in vals.items():
            if mfields[name].type == "one2many":
                self._apply_o2m(model, rid, name, mfields[name], raw)
        hooks.after_write(self, model, rec, old)
        self._emit(Event("write", model, rid, frozenset(vals), old))

    def _delete(self, model: str, rid: int) -> None:
        hooks.before_unlink(self, model, self.records[model][rid])
        self._remember(model, rid)
        rec = self.records[model].pop(rid)
        self._unindex(model, rec)
        self._emit(Event("unlink", model, rid, frozenset(), dict(rec)))
        for (child_model, inverse), targets in list(self.index.items()):
            fld = schema.field(child_model, inverse)
            if fld.relation != model or rid not in targets:
                continue
            for child in sorted(targets.get(rid, ())):
                if child_model == model and child == rid:
                    continue
                if fld.required and child in self.records[child_model]:
                    self._delete(child_model, child)  # ondelete='cascade'
                elif child in self.records[child_model]:
                    self._update(child_model, child, {inverse: False})  # ondelete='set null'

    def _convert(self, model: str, name: str, fld: Field, raw: Any, current: Any) -> Any:
        """Turn a client value into the canonical stored value of a field."""
        if fld.type == "many2one":
            return values.m2o_value(self, model, name, fld, raw)
        if fld.type == "many2many":
            return self._apply_m2m(model, name, fld, raw, list(current or []))
        if raw is None:
            return fld.empty()
        if fld.type in ("integer",):
            return int(raw) if raw is not False else 0
        if fld.type in ("float", "monetary"):
            return float(raw) if raw is not False else 0.0
        if fld.type == "boolean":
            return bool(raw)
        if fld.type == "date":
            return values.date_value(raw)
        if fld.type == "datetime":
            return values.datetime_value(raw)
        if fld.type == "selection" and raw is not False:
            allowed = {v for v, _ in fld.selection or ()}
            if raw not in allowed:
                raise ValueError(f"Wrong value for {model}.{name}: {raw!r}")
        return raw

    def _apply_m2m(self, model: str, name: str, fld: Field, raw: Any, ids: list[int]) -> list[int]:
        relation = fld.relation or ""
        for cmd in values.commands(model, name, raw):
            code = cmd[0]
            if code == 0:
                ids.append(self._insert(relation, cmd[2] if len(cmd) > 2 else {}))
            elif code == 1:
                self._update(relation, int(cmd[1]), cmd[2])
            elif code == 2:
                self._delete(relation, int(cmd[1]))
                ids = [i for i in ids if i != cmd[1]]
            elif code == 3:
                ids = [i for i in ids if i != cmd[1]]
            elif code == 4:
                self._require(relation, [int(cmd[1])])
                if cmd[1] not in ids:
                    ids.append(int(cmd[1]))
            elif code == 5:
                ids = []
            elif code == 6:
                new = [int(i) for i in (cmd[2] if len(cmd) > 2 else [])]
                self._require(relation, new)
                ids = list(dict.fromkeys(new))
        return ids

    def _apply_o2m(self, model: str, rid: int, name: str, fld: Field, raw: Any) -> None:
        relation, inverse = fld.relation or "", fld.inverse_name or ""
        inv_required = schema.field(relation, inverse).required

        def detach(child: int) -> None:
            # Cut the link; a child that cannot live alone is deleted (reference §6.1).
            if inv_required:
                self._delete(relation, child)
            else:
                self._update(relation, child, {inverse: False})

        for cmd in values.commands(model, name, raw):
            code = cmd[0]
            current = self.children(relation, inverse, rid, active_only=False)
            if code == 0:
                self._insert(relation, {**(cmd[2] if len(cmd) > 2 else {}), inverse: rid})
            elif code == 1:
                self._update(relation, int(cmd[1]), cmd[2])
            elif code == 2:
                self._delete(relation, int(cmd[1]))
            elif code == 3 and cmd[1] in current:
                detach(int(cmd[1]))
            elif code == 4:
                self._require(relation, [int(cmd[1])])
                self._update(relation, int(cmd[1]), {inverse: rid})
            elif code == 5:
                for child in current:
                    detach(child)
            elif code == 6:
                new = [int(i) for i in (cmd[2] if len(cmd) > 2 else [])]
                self._require(relation, new)
                for child in current:
                    if child not in new:
                        detach(child)
                for child in new:
                    self._update(relation, child, {inverse: rid})

    def _require(self, model: str, ids: list[int]) -> None:
        self.check_exist(model, ids)

    def _index_record(self, model: str, rec: Record) -> None:
        for name in schema.many2one_fields(model):
            if rec.get(name):
                self.index.setdefault((model, name), {}).setdefault(rec[name], set()).add(rec["id"])

    def _unindex(self, model: str, rec: Record) -> None:
        for name in schema.many2one_fields(model):
            if rec.get(name):
                bucket = self.index.get((model, name), {}).get(rec[name])
                if bucket is not None:
                    bucket.discard(rec["id"])


__all__ = ["Event", "Record", "Store", "Transaction", "UserError"]
