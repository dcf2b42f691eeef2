"""Load Odoo's vendored demo XML files into a sandbox store (DESIGN.md §5.7).

The files (``data/<module>/*.xml``) use Odoo's data-file format: ``<record>`` elements
with ``<field>`` children whose value is text, ``ref=``, ``eval=`` (see evaluator.py),
``type=`` or ``file=``. Modules load in dependency order; ids without a module prefix
belong to the file's module; a record whose id exists already is written, not created.

What a static loader cannot do is skipped and listed in the LoadReport, never guessed:
``<function>`` calls except the few in KNOWN_FUNCTIONS, ``search=`` lookups, expressions
that need a running Odoo (``obj().search(...)``), fields and models the sandbox's schema
lacks, and files that were not vendored (images).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import logging
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from xml.parsers import expat

from odoo_sandbox import schema
from odoo_sandbox.demo import base
from odoo_sandbox.demo.evaluator import Evaluator, ExpressionError, default_now
from odoo_sandbox.store import Store

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"

# Odoo's module dependency order for these folders (uom and base first, sale_timesheet
# last: it depends on sale_project and hr_timesheet).
MODULE_ORDER = (
    "uom",
    "base",
    "sales_team",
    "hr",
    "project",
    "hr_timesheet",
    "sale_project",
    "sale_timesheet",
)

# The demo files mix 19.0-era and 17/18-era names; the store speaks 18.0. Each entry maps
# (model, name in a file) to the canonical 18.0 name, or to None to drop the field.
FIELD_MAP: dict[tuple[str, str], str | None] = {
    # 19.0 renamed res.users.groups_id to group_ids (reference §6.3); project_demo.xml and
    # hr_timesheet_demo.xml use the new name, the base/hr files the old one.
    ("res.users", "group_ids"): "groups_id",
    # 19.0 renamed the sale line's unit and taxes (reference §6.6).
    ("sale.order.line", "product_uom_id"): "product_uom",
    ("sale.order.line", "tax_ids"): "tax_id",
    # 17.0 renamed planned_hours to allocated_hours (reference §6.8).
    ("project.task", "planned_hours"): "allocated_hours",
    # 18.0 renamed the project's analytic account (reference §6.7).
    ("project.project", "analytic_account_id"): "account_id",
    # 19.0's hr.employee.sex (formerly gender) is personal data the portal never reads and
    # the sandbox has no field for; dropped and counted.
    ("hr.employee", "sex"): None,
    ("hr.employee", "gender"): None,
}

# `search=` fields whose record can live without them: the field is dropped and listed,
# the record kept. Every other search= field names the record's anchor (the project of a
# task or timesheet, found through a generated sale line), so the whole record is
# skipped and listed rather than created half-linked.
SEARCH_FIELD_OPTIONAL: frozenset[tuple[str, str]] = frozenset({("res.partner", "state_id")})

# Fields Odoo sets itself; the store stamps them and ignores given values, so they are
# dropped and counted rather than silently lost.
MAGIC_FIELDS = frozenset({"create_date", "create_uid", "write_date", "write_uid"})

# Defaults the demo relies on that Odoo's modules would give. The timesheet files carry
# amounts of -30 x hours, but hr_demo.xml sets no hourly cost and the store computes
# amount = -hours x hourly_cost (reference §6.10): employees created here cost 30 an hour.
DEMO_DEFAULTS: dict[str, dict[str, Any]] = {"hr.employee": {"hourly_cost": 30.0}}

# Function calls the loader performs. Everything else in a <function> element (task and
# project writes found by search, personal stages, ratings, message dates) needs a running
# Odoo's search and is skipped and listed. Confirming orders is kept because it is what
# creates the demo's sale-generated projects, tasks and milestones (reference §7.1); it
# is performed only when the sandbox exposes the method (see find_method).
KNOWN_FUNCTIONS: frozenset[tuple[str, str]] = frozenset(
    {("sale.order", "action_confirm"), ("account.move", "action_post")}
)

# Fields Odoo derives on create from another given field: (model, given) -> filled.
# res_model_id (an ir.model) gives the char res_model that the sandbox keys records by.
DERIVED_FROM_MODEL_ID = "res_model_id"


@dataclass(frozen=True)
class Skipped:
    """One element or value the loader did not apply, with where it is and why."""

    file: str
    line: int
    model: str
    name: str  # function name, field name, or record xmlid
    reason: str


@dataclass
class LoadReport:
    """What load_demo created, updated and skipped."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    base_created: int = 0
    functions_performed: list[Skipped] = field(default_factory=list)
    skipped_functions: list[Skipped] = field(default_factory=list)
    skipped_search: list[Skipped] = field(default_factory=list)
    skipped_records: list[Skipped] = field(default_factory=list)
    skipped_expressions: list[Skipped] = field(default_factory=list)
    skipped_files: list[Skipped] = field(default_factory=list)
    skipped_models: Counter[str] = field(default_factory=Counter)
    skipped_fields: Counter[str] = field(default_factory=Counter)
    unresolved_refs: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the command line."""
        return (
            f"demo data: {sum(self.created.values())} records created "
            f"({len(self.created)} models), {sum(self.updated.values())} updated, "
            f"{self.base_created} base records; "
            f"{len(self.functions_performed)} function calls performed, "
            f"skipped {len(self.skipped_functions)} function calls, "
            f"{len(self.skipped_search)} search= lookups "
            f"({len(self.skipped_records)} records), "
            f"{sum(self.skipped_models.values())} records of {len(self.skipped_models)} "
            f"models, {sum(self.skipped_fields.values())} field values, "
            f"{len(self.skipped_expressions)} expressions, {len(self.skipped_files)} files; "
            f"{len(self.unresolved_refs)} unresolved refs; {self.seconds:.2f}s"
        )


class _SkipRecord(Exception):
    """Raised while reading a record that must be skipped; caught for that record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Source:
    module: str
    path: Path
    lines: dict[int, int]

    @property
    def name(self) -> str:
        return f"{self.module}/{self.path.name}"

    def line(self, element: ET.Element) -> int:
        return self.lines.get(id(element), 0)


def parse_file(path: Path) -> tuple[ET.Element, dict[int, int]]:
    """Parse an XML file into an ElementTree, remembering each element's line number."""
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(tag, attrs)
        lines[id(element)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    with path.open("rb") as fh:
        parser.ParseFile(fh)
    return builder.close(), lines


def load_demo(
    store: Store,
    today: dt.date,
    *,
    data_dir: Path = DATA_DIR,
    now: dt.datetime | None = None,
) -> LoadReport:
    """Create the base records, then load every module's demo files in dependency order.

    Dates in the files are relative to `today` (and `now`, noon of `today` unless given);
    the wall clock is never read.
    """
    started = time.perf_counter()
    report = LoadReport()
    loader = _Loader(store, report, now or default_now(today), data_dir)

    with _store_today(store, today):
        report.base_created += base.create_base_records(store, base.CORE)
        base.create_aliases(store)
        base.add_currency_rates(store, today.isoformat())
        for module in MODULE_ORDER:
            report.base_created += base.create_base_records(
                store, base.BEFORE_MODULE.get(module, ())
            )
            for path in sorted((data_dir / module).glob("*.xml")):
                loader.load_file(module, path)

    report.seconds = time.perf_counter() - started
    logger.info("%s", report.summary())
    return report


@contextlib.contextmanager
def _store_today(store: Store, today: dt.date) -> Iterator[None]:
    # Field defaults such as project.update.date read the store's today; pin it while
    # loading so that the data does not depend on the day the loader runs.
    previous = store.today_override
    store.today_override = today
    try:
        yield
    finally:
        store.today_override = previous


class _Loader:
    def __init__(self, store: Store, report: LoadReport, now: dt.datetime, data_dir: Path):
        self.store = store
        self.report = report
        self.data_dir = data_dir
        self.skipped_xmlids: dict[str, str] = {}
        self.module = ""
        self.source: _Source | None = None
        self.element: ET.Element | None = None
        self.evaluator = Evaluator(self._ref, now, has_group=self._admin_has_group)

    # -- files and elements --------------------------------------------------------------

    def load_file(self, module: str, path: Path) -> None:
        root, lines = parse_file(path)
        self.module = module
        self.source = _Source(module, path, lines)
        for element in self._data_elements(root):
            self.element = element
            if element.tag == "record":
                self._load_record(element)
            elif element.tag == "function":
                self._run_function(element)
            else:
                self._note(self.report.skipped_functions, element.tag, element.tag,
                           f"<{element.tag}> elements are not supported")  # fmt: skip

    @staticmethod
    def _data_elements(root: ET.Element) -> Iterator[ET.Element]:
        for child in root:
            if child.tag == "data":
                yield from child
            else:
                yield child

    def _qualify(self, xmlid: str) -> str:
        return xmlid if "." in xmlid else f"{self.module}.{xmlid}"

    def _note(self, target: list[Skipped], model: str, name: str, reason: str) -> None:
        assert self.source is not None and self.element is not None
        target.append(
            Skipped(self.source.name, self.source.line(self.element), model, name, reason)
        )

    # -- references ----------------------------------------------------------------------

    def _ref(self, xmlid: str) -> int:
        full = self._qualify(xmlid)
        if full in self.skipped_xmlids:
            raise _SkipRecord(f"refers to skipped record {full}")
        if not self.store.xmlid_exists(full):
            self._note(self.report.unresolved_refs, "", full, "external id not found")
            raise _SkipRecord(f"unresolved reference {full}")
        return self.store.ref(full)[1]

    def _admin_has_group(self, xmlid: str) -> bool:
        # The demo asks `obj().env.user.has_group(...)`; data loads as the admin here.
        group_id = self._ref(xmlid)
        admin = self.store.get("res.users", self.store.ref("base.user_admin")[1])
        return group_id in admin.get("groups_id", [])

    # -- records -------------------------------------------------------------------------

    def _load_record(self, element: ET.Element) -> None:
        model = element.get("model", "")
        xmlid = self._qualify(element.get("id", ""))
        if not schema.has_model(model):
            self.report.skipped_models[model] += 1
            self.skipped_xmlids[xmlid] = f"model {model} is not in the sandbox"
            return
        try:
            vals = self._record_values(model, xmlid, element)
            defaults = self._context_defaults(model, element.get("context"))
        except _SkipRecord as skip:
            self.skipped_xmlids[xmlid] = skip.reason
            self._note(self.report.skipped_records, model, xmlid, skip.reason)
            return

        if self.store.xmlid_exists(xmlid):
            existing_model, record_id = self.store.ref(xmlid)
            if existing_model != model:
                raise ValueError(f"{xmlid} is a {existing_model}, not a {model}")
            self.store.write(model, [record_id], vals)
            self.report.updated[model] += 1
            return
        for name, value in {**DEMO_DEFAULTS.get(model, {}), **defaults}.items():
            vals.setdefault(name, value)
        _fill_onchange_values(self.store, model, vals)
        self.store.create(model, vals, xmlid=xmlid)
        self.report.created[model] += 1

    def _record_values(self, model: str, xmlid: str, element: ET.Element) -> dict[str, Any]:
        vals: dict[str, Any] = {}
        for child in element.findall("field"):
            self.element = child
            raw_name = child.get("name", "")
            if (model, raw_name) in FIELD_MAP:
                mapped = FIELD_MAP[(model, raw_name)]
                if mapped is None:
                    self.report.skipped_fields[f"{model}.{raw_name}"] += 1
                    continue
                name = mapped
            else:
                name = raw_name

            if child.get("search") is not None:
                reason = f"search={child.get('search')!r}"
                self._note(self.report.skipped_search, model, f"{xmlid}:{raw_name}", reason)
                if (model, name) in SEARCH_FIELD_OPTIONAL:
                    continue
                raise _SkipRecord(f"field {raw_name} is set by {reason}")

            if name == DERIVED_FROM_MODEL_ID and schema.has_field(model, "res_model"):
                ir_model = self.store.get("ir.model", self._ref(child.get("ref", "")))
                vals.setdefault("res_model", ir_model["model"])
            if name in MAGIC_FIELDS or not schema.has_field(model, name):
                self.report.skipped_fields[f"{model}.{raw_name}"] += 1
                continue
            try:
                vals[name] = self._field_value(model, name, child)
            except ExpressionError as exc:
                self._note(self.report.skipped_expressions, model, f"{xmlid}:{raw_name}",
                           str(exc))  # fmt: skip
            except FileNotFoundError as exc:
                self._note(self.report.skipped_files, model, f"{xmlid}:{raw_name}",
                           f"file not vendored: {exc.filename}")  # fmt: skip
        self.element = element
        return vals

    def _context_defaults(self, model: str, context: str | None) -> dict[str, Any]:
        # <record context="{'default_project_id': ref(...)}"> gives defaults, as in Odoo.
        if not context:
            return {}
        evaluated = self.evaluator.evaluate(context)
        defaults: dict[str, Any] = {}
        for key, value in evaluated.items():
            name = key.removeprefix("default_")
            if key.startswith("default_") and schema.has_field(model, name):
                defaults[name] = value
        return defaults

    def _field_value(self, model: str, name: str, node: ET.Element) -> Any:
        fld = schema.field(model, name)
        ref = node.get("ref")
        expression = node.get("eval")
        kind = node.get("type", "char")
        if ref:
            return self._ref(ref)
        if expression:
            value = _normalise(fld.type, self.evaluator.evaluate(expression))
            if fld.x2many and isinstance(value, list) and fld.relation:
                value = [self._filter_command(fld.relation, command) for command in value]
            return value
        if kind in ("xml", "html"):
            method: Literal["html", "xml"] = "html" if kind == "html" else "xml"
            return "".join(ET.tostring(sub, encoding="unicode", method=method) for sub in node)
        if node.get("file"):
            data = (self.data_dir / node.get("file", "")).read_bytes()
            if kind == "base64":
                return base64.b64encode(data).decode()
            return data.decode()
        return _from_text(fld.type, kind, node.text)

    def _filter_command(self, model: str, command: Any) -> Any:
        # Command.create/update values name fields of the related model; those the
        # sandbox lacks are dropped and counted like any other field.
        if not (isinstance(command, list) and len(command) == 3 and isinstance(command[2], dict)):
            return command
        vals: dict[str, Any] = {}
        for raw_name, value in command[2].items():
            name = FIELD_MAP.get((model, raw_name), raw_name)
            if name is None or not schema.has_field(model, name) or name in MAGIC_FIELDS:
                self.report.skipped_fields[f"{model}.{raw_name}"] += 1
                continue
            vals[name] = _normalise(schema.field(model, name).type, value)
        return [command[0], command[1], vals]

    # -- functions -----------------------------------------------------------------------

    def _run_function(self, element: ET.Element) -> None:
        model, name = element.get("model", ""), element.get("name", "")
        if (model, name) not in KNOWN_FUNCTIONS:
            self._note(self.report.skipped_functions, model, name, "needs a running Odoo")
            return
        method = find_method(model, name)
        if method is None:
            self._note(self.report.skipped_functions, model, name,
                       "the sandbox does not expose this method")  # fmt: skip
            return
        try:
            args = self.evaluator.evaluate(element.get("eval", "[]"))
        except _SkipRecord as skip:
            self._note(self.report.skipped_functions, model, name, skip.reason)
            return
        ids = [int(i) for i in args[0]]
        method(self.store, ids)
        self._note(self.report.functions_performed, model, name, f"ids {ids}")


def find_method(model: str, name: str) -> Callable[[Store, list[int]], Any] | None:
    """Return the sandbox's implementation of a public model method, if it has one.

    The server's methods live in odoo_sandbox.business.METHODS, keyed by (model, name) and
    called as fn(store, ids, args, kwargs) inside one store transaction.
    """
    try:
        from odoo_sandbox import business
    except ImportError:
        return None
    found = getattr(business, "METHODS", {}).get((model, name))
    if found is None:
        return None

    def call(store: Store, ids: list[int]) -> Any:
        with store.transaction():
            return found(store, ids, [], {})

    return call


def _fill_onchange_values(store: Store, model: str, vals: dict[str, Any]) -> None:
    # The store fills a sale line's description from its product; a line without one
    # (the demo's down-payment line) gets the label Odoo's compute gives it.
    if model == "sale.order.line" and not vals.get("product_id"):
        vals.setdefault("name", "Down Payment" if vals.get("is_downpayment") else "/")


def _normalise(field_type: str, value: Any) -> Any:
    """Turn an evaluated value into what the store takes for a field of this type."""
    if field_type == "many2one" and isinstance(value, bool):
        return value or False
    if field_type in ("date", "datetime") and isinstance(value, (dt.date, str)) and value:
        moment = _as_datetime(value)
        if field_type == "date":
            return moment.date().isoformat()
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if field_type in ("one2many", "many2many") and isinstance(value, list):
        return [list(command) if isinstance(command, tuple) else command for command in value]
    return value


def _as_datetime(value: dt.date | str) -> dt.datetime:
    # Odoo parses with strptime, which takes single-digit days ('%Y-%m-2' gives
    # '2026-12-2') and a time without seconds ('%Y-%m-%d %H:%M').
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    day, _, clock = value.strip().partition(" ")
    moment = dt.datetime.strptime(day, "%Y-%m-%d")
    if clock:
        parsed = dt.datetime.strptime(clock, "%H:%M:%S" if clock.count(":") == 2 else "%H:%M")
        moment = moment.replace(hour=parsed.hour, minute=parsed.minute, second=parsed.second)
    return moment


def _from_text(field_type: str, kind: str, text: str | None) -> Any:
    """Convert a field's text content as Odoo's convert.py does for its type."""
    if text is None:
        return False
    if kind == "int" or field_type in ("integer", "many2one"):
        stripped = text.strip()
        return None if stripped == "None" else int(stripped)
    if kind == "float" or field_type in ("float", "monetary"):
        return float(text.strip())
    if field_type == "boolean":
        return text.strip().lower() not in ("0", "false", "off", "")
    return text
