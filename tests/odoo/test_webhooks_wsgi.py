"""The lean WSGI path of inbound webhooks (portal.wsgi): dispatch, storage, health checks."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.urls import reverse
from prometheus_client import REGISTRY

from portal.odoo.models_outbox import InboundEvent, WebhookIntegration
from portal.wsgi import WEBHOOK_PATH, Dispatcher, WebhookHandler, application

BODY = b'{"_model":"project.task","_id":42,"write_date":"2025-01-01 10:00:00"}'


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr("portal.odoo.webhooks._enqueue", sent.append)
    monkeypatch.setattr("portal.odoo.webhooks._last_wake", 0.0)
    return sent


def environ(path: str, body: bytes = b"", method: str = "POST") -> dict[str, Any]:
    env: dict[str, Any] = {}
    setup_testing_defaults(env)
    env.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(body)),
    )
    env["wsgi.input"] = io.BytesIO(body)
    return env


def call(app: Any, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    """One request as a WSGI server makes it, closing the result (request_finished)."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *exc: Any) -> None:
        answer.update(status=status, headers=dict(headers))

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer["status"], answer["headers"], body


class Recorder:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, env: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        self.paths.append(env["PATH_INFO"])
        start_response("204 No Content", [])
        return iter([])


def test_webhook_paths_go_to_the_lean_handler_and_the_rest_to_the_full_one() -> None:
    portal, webhooks = Recorder(), Recorder()
    app = Dispatcher(portal, webhooks)  # type: ignore[arg-type]
    hook = reverse("odoo:webhook", args=["odoo", "s3cret-Value_1"])
    others = [
        reverse("odoo:ops_webhooks"),  # the operations page needs a session
        reverse("odoo:ops_webhook_rotate", args=[1]),
        "/",
        "/odoo/webhooks/odoo/s3cret",  # no slash: the full stack's slash rules answer
        "/odoo/webhooks/odoo/s3cret/extra/",
        "/accounts/login/",
    ]
    for path in [hook, *others]:
        call(app, environ(path))
    assert webhooks.paths == [hook]
    assert portal.paths == others


def test_the_application_pairs_the_full_handler_with_the_lean_one() -> None:
    assert isinstance(application, Dispatcher)
    assert type(application.portal) is WSGIHandler
    assert isinstance(application.webhooks, WebhookHandler)
    assert WEBHOOK_PATH.fullmatch(reverse("odoo:webhook", args=["n8n", "x" * 43]))


def test_the_lean_chain_leaves_out_sessions_auth_and_csrf() -> None:
    chain = WebhookHandler()
    names = {type(getattr(m, "__self__", m)).__name__ for m in chain._view_middleware}
    assert "CsrfViewMiddleware" not in names
    # Nothing in the lean chain has a process_view hook (CSRF is the full chain's).
    assert names == set()


@pytest.mark.django_db(transaction=True)
def test_a_webhook_through_the_real_wsgi_app_is_stored(no_broker: list[int]) -> None:
    integration = WebhookIntegration.objects.create(slug="odoo", name="Odoo")
    path = reverse("odoo:webhook", args=[integration.slug, integration.secret])
    counted = REGISTRY.get_sample_value("portal_webhook_requests_total", {"status": "202"}) or 0

    status, headers, body = call(application, environ(path, BODY))

    assert status.startswith("202"), body
    event = InboundEvent.objects.get()
    assert (event.model, event.odoo_id) == ("project.task", 42)
    assert no_broker == [event.pk]
    assert "Set-Cookie" not in headers  # no session, no CSRF cookie on the lean path
    assert headers["Content-Length"] == str(len(body))
    after = REGISTRY.get_sample_value("portal_webhook_requests_total", {"status": "202"})
    assert after == counted + 1
    # A repeat is answered 200 and stored once, as through the full stack.
    status, _, _ = call(application, environ(path, BODY))
    assert status.startswith("200")
    assert InboundEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_lean_path_skips_the_connection_health_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    integration = WebhookIntegration.objects.create(slug="odoo", name="Odoo")
    path = reverse("odoo:webhook", args=[integration.slug, integration.secret])
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()  # the next connection is opened with the settings above
    call(application, environ(path, BODY))  # opens a persistent connection
    checks: list[bool] = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or real())

    call(application, environ(path, BODY.replace(b"42", b"43")))
    assert checks == []  # no SELECT 1 on the lean path
    call(application.portal, environ(path, BODY.replace(b"42", b"44")))
    assert checks == [True]  # the full path still checks a reused connection
    assert InboundEvent.objects.count() == 3
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_lean_path_reconnects_when_its_connection_was_dropped(
    postgres: None, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg

    integration = WebhookIntegration.objects.create(slug="odoo", name="Odoo")
    path = reverse("odoo:webhook", args=[integration.slug, integration.secret])
    call(application, environ(path, BODY))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    status, _, body = call(application, environ(path, BODY.replace(b"42", b"43")))

    assert status.startswith("202"), body
    assert InboundEvent.objects.count() == 2
    assert "webhook intake reconnects" in caplog.text  # not saved by a health check
