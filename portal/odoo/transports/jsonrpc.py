"""The JSON-RPC transport (`/jsonrpc`) through odoorpc 0.10, for Odoo 16 to 19.

This is the only module that imports odoorpc. Every model call goes through
`ODOO.execute_kw` with explicit field lists: `browse()` and `env[...]` are never used,
because they read every field of a model (a full `fields_get`, then all columns).
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import urllib.error
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import odoorpc
import odoorpc.error

from portal.odoo.client import (
    Domain,
    OdooCredentialsError,
    OdooError,
    OdooRejected,
    OdooSessionExpired,
    OdooUnavailable,
    Record,
)
from portal.odoo.transports import major_of, split_url

logger = logging.getLogger(__name__)
# odoorpc logs every request body at DEBUG, and `execute_kw` carries the password (or API
# key) in its args, which odoorpc does not mask: keep that logger above DEBUG.
logging.getLogger("odoorpc.rpc.jsonrpclib").setLevel(logging.INFO)

T = TypeVar("T")

# Odoo exceptions that mean "this call will never succeed as it is" (reference §2.3).
REJECTED_NAMES = frozenset({"ValidationError", "UserError", "AccessError", "MissingError"})
# Concurrency failures Odoo itself would retry: a later attempt may well succeed.
UNAVAILABLE_NAMES = frozenset(
    {"LockError", "SerializationFailure", "LockNotAvailable", "TransactionRollbackError"}
)
SERIALIZATION_MESSAGES = ("could not serialize access", "could not obtain lock", "deadlock")

NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    urllib.error.URLError,  # HTTPError included
    TimeoutError,  # socket.timeout is an alias since Python 3.10
    socket.timeout,
    ConnectionError,  # RemoteDisconnected, resets, refused
    http.client.HTTPException,  # IncompleteRead, BadStatusLine
    json.JSONDecodeError,  # a proxy's HTML error page instead of JSON
)


def classify_rpc_error(exc: odoorpc.error.RPCError, url: str, what: str) -> OdooError:
    """Map an odoorpc RPCError to the gateway's error classes by Odoo's exception name."""
    info = exc.info if isinstance(exc.info, dict) else {}
    data = info.get("data") or {}
    name = str(data.get("name") or "")
    message = str(data.get("message") or "") or str(exc)
    short = name.rsplit(".", 1)[-1]
    code = info.get("code")
    text = f"Odoo at {url} refused {what}: {message}"

    if code == 100 or short == "SessionExpiredException":
        return OdooSessionExpired(f"Odoo session expired at {url}", name=name, url=url)
    if short == "AccessDenied":
        return OdooCredentialsError(text, name=name, url=url)
    if short in REJECTED_NAMES:
        return OdooRejected(message, name=name, url=url)
    if "database" in message and "does not exist" in message:
        return OdooRejected(f"{text} (check ODOO_DB)", name=name, url=url)
    if (
        short in UNAVAILABLE_NAMES
        or name.startswith("psycopg2")
        or any(part in message.lower() for part in SERIALIZATION_MESSAGES)
    ):
        return OdooUnavailable(
            f"Odoo at {url} was busy during {what}: {message}", name=name, url=url
        )
    if code == 404:
        return OdooUnavailable(
            f"Odoo at {url} has no such endpoint ({message}); if /jsonrpc is disabled, "
            "set ODOO_TRANSPORT=json2 with an API key",
            name=name,
            url=url,
        )
    # Any other server exception (ValueError for an unknown field, TypeError for a bad
    # argument…) is a defect in the call: retrying the same call cannot help.
    return OdooRejected(message, name=name or "builtins.Exception", url=url)


def classify_network_error(exc: BaseException, url: str, timeout: float | None) -> OdooError:
    """Map a transport failure (urllib, socket, http.client, bad JSON) to OdooUnavailable."""
    if isinstance(exc, urllib.error.HTTPError):
        cause = f"HTTP {exc.code} {exc.reason}"
    elif isinstance(exc, TimeoutError | socket.timeout) or (
        isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError)
    ):
        cause = f"no answer within {timeout:g} s" if timeout else "timed out"
    elif isinstance(exc, urllib.error.URLError):
        cause = str(exc.reason)
    elif isinstance(exc, json.JSONDecodeError):
        cause = "the answer is not JSON (is this URL an Odoo server?)"
    else:
        cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return OdooUnavailable(f"cannot reach Odoo at {url}: {cause}", url=url)


class JsonRpcClient:
    """OdooClient over odoorpc. Build it with `connect()`; it is logged in."""

    transport = "jsonrpc"

    def __init__(
        self, url: str, db: str, user: str, password: str, *, timeout: float = 30.0
    ) -> None:
        self.url, host, port, ssl = split_url(url)
        self.db = db
        self.user = user
        self._password = password
        self.timeout = timeout
        self.calls = 0
        self.uid: int | None = None
        self.version = ""
        self._odoo: Any = None
        self._host, self._port, self._ssl = host, port, ssl

    @classmethod
    def connect(
        cls, url: str, db: str, user: str, password: str, *, timeout: float = 30.0
    ) -> JsonRpcClient:
        """Probe the server version and log in once; raise a gateway error otherwise."""
        client = cls(url, db, user, password, timeout=timeout)
        client._open()
        client.login()
        return client

    @property
    def major(self) -> int:
        return major_of(self.version)

    # -- session ------------------------------------------------------------------------

    def _open(self) -> None:
        protocol = "jsonrpc+ssl" if self._ssl else "jsonrpc"

        def build() -> Any:
            # The constructor POSTs /web/webclient/version_info (reference §1.2).
            return odoorpc.ODOO(
                self._host, protocol=protocol, port=self._port, timeout=self.timeout
            )

        try:
            self._odoo = self._guard(build, "the version probe")
        except KeyError as exc:
            raise OdooUnavailable(
                f"{self.url} does not answer /web/webclient/version_info like Odoo", url=self.url
            ) from exc
        self.version = str(self._odoo.version or "")
        if not self.version:
            raise OdooUnavailable(f"{self.url} did not tell its Odoo version", url=self.url)

    def login(self) -> None:
        """Log in once; wrong credentials raise OdooCredentialsError (never retried)."""
        if self._odoo is None:
            self._open()
        self.calls += 1  # login is two requests: common.login, then context_get
        try:
            self._guard(lambda: self._odoo.login(self.db, self.user, self._password), "login")
        except OdooRejected as exc:
            # A missing database is reported as a plain server error.
            raise OdooCredentialsError(
                f"Odoo at {self.url} refused the login of {self.user!r} on database "
                f"{self.db!r}: {exc.message}",
                name=exc.name,
                url=self.url,
            ) from exc
        self.uid = int(self._odoo.env.uid)

    def _guard(self, fn: Callable[[], T], what: str) -> T:
        """Run one HTTP round trip, mapping every failure to a gateway error."""
        self.calls += 1
        try:
            return fn()
        except odoorpc.error.RPCError as exc:
            if exc.info is False or not isinstance(exc.info, dict):
                # odoorpc's own "Wrong login ID or password" after `login` answered false.
                raise OdooCredentialsError(
                    f"Odoo at {self.url} refused the login of {self.user!r} on database "
                    f"{self.db!r}: wrong login, password or API key",
                    url=self.url,
                ) from exc
            raise classify_rpc_error(exc, self.url, what) from exc
        except NETWORK_ERRORS as exc:
            raise classify_network_error(exc, self.url, self.timeout) from exc

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: Record | None = None
    ) -> Any:
        """Call `model.method` once; after a session expiry, log in again and retry once."""
        what = f"{model}.{method}"

        def run() -> Any:
            return self._odoo.execute_kw(model, method, args, kwargs or {})

        try:
            return self._guard(run, what)
        except OdooSessionExpired:
            logger.warning("Odoo session expired during %s at %s; logging in again", what, self.url)
        self.login()
        try:
            return self._guard(run, what)
        except OdooSessionExpired as exc:
            raise OdooUnavailable(
                f"Odoo at {self.url} expired the session again right after a fresh login "
                f"({what}); giving up for now",
                name=exc.name,
                url=self.url,
            ) from exc

    # -- OdooClient ---------------------------------------------------------------------

    def fields_get(
        self, model: str, attributes: Sequence[str] = ("type", "relation")
    ) -> dict[str, Record]:
        result = self.execute_kw(model, "fields_get", [], {"attributes": list(attributes)})
        return dict(result or {})

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
        kwargs = _paging(offset, limit, order, context)
        return list(self.execute_kw(model, "search", [domain], kwargs) or [])

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
        kwargs = _paging(offset, limit, order, context)
        kwargs["fields"] = list(fields)
        return list(self.execute_kw(model, "search_read", [domain], kwargs) or [])

    def read(
        self, model: str, ids: Sequence[int], fields: Sequence[str], context: Record | None = None
    ) -> list[Record]:
        kwargs = _paging(0, None, None, context)
        kwargs["fields"] = list(fields)
        return list(self.execute_kw(model, "read", [list(ids)], kwargs) or [])

    def search_count(self, model: str, domain: Domain, context: Record | None = None) -> int:
        return int(
            self.execute_kw(model, "search_count", [domain], _paging(0, None, None, context))
        )

    def create(self, model: str, values: Record, context: Record | None = None) -> int:
        result = self.execute_kw(model, "create", [values], _paging(0, None, None, context))
        return int(result[0] if isinstance(result, list) else result)

    def create_many(
        self, model: str, values: Sequence[Record], context: Record | None = None
    ) -> list[int]:
        if not values:
            return []
        result = self.execute_kw(model, "create", [list(values)], _paging(0, None, None, context))
        return [int(i) for i in (result if isinstance(result, list) else [result])]

    def write(
        self, model: str, ids: Sequence[int], values: Record, context: Record | None = None
    ) -> bool:
        kwargs = _paging(0, None, None, context)
        return bool(self.execute_kw(model, "write", [list(ids), values], kwargs))

    def unlink(self, model: str, ids: Sequence[int]) -> bool:
        return bool(self.execute_kw(model, "unlink", [list(ids)]))

    def call(
        self,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        *args: Any,
        context: Record | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call a public method; `ids` None for @api.model methods."""
        positional = ([list(ids)] if ids is not None else []) + list(args)
        if context is not None:
            kwargs["context"] = context
        return normalize_result(method, self.execute_kw(model, method, positional, kwargs))


def _paging(offset: int, limit: int | None, order: str | None, context: Record | None) -> Record:
    kwargs: Record = {}
    if offset:
        kwargs["offset"] = offset
    if limit is not None:
        kwargs["limit"] = limit
    if order:
        kwargs["order"] = order
    if context is not None:
        kwargs["context"] = context
    return kwargs


def normalize_result(method: str, result: Any) -> Any:
    """Smooth over version differences of method results (message_post: int or [int])."""
    if method == "message_post" and isinstance(result, list) and len(result) == 1:
        return int(result[0])
    return result
