"""A safe evaluator for the Python expressions in Odoo XML data files (``eval="…"``).

Odoo runs these through ``safe_eval`` with a context of ``ref``, ``Command``, ``time``,
``DateTime``/``datetime``, ``timedelta`` and ``relativedelta``. The demo files use a small
part of that language: literals, x2many commands, ``ref('xmlid')`` and relative dates.
This module walks the ``ast`` of an expression and evaluates only that part; anything
else (imports, dunder attributes, subscripts, arbitrary calls, ``obj().search(…)``)
raises :class:`ExpressionError` naming what was refused. Python's ``eval`` is never used.

Dates never come from the wall clock: ``DateTime.now()``, ``datetime.today()``,
``date.today()`` and ``time.strftime`` all answer from the fixed ``now`` the caller gives.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta

RefResolver = Callable[[str], int]
GroupCheck = Callable[[str], bool]

# Expressions in data files are short; a cap stops a pathological file from building
# huge strings or lists through repetition.
MAX_EXPRESSION_LENGTH = 10_000
MAX_SEQUENCE_REPEAT = 1_000


class ExpressionError(ValueError):
    """An expression uses something outside the evaluator's small, safe language."""


def default_now(today: dt.date) -> dt.datetime:
    """Return the fixed "now" for a given today: noon, naive, as Odoo's UTC datetimes are.

    Noon keeps every ``+/- hours`` offset a demo file uses (at most a few hours) and every
    time-zone shift on the same calendar day.
    """
    return dt.datetime.combine(today, dt.time(12, 0))


class _Namespace:
    """An object whose public attributes are exactly the given callables or values."""

    def __init__(self, name: str, **members: Any) -> None:
        self._name = name
        self._members = members

    def member(self, attr: str) -> Any:
        if attr not in self._members:
            raise ExpressionError(f"'{self._name}.{attr}' is not supported")
        return self._members[attr]

    def __repr__(self) -> str:
        return f"<{self._name}>"


class _DateTimeClass(_Namespace):
    """Stands for ``datetime.datetime`` (Odoo binds it as both ``DateTime`` and ``datetime``)."""

    def __init__(self, name: str, now: dt.datetime) -> None:
        super().__init__(name, today=lambda: now, now=lambda: now, combine=dt.datetime.combine)

    def __call__(
        self, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
    ) -> dt.datetime:
        return dt.datetime(year, month, day, hour, minute, second)


class _DateClass(_Namespace):
    """Stands for ``datetime.date``."""

    def __init__(self, now: dt.datetime) -> None:
        super().__init__("date", today=lambda: now.date())

    def __call__(self, year: int, month: int, day: int) -> dt.date:
        return dt.date(year, month, day)


@dataclass(frozen=True)
class RecordRef:
    """What ``obj().env.ref('xmlid')`` evaluates to: only ``.id`` may be read from it."""

    id: int


def _command_namespace() -> _Namespace:
    # Odoo's fields.Command helpers return these tuples (reference §6.1).
    return _Namespace(
        "Command",
        create=lambda values: (0, 0, values),
        update=lambda record_id, values: (1, record_id, values),
        delete=lambda record_id: (2, record_id, 0),
        unlink=lambda record_id: (3, record_id, 0),
        link=lambda record_id: (4, record_id, 0),
        clear=lambda: (5, 0, 0),
        set=lambda ids: (6, 0, list(ids)),
    )


_BIN_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY_OPS: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARE_OPS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
# Methods callable on values an expression produced (dates, strings). Everything else,
# including every name starting with an underscore, is refused.
_VALUE_METHODS: dict[type, frozenset[str]] = {
    dt.datetime: frozenset({"strftime", "replace", "date", "isoformat", "weekday"}),
    dt.date: frozenset({"strftime", "replace", "isoformat", "weekday"}),
    str: frozenset({"strip", "upper", "lower", "format"}),
}
_VALUE_ATTRIBUTES: dict[type, frozenset[str]] = {
    dt.datetime: frozenset({"year", "month", "day", "hour", "minute", "second"}),
    dt.date: frozenset({"year", "month", "day"}),
    RecordRef: frozenset({"id"}),
}
_RELATIVEDELTA_KEYWORDS = frozenset(
    {"years", "months", "weeks", "days", "hours", "minutes", "seconds", "weekday", "day",
     "month", "year", "hour", "minute", "second", "microsecond"}
)  # fmt: skip
_TIMEDELTA_KEYWORDS = frozenset({"weeks", "days", "hours", "minutes", "seconds"})


class Evaluator:
    """Evaluate data-file expressions against ``ref``, a fixed ``now`` and nothing else."""

    def __init__(
        self,
        ref: RefResolver,
        now: dt.datetime,
        *,
        has_group: GroupCheck | None = None,
    ) -> None:
        self._ref = ref
        self._has_group = has_group
        env = _Namespace("obj().env", ref=lambda xmlid: RecordRef(ref(xmlid)))
        if has_group is not None:
            user = _Namespace("obj().env.user", has_group=has_group)
            env = _Namespace("obj().env", ref=env.member("ref"), user=user)
        obj = _Namespace("obj()", env=env)
        self._names: dict[str, Any] = {
            "ref": ref,
            "obj": lambda: obj,
            "Command": _command_namespace(),
            "DateTime": _DateTimeClass("DateTime", now),
            "datetime": _DateTimeClass("datetime", now),
            "date": _DateClass(now),
            "time": _Namespace("time", strftime=now.strftime),
            "relativedelta": _checked_keywords(relativedelta, _RELATIVEDELTA_KEYWORDS),
            "timedelta": _checked_keywords(dt.timedelta, _TIMEDELTA_KEYWORDS),
            "str": str,
            "int": int,
            "float": float,
            "bool": bool,
            "True": True,
            "False": False,
            "None": None,
        }

    def evaluate(self, expression: str, names: Mapping[str, Any] | None = None) -> Any:
        """Evaluate one expression; raise ExpressionError for anything outside the language."""
        if len(expression) > MAX_EXPRESSION_LENGTH:
            raise ExpressionError("expression is too long")
        try:
            tree = ast.parse(expression.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"not a Python expression: {exc.msg}") from exc
        scope = dict(self._names)
        if names:
            scope.update(names)
        return _Walker(scope).visit(tree.body)


def _checked_keywords(factory: Callable[..., Any], allowed: frozenset[str]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise ExpressionError(f"unsupported keyword(s) {unknown} for {factory.__name__}")
        return factory(*args, **kwargs)

    call.__name__ = factory.__name__
    return call


class _Walker:
    """Evaluate an AST node by node; each node type has an explicit rule or is refused."""

    def __init__(self, scope: dict[str, Any]) -> None:
        self._scope = scope

    def visit(self, node: ast.AST) -> Any:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(f"{type(node).__name__} is not allowed in data expressions")
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> Any:
        if not isinstance(node.value, (str, int, float, bool, type(None))):
            raise ExpressionError(f"constant {node.value!r} is not allowed")
        return node.value

    def visit_List(self, node: ast.List) -> list[Any]:
        return [self.visit(item) for item in node.elts]

    def visit_Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.visit(item) for item in node.elts)

    def visit_Dict(self, node: ast.Dict) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise ExpressionError("dict unpacking (**) is not allowed")
            result[self.visit(key)] = self.visit(value)
        return result

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id not in self._scope:
            raise ExpressionError(f"name '{node.id}' is not allowed")
        return self._scope[node.id]

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            raise ExpressionError(f"access to attribute '{node.attr}' is not allowed")
        value = self.visit(node.value)
        if isinstance(value, _Namespace):
            return value.member(node.attr)
        for kind, methods in _VALUE_METHODS.items():
            if isinstance(value, kind) and node.attr in methods:
                return getattr(value, node.attr)
        for kind, attributes in _VALUE_ATTRIBUTES.items():
            if isinstance(value, kind) and node.attr in attributes:
                return getattr(value, node.attr)
        raise ExpressionError(f"attribute '{node.attr}' of {type(value).__name__} is not allowed")

    def visit_Call(self, node: ast.Call) -> Any:
        function = self.visit(node.func)
        # Only callables the scope or the value tables handed out get here; of bare
        # classes, only the four converters are callable.
        if not callable(function) or (
            isinstance(function, type) and function not in (str, int, float, bool)
        ):
            raise ExpressionError(f"calling {function!r} is not allowed")
        args: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError("argument unpacking (*) is not allowed")
            args.append(self.visit(arg))
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                raise ExpressionError("keyword unpacking (**) is not allowed")
            kwargs[keyword.arg] = self.visit(keyword.value)
        try:
            return function(*args, **kwargs)
        except ExpressionError:
            raise
        except (TypeError, ValueError, KeyError, LookupError) as exc:
            raise ExpressionError(f"call failed: {exc}") from exc

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        op = _BIN_OPS.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Mult):
            _check_repeat(left, right)
        try:
            return op(left, right)
        except (TypeError, ZeroDivisionError, OverflowError) as exc:
            raise ExpressionError(f"arithmetic failed: {exc}") from exc

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        op = _UNARY_OPS.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        return op(self.visit(node.operand))

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        values = [self.visit(value) for value in node.values]
        if isinstance(node.op, ast.And):
            return all(values) and values[-1]
        return next((value for value in values if value), values[-1])

    def visit_Compare(self, node: ast.Compare) -> bool:
        left = self.visit(node.left)
        for op_node, comparator in zip(node.ops, node.comparators, strict=True):
            op = _COMPARE_OPS.get(type(op_node))
            if op is None:
                raise ExpressionError(f"comparison {type(op_node).__name__} is not allowed")
            right = self.visit(comparator)
            if not op(left, right):
                return False
            left = right
        return True

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)


def _check_repeat(left: Any, right: Any) -> None:
    for sequence, count in ((left, right), (right, left)):
        repeated = isinstance(sequence, (str, list, tuple)) and isinstance(count, int)
        if repeated and count > MAX_SEQUENCE_REPEAT:
            raise ExpressionError("sequence repetition is too large")


def as_list(value: Any) -> Sequence[Any]:
    """Return a function element's evaluated arguments as a list (Odoo wraps scalars)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]
