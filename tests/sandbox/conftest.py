"""Fixtures for the sandbox server tests: a live server per test, odoorpc clients."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import odoorpc
import pytest

from odoo_sandbox import base_data
from odoo_sandbox.server import SandboxServer
from odoo_sandbox.store import Store


@dataclass
class Sandbox:
    store: Store
    server: SandboxServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def control(self, name: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the /sandbox/ control API and return the decoded answer."""
        request = urllib.request.Request(
            f"{self.url}/sandbox/{name}",
            data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def client(self, login: str = "admin", password: str = "admin") -> odoorpc.ODOO:  # noqa: S107
        odoo = odoorpc.ODOO("127.0.0.1", port=self.port, timeout=5)
        odoo.login("sandbox", login, password)
        return odoo


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., Sandbox]]:
    started: list[SandboxServer] = []

    def start(version: str = "18.0", store: Store | None = None, **kwargs: Any) -> Sandbox:
        if store is None:
            store = Store(version)
            base_data.ensure_base(store)
        server = SandboxServer(store, "127.0.0.1", 0, **kwargs).start()
        started.append(server)
        return Sandbox(store, server)

    yield start
    for server in started:
        server.stop()
        server.app.sender.stop()


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox("18.0")


@pytest.fixture
def odoo(sandbox: Sandbox) -> odoorpc.ODOO:
    return sandbox.client()
