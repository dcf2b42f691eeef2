"""One field vocabulary for the portal, whatever the Odoo version (DESIGN §5.2).

The portal speaks Odoo 18.0's field names. `MappedClient` wraps a transport and
translates names in field lists, domains, orders, values and results to and from the
server's names. The static rename table says what each version calls a field; a
`fields_get` probe per model (once, on first use) confirms it, and fields the server
lacks are dropped from reads and listed in one log line per model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.odoo.client import Domain, OdooClient, Record

logger = logging.getLogger(__name__)

# Portal (18.0) name -> the server's name, per Odoo major version (reference §0 item 10).
RENAMES: dict[int, dict[str, dict[str, str]]] = {
    16: {
        "project.project": {"account_id": "analytic_account_id"},
        "project.task": {"allocated_hours": "planned_hours"},
        "sale.order": {"project_account_id": "analytic_account_id"},
    },
    17: {
        "project.project": {"account_id": "analytic_account_id"},
        "sale.order": {"project_account_id": "analytic_account_id"},
    },
    18: {},
    19: {
        "sale.order.line": {"product_uom": "product_uom_id", "tax_id": "tax_ids"},
        "res.users": {"groups_id": "group_ids"},
    },
}
# Fields a version no longer has at all (reads drop them; the mirror stores NULL).
REMOVED: dict[int, dict[str, frozenset[str]]] = {
    19: {"res.partner": frozenset({"mobile", "title"})},
}


def renames_for(major: int, model: str) -> dict[str, str]:
    """Renames that apply to `model` on a server of `major` (nearest known version)."""
    known = sorted(RENAMES)
    nearest = max((v for v in known if v <= major), default=known[0])
    return RENAMES[nearest].get(model, {})


@dataclass(frozen=True)
class FieldInfo:
    type: str
    relation: str | None = None


class FieldMap:
    """Names and types of one model's fields on one server, in portal vocabulary."""

    def __init__(self, model: str, major: int, server_fields: dict[str, Record]) -> None:
        self.model = model
        renames = renames_for(major, model)
        self.to_server: dict[str, str] = {}
        self.info: dict[str, FieldInfo] = {}
        reverse = {server: portal for portal, server in renames.items()}
        for server_name, attrs in server_fields.items():
            portal_name = reverse.get(server_name, server_name)
            if portal_name in self.to_server and server_name == portal_name:
                continue  # the renamed field wins over a same-named leftover
            self.to_server[portal_name] = server_name
            self.info[portal_name] = FieldInfo(
                str(attrs.get("type", "")), attrs.get("relation") or None
            )
        self.to_portal = {server: portal for portal, server in self.to_server.items()}
        self._warned: set[str] = set()

    def has(self, name: str) -> bool:
        return name in self.to_server

    def server_name(self, name: str) -> str:
        """The server's name for a portal field (unknown names pass through unchanged)."""
        return self.to_server.get(name, name)

    def readable(self, names: Sequence[str]) -> list[str]:
        """Server names of the fields to read; fields the server lacks are dropped."""
        missing = [n for n in names if n not in self.to_server and n != "id"]
        new = [n for n in missing if n not in self._warned]
        if new:
            self._warned.update(new)
            logger.info(
                "Odoo has no field %s on %s; reading without it",
                ", ".join(sorted(new)),
                self.model,
            )
        return [self.to_server[n] for n in names if n in self.to_server]

    def record_to_portal(self, record: Record) -> Record:
        return {self.to_portal.get(key, key): value for key, value in record.items()}

    def values_to_server(self, values: Record) -> Record:
        return {self.server_name(key): value for key, value in values.items()}

    def domain_to_server(self, domain: Domain) -> Domain:
        out: Domain = []
        for item in domain:
            if isinstance(item, list | tuple) and len(item) == 3 and isinstance(item[0], str):
                head, dot, rest = item[0].partition(".")
                out.append([f"{self.server_name(head)}{dot}{rest}", item[1], item[2]])
            else:
                out.append(item)
        return out

    def order_to_server(self, order: str | None) -> str | None:
        if not order:
            return order
        parts = []
        for part in order.split(","):
            tokens = part.split()
            if tokens:
                parts.append(" ".join([self.server_name(tokens[0]), *tokens[1:]]))
        return ", ".join(parts)


class MappedClient:
    """An OdooClient speaking the portal's (18.0) field names to any Odoo version."""

    def __init__(self, inner: OdooClient) -> None:
        self.inner = inner
        self._maps: dict[str, FieldMap] = {}
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.inner.url

    @property
    def version(self) -> str:
        return self.inner.version

    @property
    def major(self) -> int:
        return self.inner.major

    @property
    def transport(self) -> str:
        return str(getattr(self.inner, "transport", "?"))

    @property
    def calls(self) -> int:
        """Odoo requests made so far by this client (for sync statistics)."""
        return int(getattr(self.inner, "calls", 0))

    def fields(self, model: str) -> FieldMap:
        """The model's field map, probing `fields_get` the first time."""
        with self._lock:
            found = self._maps.get(model)
        if found is not None:
            return found
        probed = self.inner.fields_get(model, ["type", "relation"])
        field_map = FieldMap(model, self.major, probed)
        with self._lock:
            self._maps.setdefault(model, field_map)
        return field_map

    def field_info(self, model: str) -> dict[str, FieldInfo]:
        return self.fields(model).info

    # -- OdooClient ---------------------------------------------------------------------

    def fields_get(
        self, model: str, attributes: Sequence[str] = ("type", "relation")
    ) -> dict[str, Record]:
        result = self.inner.fields_get(model, attributes)
        field_map = self.fields(model)
        return {field_map.to_portal.get(k, k): v for k, v in result.items()}

    def search(
        self,
        model: str,
        domain: Domain,
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: Record | None = None,
    ) -> list[int]:
        fm = self.fields(model)
        return self.inner.search(
            model,
            fm.domain_to_server(domain),
            offset=offset,
            limit=limit,
            order=fm.order_to_server(order),
            context=context,
        )

    def search_read(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: Record | None = None,
    ) -> list[Record]:
        fm = self.fields(model)
        rows = self.inner.search_read(
            model,
            fm.domain_to_server(domain),
            fm.readable(fields),
            offset=offset,
            limit=limit,
            order=fm.order_to_server(order),
            context=context,
        )
        return [fm.record_to_portal(row) for row in rows]

    def read(
        self, model: str, ids: Sequence[int], fields: Sequence[str], context: Record | None = None
    ) -> list[Record]:
        fm = self.fields(model)
        rows = self.inner.read(model, ids, fm.readable(fields), context)
        return [fm.record_to_portal(row) for row in rows]

    def search_count(self, model: str, domain: Domain, context: Record | None = None) -> int:
        return self.inner.search_count(model, self.fields(model).domain_to_server(domain), context)

    def create(self, model: str, values: Record, context: Record | None = None) -> int:
        return self.inner.create(model, self.fields(model).values_to_server(values), context)

    def create_many(
        self, model: str, values: Sequence[Record], context: Record | None = None
    ) -> list[int]:
        fm = self.fields(model)
        return self.inner.create_many(model, [fm.values_to_server(v) for v in values], context)

    def write(
        self, model: str, ids: Sequence[int], values: Record, context: Record | None = None
    ) -> bool:
        return self.inner.write(model, ids, self.fields(model).values_to_server(values), context)

    def unlink(self, model: str, ids: Sequence[int]) -> bool:
        return self.inner.unlink(model, ids)

    def call(
        self,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        *args: Any,
        context: Record | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.inner.call(model, method, ids, *args, context=context, **kwargs)
