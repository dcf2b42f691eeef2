"""Model-method dispatch shared by /jsonrpc and JSON-2 (reference §1.5, §3.1, §4).

Names arriving from the wire are translated to canonical (18.0) names here, and names
leaving are translated back, so the rest of the sandbox speaks one vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from odoo_sandbox import business, schema, values
from odoo_sandbox.exceptions import AccessError, ServerError, UserError
from odoo_sandbox.fields import Field

if TYPE_CHECKING:
    from odoo_sandbox.store import Store

_NO_DEFAULT = object()


@dataclass(frozen=True)
class Spec:
    """How a public method binds its arguments (`ids` first unless it is @api.model)."""

    params: tuple[tuple[str, Any], ...]
    model_method: bool = False


SPECS: dict[str, Spec] = {
    "search": Spec(
        (
            ("domain", _NO_DEFAULT),
            ("offset", 0),
            ("limit", None),
            ("order", None),
            ("count", False),
        ),
        model_method=True,
    ),
    "search_read": Spec(
        (("domain", None), ("fields", None), ("offset", 0), ("limit", None), ("order", None)),
        model_method=True,
    ),
    "search_count": Spec((("domain", _NO_DEFAULT), ("limit", None)), model_method=True),
    "read": Spec((("fields", None), ("load", "_classic_read"))),
    "create": Spec((("vals_list", _NO_DEFAULT),), model_method=True),
    "write": Spec((("vals", _NO_DEFAULT),)),
    "unlink": Spec(()),
    "fields_get": Spec((("allfields", None), ("attributes", None)), model_method=True),
    "default_get": Spec((("fields_list", _NO_DEFAULT),), model_method=True),
    "name_search": Spec(
        (("name", ""), ("args", None), ("operator", "ilike"), ("limit", 100), ("domain", None)),
        model_method=True,
    ),
    "context_get": Spec((), model_method=True),
    "check_object_reference": Spec(
        (("module", _NO_DEFAULT), ("xml_id", _NO_DEFAULT), ("raise_on_access_error", False)),
        model_method=True,
    ),
    "exists": Spec(()),
    "toggle_is_reached": Spec((("is_reached", _NO_DEFAULT),)),
}
KEYWORD_ONLY = frozenset({"message_post"})  # message_post(*, body=…) (reference §6.12)


@dataclass
class Call:
    """One model-method call, after the transport has unpacked it."""

    model: str
    method: str
    args: list[Any]
    kwargs: dict[str, Any]
    ids: list[int] | None = None  # JSON-2 passes ids by name


def check_method_name(method: str) -> None:
    if method.startswith("_") or method == "init":
        raise AccessError(f"Private methods (such as {method}) cannot be called remotely.")


def execute(store: Store, call: Call) -> Any:
    """Run one public model method inside the caller's transaction."""
    check_method_name(call.method)
    if not schema.has_model(call.model):
        raise UserError(f"Object {call.model} doesn't exist")  # Odoo's execute_cr
    kwargs = dict(call.kwargs)
    context = kwargs.pop("context", None) or {}
    args = list(call.args)
    spec = SPECS.get(call.method)
    record_method = not (spec and spec.model_method) and call.method != "create"
    ids = call.ids
    if record_method and ids is None:
        if not args:
            raise ServerError("builtins.TypeError", f"{call.method}() missing 'ids'")
        ids = args.pop(0)
    ids = _as_ids(ids)
    handler = _handler(call.model, call.method)
    if spec is not None:
        bound = _bind(call.method, spec, args, kwargs)
    elif call.method in KEYWORD_ONLY:
        if args:
            raise ServerError("builtins.TypeError", f"{call.method}() takes keyword arguments only")
        bound = kwargs
    else:
        bound = {"args": args, **kwargs}
    return handler(store, Ctx(call.model, ids or [], context, store.version), bound)


@dataclass(frozen=True)
class Ctx:
    model: str
    ids: list[int]
    context: dict[str, Any]
    version: str

    @property
    def active_test(self) -> bool:
        return bool(self.context.get("active_test", True))


Handler = Callable[["Store", Ctx, dict[str, Any]], Any]


def _handler(model: str, method: str) -> Handler:
    if method in ORM:
        return ORM[method]
    if method == "message_post" and model in schema.MAIL_THREAD:
        return _message_post
    if (model, method) in business.METHODS:
        fn = business.METHODS[(model, method)]

        def run(store: Store, ctx: Ctx, bound: dict[str, Any]) -> Any:
            store.check_exist(model, ctx.ids)
            args = bound.pop("args", [])
            return fn(store, ctx.ids, list(args), bound)

        return run
    raise ServerError(
        "builtins.AttributeError", f"The method '{model}.{method}' does not exist", status=404
    )


def _bind(method: str, spec: Spec, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    if len(args) > len(spec.params):
        raise ServerError("builtins.TypeError", f"{method}() takes {len(spec.params)} arguments")
    bound: dict[str, Any] = {}
    names = [name for name, _ in spec.params]
    for name, value in zip(names, args, strict=False):
        bound[name] = value
    for name, value in kwargs.items():
        if name not in names:
            raise ServerError(
                "builtins.TypeError", f"{method}() got an unexpected keyword argument '{name}'", 422
            )
        if name in bound:
            raise ServerError(
                "builtins.TypeError", f"{method}() got multiple values for argument '{name}'", 422
            )
        bound[name] = value
    for name, default in spec.params:
        if name not in bound:
            if default is _NO_DEFAULT:
                raise ServerError(
                    "builtins.TypeError", f"{method}() missing 1 required argument: '{name}'", 422
                )
            bound[name] = default
    return bound


def _as_ids(ids: Any) -> list[int] | None:
    if ids is None or ids is False:
        return None
    if isinstance(ids, int) and not isinstance(ids, bool):
        return [ids]
    if isinstance(ids, list | tuple):
        return [int(i) for i in ids]
    raise ServerError("builtins.TypeError", f"Invalid ids {ids!r}", 422)


# -- wire <-> canonical ------------------------------------------------------------------


def field_in(model: str, wire: str, version: str) -> str:
    """Canonical name of a field the client named; ValueError if this version lacks it."""
    if wire == "id" or schema.wire_field_exists(model, wire, version):
        return schema.from_wire_name(model, wire, version)
    raise ValueError(f"Invalid field {wire!r} on model {model!r}")


def vals_in(model: str, vals: dict[str, Any], version: str) -> dict[str, Any]:
    if not isinstance(vals, dict):
        raise ServerError("builtins.TypeError", f"Values must be a dict, not {vals!r}", 422)
    out: dict[str, Any] = {}
    for wire, value in vals.items():
        name = field_in(model, wire, version)
        fld = schema.field(model, name)
        if fld.x2many and isinstance(value, list | tuple):
            value = [_command_in(fld, cmd, version) for cmd in value]
        out[name] = value
    return out


def _command_in(fld: Field, cmd: Any, version: str) -> Any:
    if (
        isinstance(cmd, list | tuple)
        and len(cmd) >= 3
        and cmd[0] in (0, 1)
        and isinstance(cmd[2], dict)
    ):
        return [cmd[0], cmd[1], vals_in(fld.relation or "", cmd[2], version)]
    return cmd


def domain_in(model: str, dom: Any, version: str) -> list[Any]:
    if dom in (None, False):
        return []
    if not isinstance(dom, list | tuple):
        raise ValueError(f"Invalid domain {dom!r}")
    out: list[Any] = []
    for leaf in dom:
        if isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str):
            out.append([_path_in(model, leaf[0], version), leaf[1], leaf[2]])
        else:
            out.append(leaf)
    return out


def _path_in(model: str, path: str, version: str) -> str:
    parts, current = [], model
    for segment in path.split("."):
        name = field_in(current, segment, version)
        parts.append(name)
        relation = schema.field(current, name).relation if name != "id" else None
        current = relation or current
    return ".".join(parts)


def order_in(model: str, order: Any, version: str) -> str | None:
    if not order:
        return None
    parts = []
    for part in str(order).split(","):
        tokens = part.split()
        if tokens:
            parts.append(" ".join([field_in(model, tokens[0], version), *tokens[1:]]))
    return ", ".join(parts)


def fields_in(model: str, fields: Any, version: str) -> list[str]:
    if not fields:
        return [n for n in schema.fields_for(model, version) if n != "id"]
    return [field_in(model, f, version) for f in fields]


def row_out(model: str, row: dict[str, Any], version: str) -> dict[str, Any]:
    return {schema.to_wire_name(model, k, version): v for k, v in row.items()}


# -- ORM methods -------------------------------------------------------------------------


def _search(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    dom = domain_in(ctx.model, b["domain"], ctx.version)
    if b.get("count"):
        return store.search_count(ctx.model, dom, active_test=ctx.active_test)
    return store.search(
        ctx.model,
        dom,
        b["offset"] or 0,
        b["limit"],
        order_in(ctx.model, b["order"], ctx.version),
        ctx.active_test,
    )


def _read_rows(store: Store, ctx: Ctx, ids: list[int], fields: Any, load: Any) -> list[Any]:
    names = fields_in(ctx.model, fields, ctx.version)
    rows = store.read(ctx.model, ids, names, load=load)
    return [row_out(ctx.model, row, ctx.version) for row in rows]


def _search_read(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    ids = _search(store, ctx, {**b, "count": False})
    return _read_rows(store, ctx, ids, b["fields"], "_classic_read")


def _search_count(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    count = store.search_count(
        ctx.model, domain_in(ctx.model, b["domain"], ctx.version), ctx.active_test
    )
    return min(count, b["limit"]) if b.get("limit") else count


def _read(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    return _read_rows(store, ctx, ctx.ids, b["fields"], b["load"])


def _create(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    single = isinstance(b["vals_list"], dict)
    vals_list = [b["vals_list"]] if single else list(b["vals_list"])
    ids = []
    for vals in vals_list:
        canon = vals_in(ctx.model, vals, ctx.version)
        _context_defaults(ctx, canon)
        ids.append(store._insert(ctx.model, canon))
    return ids[0] if single else ids


def _context_defaults(ctx: Ctx, vals: dict[str, Any]) -> None:
    # The invoice wizard takes its orders from active_ids (reference §7.3); `default_<f>`
    # keys in the context act as defaults, as in Odoo.
    wizard = ctx.model == "sale.advance.payment.inv" and "sale_order_ids" not in vals
    if wizard and ctx.context.get("active_model", "sale.order") == "sale.order":
        vals["sale_order_ids"] = [[6, 0, list(ctx.context.get("active_ids") or [])]]
    for key, value in ctx.context.items():
        if key.startswith("default_"):
            name = key[len("default_") :]
            if schema.wire_field_exists(ctx.model, name, ctx.version):
                vals.setdefault(schema.from_wire_name(ctx.model, name, ctx.version), value)


def _write(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    vals = vals_in(ctx.model, b["vals"], ctx.version)
    return store.write(ctx.model, ctx.ids, vals)


def _unlink(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    return store.unlink(ctx.model, ctx.ids)


def _exists(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    return [i for i in ctx.ids if store.exists(ctx.model, i)]


def _fields_get(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    wanted = set(b["allfields"] or [])
    attributes = b["attributes"]
    out = {}
    for name, fld in schema.fields_for(ctx.model, ctx.version).items():
        if wanted and name not in wanted:
            continue
        desc = fld.describe(name)
        out[name] = {k: v for k, v in desc.items() if k in attributes} if attributes else desc
    return out


def _default_get(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    out: dict[str, Any] = {}
    available = schema.fields_for(ctx.model, ctx.version)
    for wire in b["fields_list"] or []:
        fld = available.get(wire)
        if fld is not None and fld.default is not None and not fld.x2many:
            out[wire] = values.default_value(store, fld)
    return out


def _name_search(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    dom = domain_in(ctx.model, b["args"] or b["domain"], ctx.version)
    rec_name = schema.rec_name(ctx.model)
    if b["name"] and rec_name:
        dom = [*dom, [rec_name, b["operator"], b["name"]]]
    ids = store.search(ctx.model, dom, limit=b["limit"], active_test=ctx.active_test)
    table = store.records[ctx.model]
    return [[i, store.value(ctx.model, table[i], "display_name")] for i in ids]


def _context_get(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    if ctx.model != "res.users":
        raise ServerError(
            "builtins.AttributeError", f"The method '{ctx.model}.context_get' does not exist", 404
        )
    user = store.records["res.users"].get(store.uid, {})
    return {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or False, "uid": store.uid}


def _check_object_reference(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    if ctx.model != "ir.model.data":
        raise ServerError(
            "builtins.AttributeError",
            f"The method '{ctx.model}.check_object_reference' does not exist",
            404,
        )
    xmlid = f"{b['module']}.{b['xml_id']}"
    if not store.xmlid_exists(xmlid):
        raise ValueError(f"External ID not found in the system: {xmlid}")
    model, rid = store.ref(xmlid)
    return [model, rid]


def _message_post(store: Store, ctx: Ctx, b: dict[str, Any]) -> Any:
    store.check_exist(ctx.model, ctx.ids)
    return business.message_post(store, ctx.model, ctx.ids, b)


ORM: dict[str, Handler] = {
    "search": _search,
    "search_read": _search_read,
    "search_count": _search_count,
    "read": _read,
    "create": _create,
    "write": _write,
    "unlink": _unlink,
    "exists": _exists,
    "fields_get": _fields_get,
    "default_get": _default_get,
    "name_search": _name_search,
    "context_get": _context_get,
    "check_object_reference": _check_object_reference,
}
