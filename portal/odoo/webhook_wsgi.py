"""The webhook intake as a plain WSGI app, served beside Django by `portal.wsgi`.

The intake is the one URL that machines call in bursts (DESIGN §5.5, §11: thousands of
events a second on two cores), and it needs nothing of a Django request: no session, no
user, no CSRF, no template, no URL reversing. Under gunicorn, Django's request cycle
alone (request and response objects, URL resolving, middleware, signals) cost more CPU
than storing the event, so this app reads the WSGI environ directly and calls the same
`intake()` as the Django view. Host validation and HTTPS redirects do not apply to a
machine-to-machine call authenticated by its URL secret; TLS is the proxy's job.

Database connections follow Django's rules: one per thread (per greenlet under gevent),
closed, or given back to the pool with DATABASE_POOL, when CONN_MAX_AGE has passed or
after an error that left it unusable (checked after each call, as Django's
request_finished does). The per-request `SELECT 1` health check is skipped:
`reconnecting()` retries once on a fresh connection instead, which is safe because the
insert is idempotent by its dedupe key.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections

from portal.odoo.webhooks import MAX_BODY, SIGNATURE_HEADERS, intake

logger = logging.getLogger(__name__)

# Mirrors the `odoo:webhook` URL pattern (mounted at /odoo/); a test pins that both
# agree and that the operations page at /odoo/webhooks/ is not matched.
PATH = re.compile(r"/odoo/webhooks/(?P<slug>[-a-zA-Z0-9_]+)/(?P<secret>[^/]+)/")

StartResponse = Callable[..., Any]

REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    match = PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match is None:
        return _respond(start_response, 404, {"error": "Not a webhook URL."})
    if environ.get("REQUEST_METHOD") != "POST":
        return _respond(start_response, 405, {"error": "Send a POST."}, ("Allow", "POST"))
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _respond(start_response, 400, {"error": "Content-Length is not a number."})
    if length > MAX_BODY:
        return _respond(start_response, 413, {"error": f"Body larger than {MAX_BODY} bytes."})
    # Without a Content-Length (chunked), read one byte past the limit to detect it.
    raw = environ["wsgi.input"].read(length if length > 0 else MAX_BODY + 1)
    headers = {
        name: environ.get("HTTP_" + name.upper().replace("-", "_"), "")
        for name in SIGNATURE_HEADERS
    }
    try:
        # WSGI carries the path as latin-1 text of its bytes; URLs are UTF-8.
        path = match.group("slug"), match.group("secret").encode("latin-1").decode("utf-8")
        answer = intake(*path, raw, headers)
    except UnicodeError:
        return _respond(start_response, 404, {"error": "Unknown integration or wrong secret."})
    except Exception:
        logger.exception("Webhook intake failed")
        return _respond(start_response, 500, {"error": "The event was not stored."})
    finally:
        _release_connections()
    return _respond(start_response, answer.status, answer.body, *answer.headers)


def _respond(
    start_response: StartResponse, status: int, body: dict[str, Any], *headers: tuple[str, str]
) -> list[bytes]:
    content = json.dumps(body).encode()
    start_response(
        f"{status} {REASONS.get(status, '')}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(content))),
            ("X-Content-Type-Options", "nosniff"),
            *headers,
        ],
    )
    return [content]


def _release_connections() -> None:
    """What Django does at the end of a request, minus the next request's health check."""
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
        conn.health_check_done = True  # type: ignore[attr-defined]  # not in the stubs
