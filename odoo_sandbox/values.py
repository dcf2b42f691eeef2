"""Conversion and validation of client values into canonical stored values."""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from odoo_sandbox import schema
from odoo_sandbox.exceptions import ValidationError
from odoo_sandbox.fields import Field

if TYPE_CHECKING:
    from odoo_sandbox.store import Record, Store

DATETIME_FMT = "%Y-%m-%d %H:%M:%S"

MAGIC = frozenset({"id", "display_name", "create_date", "write_date", "create_uid", "write_uid"})


def check_names(model: str, vals: dict[str, Any], mfields: dict[str, Field]) -> None:
    for name in vals:
        if name not in mfields:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")


def check_required(model: str, rec: Record) -> None:
    for name, fld in schema.required_fields(model):
        value = rec.get(name)
        if value is None or value is False or value == "":
            if fld.type in ("integer", "float", "monetary") and value is not None:
                continue
            raise ValidationError(
                "The operation cannot be completed: A mandatory field is not set.\n"
                f"Model: {model}, Field: {fld.string or name} ({name})"
            )


def default_value(store: Store, fld: Field) -> Any:
    if fld.default is list:
        return []
    if callable(fld.default):
        return fld.default(store)
    return copy.copy(fld.default)


def m2o_value(store: Store, model: str, name: str, fld: Field, raw: Any) -> int | bool:
    if raw in (False, None, 0):
        return False
    if isinstance(raw, list | tuple) and raw:
        raw = raw[0]  # tolerate [id, name] pairs sent back by clients
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"Wrong value for {model}.{name}: {raw!r}")
    if raw not in store.records[fld.relation or ""]:
        store.check_exist(fld.relation or "", [raw])
    return raw


def commands(model: str, name: str, raw: Any) -> list[list[Any]]:
    """Normalise x2many commands, accepting odoorpc's short forms `(5,)`, `(4, id)`.

    A bare list of ids is refused: real Odoo's handling is inconsistent across versions, and
    being strict forces the portal to send explicit commands (cases.md C02).
    """
    if raw in (False, None):
        return [[5]]
    if not isinstance(raw, list | tuple):
        raise ValidationError(f"Invalid x2many value for {model}.{name}: {raw!r}")
    out: list[list[Any]] = []
    for cmd in raw:
        if not isinstance(cmd, list | tuple) or not cmd or not isinstance(cmd[0], int):
            raise ValidationError(
                f"Invalid value for {model}.{name}: x2many fields take a list of commands "
                f"such as [(6, 0, ids)], not {raw!r}"
            )
        code = cmd[0]
        if code not in range(7) or (code in (1, 2, 3, 4) and len(cmd) < 2):
            raise ValidationError(f"Invalid x2many command {list(cmd)!r} for {model}.{name}")
        if code == 1 and (len(cmd) < 3 or not isinstance(cmd[2], dict)):
            raise ValidationError(f"Invalid x2many command {list(cmd)!r} for {model}.{name}")
        out.append(list(cmd))
    return out


def stamp_of(value: dt.datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime(DATETIME_FMT)
    result = datetime_value(value)
    return result if isinstance(result, str) else None


def date_value(raw: Any) -> str | bool:
    if raw is False or raw == "":
        return False
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    text = str(raw)[:10]
    try:
        dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"'{raw}' does not match format '%Y-%m-%d'") from exc
    return text


def datetime_value(raw: Any) -> str | bool:
    if raw is False or raw == "":
        return False
    if isinstance(raw, dt.datetime):
        return raw.strftime(DATETIME_FMT)
    if isinstance(raw, dt.date):
        return f"{raw.isoformat()} 00:00:00"
    text = str(raw).replace("T", " ")
    if len(text) == 10:
        text += " 00:00:00"
    try:
        dt.datetime.strptime(text[:19], DATETIME_FMT)
    except ValueError as exc:
        raise ValueError(f"'{raw}' does not match format '%Y-%m-%d %H:%M:%S'") from exc
    return text[:19]
