"""Odoo values to Python and back (DESIGN §5.3, cases.md C03).

Odoo answers `False` for an empty char, date, selection or many2one, and 0 or 0.0 for
an empty number; it cannot receive `None`. Reading: `False` becomes None except for real
booleans, numbers stay numbers (0.0 is a value), many2one pairs become `Many2one(id,
name)`, dates and datetimes are parsed (datetimes as UTC-aware), money becomes Decimal
quantized to the currency's decimals. Writing: None becomes False, Decimal a float,
dates and datetimes Odoo's strings.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

DATE_FMT = "%Y-%m-%d"
DATETIME_FMT = "%Y-%m-%d %H:%M:%S"
TEXT_TYPES = frozenset({"char", "text", "html", "selection", "reference"})


class Many2one(NamedTuple):
    """A many2one value: the target's id and its display name (kept separately)."""

    id: int
    name: str


class MalformedValue(ValueError):
    """An Odoo value that does not fit its declared type."""


def to_python(value: Any, field_type: str, *, decimals: int | None = None) -> Any:
    """Turn one raw Odoo value of a field of `field_type` into its Python value."""
    if field_type == "boolean":
        if not isinstance(value, bool):
            raise MalformedValue(f"expected a boolean, got {value!r}")
        return value
    if field_type in ("integer", "float", "monetary"):
        return _number(value, field_type, decimals)
    if value is False or value is None:
        return None
    if field_type == "many2one":
        return many2one(value)
    if field_type in ("many2many", "one2many"):
        if not isinstance(value, list) or not all(_is_id(v) for v in value):
            raise MalformedValue(f"expected a list of ids, got {value!r}")
        return list(value)
    if field_type == "date":
        return parse_date(value)
    if field_type == "datetime":
        return parse_datetime(value)
    if field_type in TEXT_TYPES:
        if not isinstance(value, str):
            raise MalformedValue(f"expected text, got {value!r}")
        return value
    return value  # binary, json, properties…: as Odoo sent them


def many2one(value: Any) -> Many2one | None:
    """`[id, name]` (or a bare id, as `_classic_write` sends) → Many2one; False → None."""
    if value is False or value is None:
        return None
    if _is_id(value):
        return Many2one(int(value), "")
    if isinstance(value, list | tuple) and len(value) == 2 and _is_id(value[0]):
        return Many2one(int(value[0]), str(value[1] or ""))
    raise MalformedValue(f"expected a many2one [id, name], got {value!r}")


def parse_date(value: Any) -> dt.date | None:
    if value is False or value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise MalformedValue(f"expected a date YYYY-MM-DD, got {value!r}") from exc


def parse_datetime(value: Any) -> dt.datetime | None:
    """Odoo datetimes travel as naive UTC strings; return them UTC-aware."""
    if value is False or value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = str(value)
    try:
        # fromisoformat is many times faster than strptime (100,000 rows per sync).
        parsed = dt.datetime.fromisoformat(text[:19])
    except ValueError as exc:
        raise MalformedValue(f"expected a datetime YYYY-MM-DD HH:MM:SS, got {value!r}") from exc
    return parsed.replace(tzinfo=dt.UTC)


def money(value: Any, decimals: int = 2) -> Decimal:
    """An amount as Decimal, quantized to the currency's decimals (never through binary)."""
    return _quantize(_decimal(value), decimals)


def _number(value: Any, field_type: str, decimals: int | None) -> Any:
    if isinstance(value, bool):
        if value is False:
            # Some Odoo versions answer False for an empty number: it means zero here.
            return (
                Decimal(0) if field_type == "monetary" else (0 if field_type == "integer" else 0.0)
            )
        raise MalformedValue(f"expected a number, got {value!r}")
    if not isinstance(value, int | float):
        raise MalformedValue(f"expected a number, got {value!r}")
    if field_type == "integer":
        return int(value)
    if field_type == "monetary" or decimals is not None:
        return _quantize(_decimal(value), 2 if decimals is None else decimals)
    return float(value)


def _decimal(value: Any) -> Decimal:
    if value is False or value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MalformedValue(f"expected an amount, got {value!r}")
    try:
        # repr() of a float is the shortest string that round-trips: 0.1 stays 0.1.
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except ArithmeticError as exc:
        raise MalformedValue(f"expected an amount, got {value!r}") from exc


def _quantize(amount: Decimal, decimals: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- writing --------------------------------------------------------------------------


def to_odoo(value: Any) -> Any:
    """One Python value as Odoo accepts it: None → False, Decimal → float, dates → text."""
    if value is None:
        return False
    if isinstance(value, Many2one):
        return value.id
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime(DATETIME_FMT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FMT)
    if isinstance(value, dict):
        return values_to_odoo(value)
    if isinstance(value, list | tuple):
        return [to_odoo(item) for item in value]
    return value


def values_to_odoo(values: dict[str, Any]) -> dict[str, Any]:
    """A dict of values for `create`/`write`; never contains None."""
    return {key: to_odoo(value) for key, value in values.items()}


def odoo_datetime(value: dt.datetime) -> str:
    """A datetime as a domain value (`'YYYY-MM-DD HH:MM:SS'`, UTC naive)."""
    return str(to_odoo(value))
