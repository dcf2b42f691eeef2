"""The JSON-2 transport of Odoo 19+ over httpx (reference §4).

`POST /json/2/<model>/<method>` with `Authorization: bearer <API key>` and named
arguments only; the answer is the bare JSON result, errors are real HTTP statuses with a
flat `{name, message, …}` body. There is no login: the key is checked on every call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

from portal.odoo.client import (
    Domain,
    OdooCredentialsError,
    OdooError,
    OdooRejected,
    OdooUnavailable,
    Record,
)
from portal.odoo.transports import major_of, split_url
from portal.odoo.transports.jsonrpc import REJECTED_NAMES, normalize_result

logger = logging.getLogger(__name__)

# JSON-2 has no positional arguments: the parameter names of the public methods the
# portal calls with positional args (Odoo's Python signatures).
POSITIONAL_NAMES: dict[str, tuple[str, ...]] = {
    "toggle_is_reached": ("is_reached",),
    "fields_get": ("allfields", "attributes"),
    "default_get": ("fields_list",),
}


def classify_response(response: httpx.Response, url: str, what: str) -> OdooError:
    """Map a JSON-2 error status and body to the gateway's error classes."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    name = str(body.get("name") or "")
    message = str(body.get("message") or response.reason_phrase or "")
    short = name.rsplit(".", 1)[-1]
    status = response.status_code

    if status == 401 or short == "AccessDenied":
        return OdooCredentialsError(
            f"Odoo at {url} refused the API key ({status} {message}); JSON-2 needs a valid "
            "API key of the integration user in ODOO_PASSWORD",
            name=name,
            url=url,
        )
    if status in (403, 404, 422) or short in REJECTED_NAMES:
        return OdooRejected(message, name=name or f"http.{status}", url=url)
    if status == 409 or status == 429 or status >= 500:
        return OdooUnavailable(
            f"Odoo at {url} could not complete {what}: HTTP {status} {message}".rstrip(),
            name=name,
            url=url,
        )
    return OdooRejected(f"HTTP {status} {message}".rstrip(), name=name or f"http.{status}", url=url)


class Json2Client:
    """OdooClient over JSON-2. Build it with `connect()`; the key has been checked."""

    transport = "json2"

    def __init__(
        self,
        url: str,
        db: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        user: str = "",
        version: str = "",
        http: httpx.Client | None = None,
    ) -> None:
        self.url, _, _, _ = split_url(url)
        self.db = db
        self.user = user
        self.timeout = timeout
        self.version = version
        self.calls = 0
        self.uid: int | None = None
        headers = {
            "Authorization": f"bearer {api_key}",
            "User-Agent": "delivery-portal",
            "Content-Type": "application/json",
        }
        if db:
            headers["X-Odoo-Database"] = db
        self._http = http or httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    @classmethod
    def connect(
        cls, url: str, db: str, api_key: str, *, timeout: float = 30.0, user: str = ""
    ) -> Json2Client:
        """Read the server version and check the key (`res.users/context_get`)."""
        client = cls(url, db, api_key, timeout=timeout, user=user)
        client.version = client.probe_version()
        if major_of(client.version) < 19:
            raise OdooUnavailable(
                f"Odoo at {client.url} is version {client.version}; JSON-2 needs Odoo 19 or "
                "later (set ODOO_TRANSPORT=jsonrpc)",
                url=client.url,
            )
        context = client.post("res.users", "context_get", {})
        if isinstance(context, dict) and isinstance(context.get("uid"), int):
            client.uid = context["uid"]
        return client

    @property
    def major(self) -> int:
        return major_of(self.version)

    def close(self) -> None:
        self._http.close()

    def probe_version(self) -> str:
        """Odoo's version from `/web/version` (GET, 19+), else version_info (JSON-RPC)."""
        self.calls += 1
        try:
            response = self._http.get("/web/version")
            if response.status_code == 200 and isinstance(response.json(), dict):
                return str(response.json().get("version") or "")
            response = self._http.post(
                "/web/webclient/version_info",
                json={"jsonrpc": "2.0", "method": "call", "params": {}},
            )
            response.raise_for_status()
            return str(response.json()["result"]["server_version"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise OdooUnavailable(
                f"cannot read the Odoo version at {self.url}: {_cause(exc)}", url=self.url
            ) from exc

    def post(self, model: str, method: str, body: Record) -> Any:
        """One JSON-2 call; every failure is mapped to a gateway error."""
        what = f"{model}.{method}"
        self.calls += 1
        try:
            response = self._http.post(f"/json/2/{model}/{method}", json=body)
        except httpx.TimeoutException as exc:
            raise OdooUnavailable(
                f"cannot reach Odoo at {self.url}: no answer within {self.timeout:g} s ({what})",
                url=self.url,
            ) from exc
        except httpx.HTTPError as exc:
            raise OdooUnavailable(
                f"cannot reach Odoo at {self.url}: {_cause(exc)}", url=self.url
            ) from exc
        if response.status_code != 200:
            raise classify_response(response, self.url, what)
        try:
            return response.json()
        except ValueError as exc:
            raise OdooUnavailable(
                f"Odoo at {self.url} answered {what} with something that is not JSON", url=self.url
            ) from exc

    # -- OdooClient ---------------------------------------------------------------------

    def fields_get(
        self, model: str, attributes: Sequence[str] = ("type", "relation")
    ) -> dict[str, Record]:
        return dict(self.post(model, "fields_get", {"attributes": list(attributes)}) or {})

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
        body = _named(domain=domain, offset=offset, limit=limit, order=order, context=context)
        return list(self.post(model, "search", body) or [])

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
        body = _named(
            domain=domain,
            fields=list(fields),
            offset=offset,
            limit=limit,
            order=order,
            context=context,
        )
        return list(self.post(model, "search_read", body) or [])

    def read(
        self, model: str, ids: Sequence[int], fields: Sequence[str], context: Record | None = None
    ) -> list[Record]:
        body = _named(ids=list(ids), fields=list(fields), context=context)
        return list(self.post(model, "read", body) or [])

    def search_count(self, model: str, domain: Domain, context: Record | None = None) -> int:
        return int(self.post(model, "search_count", _named(domain=domain, context=context)))

    def create(self, model: str, values: Record, context: Record | None = None) -> int:
        return self.create_many(model, [values], context)[0]

    def create_many(
        self, model: str, values: Sequence[Record], context: Record | None = None
    ) -> list[int]:
        if not values:
            return []
        result = self.post(model, "create", _named(vals_list=list(values), context=context))
        return [int(i) for i in (result if isinstance(result, list) else [result])]

    def write(
        self, model: str, ids: Sequence[int], values: Record, context: Record | None = None
    ) -> bool:
        return bool(self.post(model, "write", _named(ids=list(ids), vals=values, context=context)))

    def unlink(self, model: str, ids: Sequence[int]) -> bool:
        return bool(self.post(model, "unlink", {"ids": list(ids)}))

    def call(
        self,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        *args: Any,
        context: Record | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call a public method by name; positional args only for known signatures."""
        if args:
            names = POSITIONAL_NAMES.get(method)
            if names is None or len(args) > len(names):
                raise TypeError(f"JSON-2 takes named arguments only; call {method}() with keywords")
            kwargs = {**dict(zip(names, args, strict=False)), **kwargs}
        body: Record = dict(kwargs)
        if ids is not None:
            body["ids"] = list(ids)
        if context is not None:
            body["context"] = context
        return normalize_result(method, self.post(model, method, body))


def _named(**params: Any) -> Record:
    """Drop unset paging arguments so Odoo's defaults apply."""
    return {
        key: value
        for key, value in params.items()
        if value is not None and not (key == "offset" and value == 0)
    }


def _cause(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
