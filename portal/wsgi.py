"""WSGI entry point (gunicorn portal.wsgi).

Two Django handlers share one URLconf and one set of views. Inbound webhook calls
(`/odoo/webhooks/<slug>/<secret>/`, DESIGN §5.5) go to a lean handler: the endpoint is
CSRF-exempt, authenticates by the URL secret or a Standard Webhooks signature and never
looks at a session or a user, so sessions, auth, messages, allauth, CSRF, htmx and the
per-request django-prometheus timing are pure overhead there (the view counts its own
calls in `portal_webhook_requests_total`). Everything else, including the webhook
operations page at `/odoo/webhooks/`, goes through the full MIDDLEWARE of settings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.http import HttpRequest, HttpResponseBase

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# Mirrors the `odoo:webhook` pattern (mounted at /odoo/); a test pins that the two agree
# and that the operations page at /odoo/webhooks/ is not matched.
WEBHOOK_PATH = re.compile(r"/odoo/webhooks/[-a-zA-Z0-9_]+/[^/]+/")

# What the intake still needs: SecurityMiddleware (HTTPS redirect and HSTS as on every
# other URL) and CommonMiddleware (Content-Length, disallowed user agents, slash rules).
WEBHOOK_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]


@contextmanager
def _middleware(paths: list[str]) -> Iterator[None]:
    """Let Django's own load_middleware build a chain from `paths`.

    Only used while a handler is built (at import, before any server thread runs).
    """
    from django.conf import settings

    saved = settings.MIDDLEWARE
    settings.MIDDLEWARE = paths
    try:
        yield
    finally:
        settings.MIDDLEWARE = saved


class WebhookHandler(WSGIHandler):
    """The Django handler for inbound webhooks: same URLconf and view, minimal middleware.

    It also skips the per-request connection health check (`SELECT 1`, a third of the
    intake's database time): connections persist for CONN_MAX_AGE and the view retries
    its statements once on a fresh connection when the old one turns out to be dead
    (`portal.odoo.webhooks.reconnecting`), which is safe because the insert is idempotent
    by its dedupe key. Django resets the flag on every request_started, so a thread that
    next serves a normal page still checks its connection first.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        with _middleware(WEBHOOK_MIDDLEWARE):
            super().load_middleware(is_async)

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        for conn in connections.all(initialized_only=True):
            conn.health_check_done = True  # type: ignore[attr-defined]  # not in the stubs
        return super().get_response(request)


StartResponse = Callable[..., Any]


class Dispatcher:
    """The WSGI application: webhook calls to the lean handler, the rest to the full one."""

    def __init__(self, portal: WSGIHandler, webhooks: WSGIHandler) -> None:
        self.portal = portal
        self.webhooks = webhooks

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if WEBHOOK_PATH.fullmatch(environ.get("PATH_INFO", "")):
            return self.webhooks(environ, start_response)
        return self.portal(environ, start_response)


application = Dispatcher(get_wsgi_application(), WebhookHandler())
