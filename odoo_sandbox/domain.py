"""Odoo domain evaluation over the store (prefix `&`/`|`/`!`, implicit AND; §9.3 ref)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from odoo_sandbox import schema

if TYPE_CHECKING:
    from odoo_sandbox.store import Record, Store

Matcher = Callable[["Record"], bool]
OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "not in",
        "like",
        "ilike",
        "not like",
        "not ilike",
        "=like",
        "=ilike",
        "child_of",
        "parent_of",
        "=?",
    }
)
NEGATIVE = {"!=": "=", "<>": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)


def filter_ids(store: Store, model: str, dom: list[Any], active_test: bool = True) -> list[int]:
    """Ids (ascending) of `model` records matching `dom`."""
    if active_test and schema.has_active(model) and not _mentions_active(dom):
        dom = ["&", ("active", "=", True), *dom] if dom else [("active", "=", True)]
    table = store.records[model]
    match = compile_domain(store, model, dom)
    candidates = _candidates(store, model, dom)
    ids = sorted(candidates) if candidates is not None else list(table)
    return [rid for rid in ids if rid in table and match(table[rid])]


def compile_domain(store: Store, model: str, dom: list[Any]) -> Matcher:
    """Compile a domain into a predicate over raw records."""
    tokens = list(dom)
    if not tokens:
        return lambda rec: True
    nodes: list[Matcher] = []
    pos = 0
    while pos < len(tokens):
        node, pos = _parse(store, model, tokens, pos)
        nodes.append(node)
    if len(nodes) == 1:
        return nodes[0]
    return lambda rec: all(n(rec) for n in nodes)


def _parse(store: Store, model: str, tokens: list[Any], pos: int) -> tuple[Matcher, int]:
    token = tokens[pos]  # an operator or a leaf (ruff's S105 takes `token` for a secret)
    if token == "!":  # noqa: S105
        inner, pos = _parse(store, model, tokens, pos + 1)
        return (lambda rec: not inner(rec)), pos
    if token in ("&", "|"):
        left, pos = _parse(store, model, tokens, pos + 1)
        right, pos = _parse(store, model, tokens, pos)
        if token == "&":  # noqa: S105
            return (lambda rec: left(rec) and right(rec)), pos
        return (lambda rec: left(rec) or right(rec)), pos
    if not isinstance(token, list | tuple) or len(token) != 3:
        raise ValueError(f"Invalid leaf {token!r}")
    return _leaf(store, model, tuple(token)), pos + 1


def _leaf(store: Store, model: str, leaf: tuple[Any, ...]) -> Matcher:
    path, op, right = leaf
    if leaf in (TRUE_LEAF, FALSE_LEAF):
        result = leaf == TRUE_LEAF
        return lambda rec: result
    op = str(op).lower()
    if op not in OPERATORS:
        raise ValueError(f"Invalid operator {op!r} in leaf {list(leaf)!r}")
    if op == "=?":
        if right is False or right is None:
            return lambda rec: True
        op = "="
    name, _, rest = str(path).partition(".")
    mfields = schema.model_fields(model)
    if name not in mfields or mfields[name].hidden:
        raise ValueError(f"Invalid field {model}.{name} in leaf {list(leaf)!r}")
    fld = mfields[name]
    if rest:
        if not fld.relational:
            raise ValueError(f"Invalid path {path!r} in leaf {list(leaf)!r}")
        return _path_leaf(store, model, name, fld.relation or "", (rest, op, right))
    if op in NEGATIVE:
        positive = _leaf(store, model, (name, NEGATIVE[op], right))
        return lambda rec: not positive(rec)
    if op in ("child_of", "parent_of"):
        return _hierarchy_leaf(store, model, name, op, right)
    test = _value_test(store, model, name, op, right)
    return lambda rec: test(store.value(model, rec, name))


def _path_leaf(store: Store, model: str, name: str, relation: str, sub: tuple[Any, ...]) -> Matcher:
    # `project_id.partner_id = 7`: true when any record reached through `name` matches.
    inner = _leaf(store, relation, sub)
    table = store.records[relation]

    def match(rec: Record) -> bool:
        value = store.value(model, rec, name)
        targets = value if isinstance(value, list) else ([value] if value else [])
        return any(t in table and inner(table[t]) for t in targets)

    return match


def _hierarchy_leaf(store: Store, model: str, name: str, op: str, right: Any) -> Matcher:
    fld = schema.field(model, name)
    target = fld.relation if fld.relational else model
    parent = schema.parent_field(target or model)
    roots = {int(v) for v in (right if isinstance(right, list | tuple) else [right]) if v}
    if parent is None:
        wanted = roots
    elif op == "child_of":
        wanted = _descendants(store, target or model, parent, roots)
    else:
        wanted = _ancestors(store, target or model, parent, roots)
    return _membership(store, model, name, wanted)


def _descendants(store: Store, model: str, parent: str, roots: set[int]) -> set[int]:
    seen, todo = set(roots), list(roots)
    children = store.index.get((model, parent), {})
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _ancestors(store: Store, model: str, parent: str, roots: set[int]) -> set[int]:
    seen: set[int] = set()
    table = store.records[model]
    for rid in roots:
        while rid and rid in table and rid not in seen:
            seen.add(rid)
            rid = table[rid].get(parent) or 0
    return seen


def _membership(store: Store, model: str, name: str, wanted: set[int]) -> Matcher:
    def match(rec: Record) -> bool:
        value = store.value(model, rec, name)
        if isinstance(value, list):
            return any(v in wanted for v in value)
        return value in wanted

    return match


def _value_test(store: Store, model: str, name: str, op: str, right: Any) -> Callable[[Any], bool]:
    fld = schema.field(model, name)
    if fld.relational and _is_name_search(right):
        # ('partner_id', 'ilike', 'Deco'): compare with the targets' display names.
        relation = fld.relation or ""
        names = _test_scalar(op, right, "char")

        def by_name(value: Any) -> bool:
            ids = value if isinstance(value, list) else ([value] if value else [])
            table = store.records[relation]
            return any(
                i in table and names(store.value(relation, table[i], "display_name")) for i in ids
            )

        return by_name
    if fld.x2many:
        return _x2many_test(op, right)
    if fld.type == "datetime" and isinstance(right, str) and len(right) == 10:
        right = f"{right} 00:00:00"
    return _test_scalar(op, right, fld.type)


def _is_name_search(right: Any) -> bool:
    if isinstance(right, str):
        return True
    return isinstance(right, list | tuple) and bool(right) and isinstance(right[0], str)


def _x2many_test(op: str, right: Any) -> Callable[[Any], bool]:
    if right is False or right is None:
        return (lambda ids: not ids) if op == "=" else (lambda ids: bool(ids))
    wanted = set(right) if isinstance(right, list | tuple) else {right}
    if op in ("=", "in"):
        return lambda ids: any(i in wanted for i in ids)
    raise ValueError(f"Operator {op!r} is not supported on x2many fields")


def _test_scalar(op: str, right: Any, ftype: str) -> Callable[[Any], bool]:
    numeric = ftype in ("integer", "float", "monetary")
    if op == "=":
        if right is False or right is None:
            return (lambda v: v in (False, None, 0)) if numeric else (lambda v: v in (False, None))
        return lambda v: v == right
    if op == "in":
        values = list(right) if isinstance(right, list | tuple) else [right]
        with_false = False in values or None in values
        wanted = {v for v in values if v is not False and v is not None}
        return lambda v: (v in (False, None) and with_false) or (v in wanted)
    if op in ("<", "<=", ">", ">="):
        return _ordering(op, right, numeric)
    return _like(op, right)


def _ordering(op: str, right: Any, numeric: bool) -> Callable[[Any], bool]:
    def test(v: Any) -> bool:
        if (v is False or v is None) and not numeric:
            return False  # SQL: comparing NULL is never true
        left = 0 if v is False or v is None else v
        try:
            if op == "<":
                return bool(left < right)
            if op == "<=":
                return bool(left <= right)
            if op == ">":
                return bool(left > right)
            return bool(left >= right)
        except TypeError:
            return False

    return test


def _like(op: str, right: Any) -> Callable[[Any], bool]:
    pattern = str(right)
    if op in ("like", "ilike"):
        pattern = f"%{pattern}%"
    regex = _like_regex(pattern, op.endswith("ilike"))

    def test(v: Any) -> bool:
        if v is False or v is None:
            return False
        return regex.fullmatch(str(v)) is not None

    return test


@lru_cache(maxsize=512)
def _like_regex(pattern: str, insensitive: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if insensitive else re.DOTALL)


def _mentions_active(dom: list[Any]) -> bool:
    return any(
        isinstance(leaf, list | tuple) and len(leaf) == 3 and str(leaf[0]).split(".")[0] == "active"
        for leaf in dom
    )


def _candidates(store: Store, model: str, dom: list[Any]) -> set[int] | None:
    """Narrow the scan with the many2one index when every leaf is ANDed (a fast path)."""
    if any(tok in ("|", "!") for tok in dom):
        return None
    found: set[int] | None = None
    mfields = schema.model_fields(model)
    for leaf in dom:
        if not isinstance(leaf, list | tuple) or len(leaf) != 3:
            continue
        name, op, right = leaf
        values = _int_values(op, right)
        if values is None:
            continue
        if name == "id":
            ids = set(values)
        elif name in mfields and mfields[name].type == "many2one" and mfields[name].stored:
            bucket = store.index.get((model, name), {})
            ids = set().union(*(bucket.get(v, set()) for v in values)) if values else set()
        else:
            continue
        found = ids if found is None else found & ids
    return found


def _int_values(op: str, right: Any) -> list[int] | None:
    if op == "=" and isinstance(right, int) and not isinstance(right, bool) and right:
        return [right]
    ints = isinstance(right, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in right
    )
    if op == "in" and ints:
        return list(right)
    return None
