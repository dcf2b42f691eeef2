"""Field descriptors of the sandbox schema (canonical names are Odoo 18.0's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Selection = tuple[tuple[str, str], ...]

# A default is either a literal or a callable taking the Store (typed loosely to keep
# this module free of an import cycle with store.py).
Default = Any

RELATIONAL = frozenset({"many2one", "one2many", "many2many"})
X2MANY = frozenset({"one2many", "many2many"})
NUMERIC = frozenset({"integer", "float", "monetary"})


@dataclass(frozen=True)
class Field:
    """One field of a model as fields_get describes it (reference §1.4, §6)."""

    type: str
    string: str = ""
    relation: str | None = None
    inverse_name: str | None = None
    selection: Selection | None = None
    required: bool = False
    readonly: bool = False
    compute: bool = False
    default: Default = None
    # Not readable over RPC (res.users.password, apikey hashes); never in fields_get.
    hidden: bool = False

    @property
    def relational(self) -> bool:
        return self.type in RELATIONAL

    @property
    def x2many(self) -> bool:
        return self.type in X2MANY

    @property
    def stored(self) -> bool:
        """Whether the store keeps a value (one2many and computes are derived on read)."""
        return not self.compute and self.type != "one2many"

    def empty(self) -> Any:
        """Odoo's value for an empty field: [] for x2many, 0 for numbers, else False."""
        if self.x2many:
            return []
        if self.type in NUMERIC:
            return 0.0 if self.type != "integer" else 0
        return False

    def describe(self, name: str) -> dict[str, Any]:
        """Return the fields_get attributes of this field."""
        desc: dict[str, Any] = {
            "type": self.type,
            "string": self.string or name.replace("_", " ").title(),
            "required": self.required,
            "readonly": self.readonly or self.compute,
            "store": not self.compute,
            "searchable": True,
            "sortable": self.type not in X2MANY,
            "name": name,
        }
        if self.relation:
            desc["relation"] = self.relation
        if self.inverse_name:
            desc["relation_field"] = self.inverse_name
        if self.selection is not None:
            desc["selection"] = [list(pair) for pair in self.selection]
        if self.type == "monetary":
            desc["currency_field"] = "currency_id"
        return desc


def _mk(type_: str) -> Callable[..., Field]:
    def make(string: str = "", **kw: Any) -> Field:
        return Field(type_, string, **kw)

    return make


char = _mk("char")
text = _mk("text")
html = _mk("html")
boolean = _mk("boolean")
integer = _mk("integer")
float_ = _mk("float")
monetary = _mk("monetary")
date = _mk("date")
datetime = _mk("datetime")
binary = _mk("binary")


def selection(values: Selection, string: str = "", **kw: Any) -> Field:
    return Field("selection", string, selection=values, **kw)


def m2o(relation: str, string: str = "", **kw: Any) -> Field:
    return Field("many2one", string, relation=relation, **kw)


def o2m(relation: str, inverse_name: str, string: str = "", **kw: Any) -> Field:
    return Field("one2many", string, relation=relation, inverse_name=inverse_name, **kw)


def m2m(relation: str, string: str = "", **kw: Any) -> Field:
    return Field("many2many", string, relation=relation, **kw)


def computed(field: Field) -> Field:
    """Mark a field computed (readonly, not stored; its value comes from computes.py)."""
    return Field(
        field.type,
        field.string,
        relation=field.relation,
        inverse_name=field.inverse_name,
        selection=field.selection,
        readonly=True,
        compute=True,
    )


def sel(*pairs: str) -> Selection:
    """Build a selection from alternating value, label strings."""
    return tuple((pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2))
