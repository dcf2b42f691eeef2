"""The process-wide Odoo client, built from settings (DESIGN §5.1).

`get_client()` connects and logs in once per process and hands out the same client,
which speaks the portal's field names (`portal.odoo.versions.MappedClient`). The
transport is `ODOO_TRANSPORT`: `jsonrpc`, `json2`, or `auto`, which probes the server
and takes JSON-2 on Odoo 19+ when it answers, JSON-RPC otherwise.
"""

from __future__ import annotations

import logging
import threading

import httpx
from django.conf import settings

from portal.odoo.client import OdooCredentialsError, OdooError, OdooUnavailable
from portal.odoo.transports import major_of, split_url
from portal.odoo.transports.json2 import Json2Client
from portal.odoo.transports.jsonrpc import JsonRpcClient
from portal.odoo.versions import MappedClient

logger = logging.getLogger(__name__)

TRANSPORTS = ("auto", "jsonrpc", "json2")

_lock = threading.Lock()
_client: MappedClient | None = None


def get_client() -> MappedClient:
    """The logged-in client of this process; raises OdooUnavailable / OdooCredentialsError."""
    global _client
    with _lock:
        if _client is None:
            _client = connect()
        return _client


def reset_client() -> None:
    """Forget the cached client (a credential change; tests pointing at a new sandbox)."""
    global _client
    with _lock:
        if _client is not None and isinstance(_client.inner, Json2Client):
            _client.inner.close()
        _client = None


def connect(
    url: str | None = None,
    db: str | None = None,
    user: str | None = None,
    password: str | None = None,
    transport: str | None = None,
    timeout: float | None = None,
) -> MappedClient:
    """Build and log in a new client (settings fill whatever is not given)."""
    url = url or settings.ODOO_URL
    db = db if db is not None else settings.ODOO_DB
    user = user or settings.ODOO_USER
    password = password if password is not None else settings.ODOO_PASSWORD
    transport = (transport or settings.ODOO_TRANSPORT or "auto").lower()
    timeout = timeout or float(settings.ODOO_TIMEOUT)
    if transport not in TRANSPORTS:
        raise OdooUnavailable(
            f"ODOO_TRANSPORT={transport!r} is not one of {', '.join(TRANSPORTS)}", url=url
        )
    try:
        split_url(url)
    except ValueError as exc:
        raise OdooUnavailable(str(exc), url=url) from exc

    if transport == "auto":
        transport = choose_transport(url, timeout)
    if transport == "json2":
        inner: JsonRpcClient | Json2Client = Json2Client.connect(
            url, db, password, timeout=timeout, user=user
        )
    else:
        inner = JsonRpcClient.connect(url, db, user, password, timeout=timeout)
    logger.info(
        "Connected to Odoo %s at %s (database %s, transport %s)",
        inner.version,
        inner.url,
        db,
        inner.transport,
    )
    return MappedClient(inner)


def choose_transport(url: str, timeout: float) -> str:
    """`json2` when the server is Odoo 19+ and JSON-2 answers, `jsonrpc` otherwise."""
    base, *_ = split_url(url)
    version = probe_version(base, timeout)
    if major_of(version) < 19:
        return "jsonrpc"
    try:
        # Without a key JSON-2 answers 401; a 404 means the route does not exist here.
        response = httpx.post(f"{base}/json/2/res.users/context_get", json={}, timeout=timeout)
    except httpx.HTTPError:
        return "jsonrpc"
    return "jsonrpc" if response.status_code == 404 else "json2"


def probe_version(base: str, timeout: float) -> str:
    """The server's version string; OdooUnavailable naming the URL and cause otherwise."""
    try:
        response = httpx.post(
            f"{base}/web/webclient/version_info",
            json={"jsonrpc": "2.0", "method": "call", "params": {}},
            timeout=timeout,
        )
        if response.status_code == 200:
            version = response.json().get("result", {}).get("server_version")
            if version:
                return str(version)
        response = httpx.get(f"{base}/web/version", timeout=timeout)
        response.raise_for_status()
        return str(response.json()["version"])
    except httpx.TimeoutException as exc:
        raise OdooUnavailable(
            f"cannot reach Odoo at {base}: no answer within {timeout:g} s", url=base
        ) from exc
    except httpx.HTTPError as exc:
        raise OdooUnavailable(f"cannot reach Odoo at {base}: {exc}", url=base) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise OdooUnavailable(
            f"{base} does not answer like Odoo (no version at /web/webclient/version_info "
            "or /web/version)",
            url=base,
        ) from exc


def check_odoo() -> tuple[bool, str]:
    """Reachability probe for health pages: (ok, one line saying what was found)."""
    try:
        client = get_client()
        client.search_count("res.company", [])
    except OdooCredentialsError as exc:
        reset_client()
        return False, f"credentials refused: {exc.message}"
    except OdooError as exc:
        reset_client()
        return False, exc.message
    return True, f"Odoo {client.version} at {client.url} ({client.transport})"


def describe_settings() -> str:
    """Where the portal looks for Odoo, without secrets (for command output)."""
    return (
        f"{settings.ODOO_URL} database {settings.ODOO_DB!r} as {settings.ODOO_USER!r} "
        f"(transport {settings.ODOO_TRANSPORT})"
    )
