"""WSGI entry point (gunicorn portal.wsgi).

Inbound webhook calls (`/odoo/webhooks/<slug>/<secret>/`, DESIGN §5.5) go to the intake's
own WSGI app (`portal.odoo.webhook_wsgi`), which stores the event without Django's
request cycle; everything else, including the webhook operations page at
`/odoo/webhooks/`, goes to Django with the full MIDDLEWARE of settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Dispatcher:
    """The WSGI application: webhook calls to the intake app, the rest to Django."""

    def __init__(self, portal: WSGIApp, webhooks: WSGIApp) -> None:
        self.portal = portal
        self.webhooks = webhooks

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if webhook_wsgi.PATH.fullmatch(environ.get("PATH_INFO", "")):
            return self.webhooks(environ, start_response)
        return self.portal(environ, start_response)


django_application = get_wsgi_application()

from portal.odoo import webhook_wsgi  # noqa: E402 - needs the apps loaded above

application = Dispatcher(django_application, webhook_wsgi.application)
