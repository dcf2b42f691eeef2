"""The one interface the portal uses to talk to Odoo, whatever the transport.

Two transports implement it: JSON-RPC through `odoorpc` (Odoo 16 to 19) and JSON-2 over
httpx (Odoo 19+). Callers pass explicit field lists and receive Odoo's raw values;
turning them into Python types is the mirror's job (`portal.odoo.values`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

Domain = list[Any]
Record = dict[str, Any]


class OdooError(Exception):
    """Base of every error the gateway raises."""

    def __init__(self, message: str, *, name: str = "", url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.url = url


class OdooUnavailable(OdooError):
    """Network failure, timeout, 5xx, serialization conflict or lock: retry later."""


class OdooRejected(OdooError):
    """Odoo refused the call (ValidationError, UserError, AccessError, MissingError)."""


class OdooCredentialsError(OdooError):
    """Login refused or API key invalid: never retried in a loop."""


class OdooSessionExpired(OdooUnavailable):
    """The server session expired; one fresh login, then the call is retried once."""


class OdooClient(Protocol):
    """What every transport offers. Ids are Odoo ids; values use Odoo's vocabulary."""

    url: str
    version: str

    @property
    def major(self) -> int: ...

    def fields_get(self, model: str, attributes: Sequence[str] = ...) -> dict[str, Record]: ...

    def search(
        self,
        model: str,
        domain: Domain,
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: Record | None = None,
    ) -> list[int]: ...

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
    ) -> list[Record]: ...

    def read(
        self, model: str, ids: Sequence[int], fields: Sequence[str], context: Record | None = None
    ) -> list[Record]: ...

    def search_count(self, model: str, domain: Domain, context: Record | None = None) -> int: ...

    def create(self, model: str, values: Record, context: Record | None = None) -> int: ...

    def create_many(
        self, model: str, values: Sequence[Record], context: Record | None = None
    ) -> list[int]: ...

    def write(
        self, model: str, ids: Sequence[int], values: Record, context: Record | None = None
    ) -> bool: ...

    def unlink(self, model: str, ids: Sequence[int]) -> bool: ...

    def call(
        self,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        *args: Any,
        context: Record | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call a named public method (`action_confirm`, `message_post`…)."""
        ...
