"""Applying webhook events (C09): once, newest wins, echoes ignored, the real chain end to end."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.urls import reverse

from portal.odoo.delivery import drain
from portal.odoo.models import Task
from portal.odoo.models_outbox import InboundEvent, InboundStatus, WebhookIntegration
from portal.odoo.tasks import process_inbound_event
from portal.odoo.webhooks import process_event
from tests.fixtures.worker import wait_until
from tests.odoo.outbox_helpers import enqueue_now, first_id, unique


@pytest.fixture
def rule(db: None) -> WebhookIntegration:
    return WebhookIntegration.objects.create(slug="odoo", name="Odoo automation")


def event(rule: WebhookIntegration, model: str, odoo_id: int, write_date: str) -> InboundEvent:
    return InboundEvent.objects.create(
        integration=rule,
        dedupe_key=unique("k"),
        model=model,
        odoo_id=odoo_id,
        write_date=write_date,
        payload={"_model": model, "_id": odoo_id, "write_date": write_date},
    )


@pytest.mark.django_db
def test_event_refreshes_the_mirror_from_odoo(sandbox: Any, rule: WebhookIntegration) -> None:
    task = first_id(sandbox, "project.task")
    sandbox.rpc("project.task", "write", [task], {"name": "Renamed in Odoo"})
    stamp = sandbox.rpc("project.task", "read", [task], ["write_date"])[0]["write_date"]

    assert process_event(event(rule, "project.task", task, stamp).pk) == InboundStatus.APPLIED
    assert Task.objects.get(pk=task).name == "Renamed in Odoo"


@pytest.mark.django_db
def test_older_event_arriving_late_never_overwrites_newer(
    sandbox: Any, rule: WebhookIntegration
) -> None:
    task = first_id(sandbox, "project.task")
    sandbox.control(
        "touch",
        model="project.task",
        ids=[task],
        vals={"name": "done"},
        write_date="2030-01-01 10:02:00",
    )
    newer = event(rule, "project.task", task, "2030-01-01 10:02:00")
    older = event(rule, "project.task", task, "2030-01-01 10:01:00")

    process_event(newer.pk)

    assert process_event(older.pk) == InboundStatus.STALE
    assert Task.objects.get(pk=task).name == "done"


@pytest.mark.django_db
def test_event_processed_twice_applies_once(sandbox: Any, rule: WebhookIntegration) -> None:
    task = first_id(sandbox, "project.task")
    stamp = sandbox.rpc("project.task", "read", [task], ["write_date"])[0]["write_date"]
    once = event(rule, "project.task", task, stamp)

    process_event(once.pk)
    sandbox.control("reset_stats")

    assert process_event(once.pk) == InboundStatus.APPLIED
    assert sandbox.total_calls() == 0


@pytest.mark.django_db
def test_echo_of_the_portals_own_write_is_ignored(sandbox: Any, rule: WebhookIntegration) -> None:
    task = first_id(sandbox, "project.task")
    enqueue_now(
        "record.write", {"model": "project.task", "ids": [task], "values": {"priority": "1"}}
    )
    drain()
    stamp = sandbox.rpc("project.task", "read", [task], ["write_date"])[0]["write_date"]

    assert process_event(event(rule, "project.task", task, stamp).pk) == InboundStatus.ECHO


@pytest.mark.django_db
def test_burst_of_events_sends_few_wakeups_and_every_event_is_applied(
    sandbox: Any,
    rule: WebhookIntegration,
    client: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    wakeups: list[float] = []  # the sent_at of each message the intake would publish
    monkeypatch.setattr("portal.odoo.webhooks._enqueue", lambda pk: wakeups.append(time.time()))
    monkeypatch.setattr("portal.odoo.webhooks._last_wake", 0.0)
    monkeypatch.setattr("portal.odoo.webhooks._drained_from", 0.0)
    task = first_id(sandbox, "project.task")
    path = reverse("odoo:webhook", args=[rule.slug, rule.secret])
    burst = 200

    for n in range(burst):
        stamp = f"2030-01-01 10:{n // 60:02d}:{n % 60:02d}"
        body = json.dumps({"_model": "project.task", "_id": task, "write_date": stamp})
        with django_capture_on_commit_callbacks(execute=True):
            client.post(path, body, content_type="application/json")
    sandbox.control("reset_stats")
    for sent_at in wakeups:  # what the worker does with each message
        process_inbound_event(sent_at=sent_at)

    assert 1 <= len(wakeups) <= burst // 10
    assert InboundEvent.objects.filter(status=InboundStatus.APPLIED).count() == burst
    assert sandbox.total_calls() <= 10  # one read per batch, not one per event


@pytest.fixture
def gunicorn_server(celery_worker_process: Any, tmp_path: Path) -> Iterator[str]:
    """`gunicorn portal.wsgi` as the README serves it (gevent workers, a connection pool
    on PostgreSQL), on the worker's database and broker."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{port}"),
            *("--worker-class", "gevent", "--workers", "2", "--reuse-port"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env={**celery_worker_process.base_env, "DATABASE_POOL": "4"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: server.poll() is not None or _answers(base + "/health/"), timeout=60)
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return False
    return True


@pytest.fixture(params=["django", "gunicorn"])
def portal_url(request: pytest.FixtureRequest) -> str:
    """The portal as the test server runs it (Django's view), and as production does
    (gunicorn serving portal.wsgi, where the intake's own WSGI app answers)."""
    if request.param == "django":
        return str(request.getfixturevalue("live_server").url)
    return str(request.getfixturevalue("gunicorn_server"))


@pytest.mark.django_db(transaction=True)
def test_an_odoo_rule_change_reaches_the_mirror_through_the_worker(
    sandbox: Any, celery_worker_process: Any, portal_url: str
) -> None:
    rule = WebhookIntegration.objects.create(slug="odoo-live", name="Odoo")
    target = portal_url + reverse("odoo:webhook", args=[rule.slug, rule.secret])
    created = sandbox.control(
        "webhooks", url=target, model="project.task", fields=["write_date", "name"]
    )
    task = first_id(sandbox, "project.task")
    name = unique("Changed in Odoo")
    try:
        sandbox.rpc("project.task", "write", [task], {"name": name})
        sandbox.control("drain")

        celery_worker_process.wait_until(lambda: Task.objects.filter(pk=task, name=name).exists())
        event = InboundEvent.objects.get(odoo_id=task, integration=rule)
        assert event.status == InboundStatus.APPLIED
        # The same call again, as a retrying sender would make it: answered, not stored twice.
        repeat = httpx.post(target, content=json.dumps(event.payload), timeout=5)
        assert repeat.status_code == 200 and repeat.json() == {"status": "duplicate"}
        wrong = httpx.post(target.replace(rule.secret, "x" * 43), content=b"{}", timeout=5)
        assert wrong.status_code == 404
        assert InboundEvent.objects.filter(integration=rule).count() == 1
    finally:
        sandbox.rpc("base.automation", "write", created["ids"], {"active": False})


@pytest.mark.django_db(transaction=True)
def test_under_gunicorn_a_burst_of_calls_is_stored_once_each(
    celery_worker_process: Any, gunicorn_server: str
) -> None:
    """Forty-eight calls at once, every fourth a repeat of an earlier body: each body is
    stored once and each repeat answered 200 (group commit across gevent's greenlets)."""
    rule = WebhookIntegration.objects.create(slug="odoo-burst", name="Odoo")
    target = gunicorn_server + reverse("odoo:webhook", args=[rule.slug, rule.secret])

    def body(n: int) -> bytes:
        record = n - 1 if n % 4 == 3 else n
        return json.dumps(
            {"_model": "res.partner", "_id": 900_000 + record, "write_date": "2025-01-01"}
        ).encode()

    def post(n: int) -> int:
        return httpx.post(target, content=body(n), timeout=10).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(post, range(48)))

    stored = list(InboundEvent.objects.filter(integration=rule).values_list("odoo_id", flat=True))
    distinct = {900_000 + (n - 1 if n % 4 == 3 else n) for n in range(48)}
    assert sorted(stored) == sorted(distinct)
    assert statuses.count(202) == len(distinct)
    assert statuses.count(200) == 48 - len(distinct)
