"""The intake's own WSGI app (portal.odoo.webhook_wsgi): dispatch, storage, bad input, failures."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.urls import reverse
from prometheus_client import REGISTRY

from portal.odoo import webhook_wsgi
from portal.odoo.models_outbox import InboundEvent, WebhookIntegration
from portal.wsgi import Dispatcher, application

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


def test_webhook_paths_go_to_the_intake_app_and_the_rest_to_django() -> None:
    portal, webhooks = Recorder(), Recorder()
    app = Dispatcher(portal, webhooks)
    hook = reverse("odoo:webhook", args=["odoo", "s3cret-Value_1"])
    others = [
        reverse("odoo:ops_webhooks"),  # the operations page needs a session
        reverse("odoo:ops_webhook_rotate", args=[1]),
        "/",
        "/odoo/webhooks/odoo/s3cret",  # no slash: Django's slash rules answer
        "/odoo/webhooks/odoo/s3cret/extra/",
        "/accounts/login/",
    ]
    for path in [hook, *others]:
        call(app, environ(path))
    assert webhooks.paths == [hook]
    assert portal.paths == others


def test_the_application_pairs_django_with_the_intake_app() -> None:
    assert isinstance(application, Dispatcher)
    assert type(application.portal) is WSGIHandler
    assert application.webhooks is webhook_wsgi.application
    assert webhook_wsgi.PATH.fullmatch(reverse("odoo:webhook", args=["n8n", "x" * 43]))


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
    assert "Set-Cookie" not in headers  # no session, no CSRF cookie on the intake path
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Length"] == str(len(body))
    after = REGISTRY.get_sample_value("portal_webhook_requests_total", {"status": "202"})
    assert after == counted + 1
    # A repeat is answered 200 and stored once, as through the full stack.
    status, _, _ = call(application, environ(path, BODY))
    assert status.startswith("200")
    assert InboundEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_intake_path_skips_the_connection_health_check(
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
    assert checks == []  # no SELECT 1 on the intake path
    call(application.portal, environ(path, BODY.replace(b"42", b"44")))
    assert checks == [True]  # the full path still checks a reused connection
    assert InboundEvent.objects.count() == 3
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_intake_path_reconnects_when_its_connection_was_dropped(
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


@pytest.fixture
def hook(transactional_db: None) -> str:
    integration = WebhookIntegration.objects.create(slug="odoo", name="Odoo")
    return reverse("odoo:webhook", args=[integration.slug, integration.secret])


def test_other_methods_are_405_with_allow(hook: str) -> None:
    status, headers, _ = call(application, environ(hook, method="GET"))
    assert status.startswith("405")
    assert headers["Allow"] == "POST"
    assert InboundEvent.objects.count() == 0


def test_an_oversized_body_is_413_before_it_is_read(hook: str) -> None:
    env = environ(hook, BODY)
    env["CONTENT_LENGTH"] = str(10 * 1024 * 1024)
    status, _, _ = call(application, env)
    assert status.startswith("413")
    assert env["wsgi.input"].tell() == 0  # not one byte read
    # Without a Content-Length (chunked), the limit still holds.
    env = environ(hook, b"{" + b" " * (300 * 1024) + b"}")
    del env["CONTENT_LENGTH"]
    status, _, _ = call(application, env)
    assert status.startswith("413")
    assert InboundEvent.objects.count() == 0


def test_a_secret_that_is_not_utf8_is_404(hook: str) -> None:
    slug_part = hook.rsplit("/", 2)[0]
    status, _, _ = call(application, environ(slug_part + "/\xff\xfe/", BODY))
    assert status.startswith("404")


def test_a_bad_content_length_is_400(hook: str) -> None:
    env = environ(hook, BODY)
    env["CONTENT_LENGTH"] = "lots"
    status, _, body = call(application, env)
    assert status.startswith("400")
    assert b"Content-Length" in body


def test_a_value_postgresql_cannot_store_is_400_and_the_next_event_flows(
    postgres: None, hook: str
) -> None:
    nul = b'{"_model":"project.task","_id":5,"name":"a\\u0000b"}'
    status, _, body = call(application, environ(hook, nul))
    assert status.startswith("400"), body
    assert b"cannot be stored" in body
    status, _, _ = call(application, environ(hook, BODY))
    assert status.startswith("202")
    assert list(InboundEvent.objects.values_list("odoo_id", flat=True)) == [42]


def test_one_bad_event_in_a_batch_fails_alone(postgres: None, hook: str) -> None:
    from django.db import DataError

    from portal.odoo.webhooks import _insert_events

    integration = WebhookIntegration.objects.get()

    def event(key: str, payload: dict[str, Any]) -> InboundEvent:
        return InboundEvent(integration=integration, dedupe_key=key, payload=payload)

    outcomes = _insert_events(
        [
            event("a", {"n": 1}),
            event("bad", {"name": "a\x00b"}),
            event("a", {"n": 1}),  # the same key later in the batch: a repeat
            event("b", {"n": 2}),
        ]
    )
    assert isinstance(outcomes[0], int)
    assert isinstance(outcomes[1], DataError)
    assert outcomes[2] is None
    assert isinstance(outcomes[3], int)
    assert sorted(InboundEvent.objects.values_list("dedupe_key", flat=True)) == ["a", "b"]


def test_database_down_is_503_with_retry_after_and_recovers(
    hook: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.odoo.webhooks._senders", {})  # no cached integration
    broken = {"PORT": "1"} if connection.vendor == "postgresql" else {"NAME": "/nonexistent/x.db"}
    saved = {key: connection.settings_dict[key] for key in broken}
    connection.close()
    connection.settings_dict.update(broken)
    try:
        status, headers, body = call(application, environ(hook, BODY))
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert status.startswith("503"), body
    assert headers["Retry-After"] == "30"
    assert b"send it again later" in body
    status, _, _ = call(application, environ(hook, BODY))
    assert status.startswith("202")  # the next call after recovery is stored
    assert InboundEvent.objects.count() == 1


def test_concurrent_calls_are_each_stored_once(postgres: None, hook: str) -> None:
    """Sixteen threads post at once through the app: every body stored once, repeats 200."""
    from django.db import connections

    answers: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def sender(thread_no: int) -> None:
        start.wait()
        try:
            for n in range(20):
                # Every thread also sends the same five shared bodies.
                odoo_id = 1000 + n % 5 if n % 4 == 0 else thread_no * 100 + n
                body = BODY.replace(b"42", str(odoo_id).encode())
                status, _, _ = call(application, environ(hook, body))
                with lock:
                    answers.append(status[:3])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    stored = list(InboundEvent.objects.values_list("odoo_id", flat=True))
    assert len(stored) == len(set(stored))  # none twice
    unique = {1000 + k for k in range(5)} | {
        t * 100 + n for t in range(16) for n in range(20) if n % 4
    }
    assert set(stored) == unique  # none lost
    assert answers.count("202") == len(unique)
    assert answers.count("200") == 16 * 20 - len(unique)


def test_batches_with_the_same_keys_in_opposite_orders_do_not_deadlock(
    postgres: None, hook: str
) -> None:
    """Two processes' batches can hold the same new keys in any order (a sender's repeat
    on another connection); each waits on the other's uncommitted keys unless both insert
    in one order. Two threads send the same fresh keys, reversed, at the same instant."""
    from django.db import connections

    from portal.odoo.webhooks import _insert_rows

    integration = WebhookIntegration.objects.get()
    rounds, barrier = 40, threading.Barrier(2)
    errors: list[BaseException] = []
    stored: list[int] = []

    def writer(reverse: bool) -> None:
        try:
            for n in range(rounds):
                keys = [f"round-{n}-key-{k}" for k in range(12)]
                events = [
                    InboundEvent(integration=integration, dedupe_key=key, payload={})
                    for key in (reversed(keys) if reverse else keys)
                ]
                barrier.wait(timeout=30)
                outcomes = _insert_rows(events)
                stored.extend(o for o in outcomes if o is not None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(r,)) for r in (False, True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert not errors, errors[0]
    assert len(stored) == len(set(stored)) == rounds * 12  # each key stored by one side
