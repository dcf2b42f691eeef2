"""write_date stamps, injected faults, stats, webhooks and the state file (ref §5.1)."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import odoorpc
import pytest

from odoo_sandbox.store import Store
from tests.sandbox.conftest import Sandbox

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
TRANSPORT_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


def test_write_date_is_the_transaction_start_to_the_second(sandbox: Sandbox) -> None:
    store = sandbox.store

    with store.transaction(2) as txn:
        started = txn.stamp
        time.sleep(1.1)
        partner = store.create("res.partner", {"name": "Late"})

    assert STAMP.match(started)
    assert store.get("res.partner", partner)["write_date"] == started


def test_touch_writes_an_older_stamp(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    partner = odoo.env["res.partner"].create({"name": "Old"})

    sandbox.control(
        "touch",
        {
            "model": "res.partner",
            "ids": [partner],
            "vals": {"name": "Renamed"},
            "write_date": "2020-01-01 08:00:00",
        },
    )

    found = odoo.env["res.partner"].search_read(
        [("write_date", "<", "2020-01-02")], ["name", "write_date"]
    )
    assert found == [{"id": partner, "name": "Renamed", "write_date": "2020-01-01 08:00:00"}]


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook/secret"
    server.shutdown()
    server.server_close()


def test_webhook_payload_shape(sandbox: Sandbox, odoo: odoorpc.ODOO, receiver: str) -> None:
    sandbox.control(
        "webhooks",
        {
            "url": receiver,
            "model": "project.task",
            "name": "Portal sync",
            "fields": ["name", "project_id", "write_date"],
        },
    )
    project = odoo.env["project.project"].create({"name": "P"})

    task = odoo.env["project.task"].create({"name": "T", "project_id": project})
    sandbox.control("drain")

    stamp = odoo.execute_kw("project.task", "read", [[task], ["write_date"]])[0]["write_date"]
    assert len(Receiver.received) == 1
    headers, body = Receiver.received[0]
    assert headers["Content-Type"] == "application/json"
    assert "Authorization" not in headers
    assert body == {
        "_model": "project.task",
        "_id": task,
        "_action": "Portal sync(#1)",
        "id": task,
        "name": "T",
        "project_id": project,
        "write_date": stamp,
    }


def test_webhook_on_write_only_for_watched_model(
    sandbox: Sandbox, odoo: odoorpc.ODOO, receiver: str
) -> None:
    sandbox.control(
        "webhooks",
        {"url": receiver, "model": "project.task", "trigger": "on_write", "fields": ["name"]},
    )
    task = odoo.env["project.task"].create({"name": "T"})
    odoo.env["res.partner"].create({"name": "ignored"})

    odoo.execute_kw("project.task", "write", [[task], {"name": "T2"}])
    sandbox.control("drain")

    assert [body["name"] for _, body in Receiver.received] == ["T2"]


def test_latency_is_added_to_every_call(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    sandbox.control("faults", {"latency_ms": 300})

    started = time.monotonic()
    odoo.env["res.partner"].search([])

    assert time.monotonic() - started >= 0.3


def test_unavailable_fault_answers_503_count_times(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    sandbox.control(
        "faults", {"rules": [{"kind": "unavailable", "model": "res.partner", "count": 2}]}
    )

    for _ in range(2):
        with pytest.raises(urllib.error.HTTPError) as exc:
            odoo.env["res.partner"].search([])
        assert exc.value.code == 503

    assert odoo.env["res.partner"].search([("id", "=", 3)]) == [3]


def test_cut_fault_commits_but_drops_the_answer(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    sandbox.control(
        "faults", {"rules": [{"kind": "cut", "model": "res.partner", "method": "create"}]}
    )

    with pytest.raises(TRANSPORT_ERRORS):
        odoo.env["res.partner"].create({"name": "Lost answer"})

    assert odoo.env["res.partner"].search_count([("name", "=", "Lost answer")]) == 1


def test_timeout_fault_delays_the_answer(sandbox: Sandbox) -> None:
    impatient = odoorpc.ODOO("127.0.0.1", port=sandbox.port, timeout=0.3)
    impatient.login("sandbox", "admin", "admin")
    sandbox.control(
        "faults", {"rules": [{"kind": "timeout", "seconds": 1.0, "model": "res.partner"}]}
    )

    with pytest.raises(TRANSPORT_ERRORS):
        impatient.env["res.partner"].search([])


def test_error_fault_and_down(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    sandbox.control(
        "faults",
        {
            "rules": [
                {
                    "kind": "error",
                    "name": "odoo.exceptions.ValidationError",
                    "message": "hours cannot be negative",
                }
            ]
        },
    )
    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.env["res.partner"].search([])
    assert exc.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
    assert str(exc.value) == "hours cannot be negative"

    sandbox.control("down")
    with pytest.raises(urllib.error.HTTPError):
        odoo.env["res.partner"].search([])
    sandbox.control("up")
    assert odoo.env["res.partner"].search([("id", "=", 3)]) == [3]


def test_stats_count_calls_by_model_method(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    sandbox.control("reset_stats")

    odoo.env["res.partner"].search([])
    odoo.execute_kw("res.partner", "search_read", [[], ["name"]])
    odoo.execute_kw("res.partner", "search_read", [[], ["name"]])

    # odoorpc's first env["res.partner"] fetches fields_get (reference §1.4).
    assert sandbox.control("stats") == {
        "total": 4,
        "calls": {
            "res.partner.fields_get": 1,
            "res.partner.search": 1,
            "res.partner.search_read": 2,
        },
    }


def test_stopped_listener_refuses_then_restarts(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    sandbox.server.stop()
    with pytest.raises(urllib.error.URLError):
        odoo.env["res.partner"].search([])

    sandbox.server.start()
    assert odoo.env["res.partner"].search([("id", "=", 3)]) == [3]


def test_state_file_round_trip(tmp_path: Path, start_sandbox: Callable[..., Sandbox]) -> None:
    first = start_sandbox("18.0")
    odoo = first.client()
    project = odoo.env["project.project"].create(
        {"name": "Persisted", "tag_ids": [(0, 0, {"name": "x"})]}
    )
    path = tmp_path / "state.json.gz"
    first.control("save", {"path": str(path)})

    second = start_sandbox("18.0", store=Store.load(path))
    rows = (
        second.client()
        .env["project.project"]
        .search_read([("id", "=", project)], ["name", "tag_ids"])
    )

    assert rows == [{"id": project, "name": "Persisted", "tag_ids": [1]}]
