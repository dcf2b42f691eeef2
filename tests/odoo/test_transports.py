"""Contract tests of the gateway's transports, run on both: JSON-RPC (odoorpc) against the
18.0 sandbox and JSON-2 (httpx) against a 19.0 sandbox. Expected values are the sandbox's
demo data as Odoo's own demo files define them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import odoorpc
import pytest

from portal.odoo.client import (
    OdooCredentialsError,
    OdooRejected,
    OdooSessionExpired,
    OdooUnavailable,
)
from portal.odoo.connection import connect
from portal.odoo.transports.json2 import Json2Client
from portal.odoo.transports.jsonrpc import JsonRpcClient
from portal.odoo.versions import MappedClient
from tests.fixtures.sandbox import Sandbox


@pytest.fixture(params=["jsonrpc", "json2"])
def gateway(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[MappedClient, Sandbox]]:
    """A logged-in client of each transport, with its sandbox; faults cleared after."""
    if request.param == "jsonrpc":
        sandbox: Sandbox = request.getfixturevalue("odoo_sandbox")
    else:
        sandbox = request.getfixturevalue("odoo_sandbox_19")
    settings = sandbox.settings(request.param)
    client = connect(
        settings["ODOO_URL"],
        settings["ODOO_DB"],
        settings["ODOO_USER"],
        settings["ODOO_PASSWORD"],
        request.param,
        timeout=5,
    )
    sandbox.control("faults", clear=True)
    yield client, sandbox
    sandbox.control("faults", clear=True)


def fault(sandbox: Sandbox, **rule: Any) -> None:
    sandbox.control("faults", clear=True, rules=[rule])


# -- construction and login -------------------------------------------------------------


def test_client_knows_the_server_version(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, sandbox = gateway
    assert client.version == sandbox.version
    assert client.major == int(sandbox.version.split(".")[0])


def test_auto_picks_json2_on_19_and_jsonrpc_on_18(
    odoo_sandbox: Sandbox, odoo_sandbox_19: Sandbox
) -> None:
    old = connect(odoo_sandbox.url, "sandbox", "admin", "admin", "auto")
    new = connect(odoo_sandbox_19.url, "sandbox", "admin", odoo_sandbox_19.api_key(), "auto")
    assert (old.transport, new.transport) == ("jsonrpc", "json2")


def test_wrong_password_fails_after_exactly_one_login(odoo_sandbox: Sandbox) -> None:
    odoo_sandbox.control("reset_stats")
    with pytest.raises(OdooCredentialsError, match="refused the login of 'admin'"):
        JsonRpcClient.connect(odoo_sandbox.url, "sandbox", "admin", "rotated-password")
    assert odoo_sandbox.stats().get("common.login") == 1


def test_api_key_works_as_the_password_over_jsonrpc(odoo_sandbox: Sandbox) -> None:
    client = JsonRpcClient.connect(odoo_sandbox.url, "sandbox", "admin", odoo_sandbox.api_key())
    assert client.uid == 2


def test_wrong_api_key_is_a_credentials_error_over_json2(odoo_sandbox_19: Sandbox) -> None:
    with pytest.raises(OdooCredentialsError, match="API key"):
        Json2Client.connect(odoo_sandbox_19.url, "sandbox", "0" * 40)


def test_unknown_database_names_the_database(odoo_sandbox: Sandbox) -> None:
    with pytest.raises(OdooCredentialsError, match="'nodb'"):
        JsonRpcClient.connect(odoo_sandbox.url, "nodb", "admin", "admin")


def test_unreachable_odoo_names_the_url_and_the_cause() -> None:
    from tests.fixtures.sandbox import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(OdooUnavailable) as caught:
        connect(url, "sandbox", "admin", "admin", "auto", timeout=2)
    assert url in caught.value.message
    assert "refused" in caught.value.message.lower()


# -- reading ------------------------------------------------------------------------------


def test_fields_get_gives_types_and_relations(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, _ = gateway
    fields = client.fields_get("project.task", ["type", "relation"])
    assert fields["user_ids"] == {"type": "many2many", "relation": "res.users"}
    assert fields["name"]["type"] == "char"


def test_search_read_with_or_domain_order_and_limit(
    gateway: tuple[MappedClient, Sandbox],
) -> None:
    client, _ = gateway
    rows = client.search_read(
        "res.partner",
        ["|", ["name", "=", "Deco Addict"], ["name", "=", "Azure Interior"]],
        ["name", "is_company"],
        order="name asc",
        limit=5,
    )
    assert [(r["name"], r["is_company"]) for r in rows] == [
        ("Azure Interior", True),
        ("Deco Addict", True),
    ]


def test_search_read_returns_only_the_requested_fields(
    gateway: tuple[MappedClient, Sandbox],
) -> None:
    client, _ = gateway
    rows = client.search_read("res.partner", [["is_company", "=", True]], ["name"], limit=1)
    assert set(rows[0]) == {"id", "name"}


def test_archived_records_need_active_test_false(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, sandbox = gateway
    pid = sandbox.rpc("res.partner", "create", {"name": f"Archived {uuid.uuid4().hex[:6]}"})
    sandbox.rpc("res.partner", "write", [pid], {"active": False})
    assert client.search("res.partner", [["id", "=", pid]]) == []
    assert client.search("res.partner", [["id", "=", pid]], context={"active_test": False}) == [pid]


# -- writing ------------------------------------------------------------------------------


def test_create_and_write_with_x2many_commands(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, _ = gateway
    project = client.search("project.project", [], limit=1)[0]
    admin, demo = (
        client.search("res.users", [["login", "=", login]])[0] for login in ("admin", "demo")
    )
    task = client.create(
        "project.task",
        {"name": "Contract test", "project_id": project, "user_ids": [[6, 0, [admin]]]},
    )
    client.write("project.task", [task], {"user_ids": [[4, demo], [3, admin]]})
    (row,) = client.read("project.task", [task], ["name", "user_ids"])
    assert row["user_ids"] == [demo]


def test_create_many_returns_one_id_per_record(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, _ = gateway
    ids = client.create_many("res.partner", [{"name": "Batch A"}, {"name": "Batch B"}])
    assert len(ids) == 2
    assert [r["name"] for r in client.read("res.partner", ids, ["name"])] == ["Batch A", "Batch B"]


def test_message_post_returns_one_message_id(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, _ = gateway
    order = client.search("sale.order", [], limit=1)[0]
    message = client.call(
        "sale.order", "message_post", [order], body="<p>Approved</p>", subtype_xmlid="mail.mt_note"
    )
    assert isinstance(message, int)


# -- error classes ------------------------------------------------------------------------


def test_missing_record_is_rejected_with_odoos_name(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, _ = gateway
    with pytest.raises(OdooRejected) as caught:
        client.write("project.task", [999_999], {"name": "x"})
    assert caught.value.name == "odoo.exceptions.MissingError"


def test_private_method_is_an_access_error(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, _ = gateway
    with pytest.raises(OdooRejected) as caught:
        client.call("sale.order", "_create_invoices", [1])
    assert caught.value.name == "odoo.exceptions.AccessError"


def test_validation_error_is_rejected_with_its_message(
    gateway: tuple[MappedClient, Sandbox],
) -> None:
    client, sandbox = gateway
    fault(
        sandbox,
        kind="error",
        model="project.task",
        method="write",
        name="odoo.exceptions.ValidationError",
        message="hours cannot be negative",
    )
    with pytest.raises(OdooRejected, match="hours cannot be negative") as caught:
        client.write("project.task", [1], {"allocated_hours": -1})
    assert caught.value.name == "odoo.exceptions.ValidationError"


def test_validation_error_is_not_retried(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, sandbox = gateway
    fault(
        sandbox,
        kind="error",
        model="project.task",
        method="write",
        count=5,
        name="odoo.exceptions.ValidationError",
        message="hours cannot be negative",
    )
    sandbox.control("reset_stats")
    with pytest.raises(OdooRejected):
        client.write("project.task", [1], {"allocated_hours": -1})
    assert sandbox.stats()["project.task.write"] == 1


@pytest.mark.parametrize(
    "name",
    ["odoo.exceptions.LockError", "psycopg2.errors.SerializationFailure"],
)
def test_lock_and_serialization_failures_are_unavailable(
    gateway: tuple[MappedClient, Sandbox], name: str
) -> None:
    client, sandbox = gateway
    fault(
        sandbox,
        kind="error",
        model="res.partner",
        method="search_read",
        name=name,
        message="could not serialize access due to concurrent update",
    )
    with pytest.raises(OdooUnavailable):
        client.search_read("res.partner", [], ["name"], limit=1)


def test_http_503_is_unavailable_with_the_url(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, sandbox = gateway
    fault(sandbox, kind="unavailable", model="res.partner", method="search_read")
    with pytest.raises(OdooUnavailable, match="503") as caught:
        client.search_read("res.partner", [], ["name"], limit=1)
    assert sandbox.url in caught.value.message


def test_timeout_is_unavailable(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, sandbox = gateway
    fault(sandbox, kind="timeout", model="res.partner", method="search_read", seconds=6)
    with pytest.raises(OdooUnavailable, match="no answer within 5 s"):
        client.search_read("res.partner", [], ["name"], limit=1)


def test_cut_connection_is_unavailable(gateway: tuple[MappedClient, Sandbox]) -> None:
    client, sandbox = gateway
    fault(sandbox, kind="cut", model="res.partner", method="search_read")
    with pytest.raises(OdooUnavailable, match="cannot reach Odoo"):
        client.search_read("res.partner", [], ["name"], limit=1)


def test_session_expiry_logs_in_once_and_retries_the_call_once(odoo_sandbox: Sandbox) -> None:
    client = JsonRpcClient.connect(odoo_sandbox.url, "sandbox", "admin", "admin")
    fault(odoo_sandbox, kind="session_expired", model="res.partner", method="search_read")
    odoo_sandbox.control("reset_stats")
    rows = client.search_read("res.partner", [["name", "=", "Deco Addict"]], ["name"])
    assert [r["name"] for r in rows] == ["Deco Addict"]
    stats = odoo_sandbox.stats()
    assert (stats["common.login"], stats["res.partner.search_read"]) == (1, 2)


def test_session_expiring_again_after_relogin_gives_up(odoo_sandbox: Sandbox) -> None:
    client = JsonRpcClient.connect(odoo_sandbox.url, "sandbox", "admin", "admin")
    fault(odoo_sandbox, kind="session_expired", model="res.partner", method="search_read", count=5)
    odoo_sandbox.control("reset_stats")
    with pytest.raises(OdooUnavailable) as caught:
        client.search_read("res.partner", [], ["name"], limit=1)
    assert not isinstance(caught.value, OdooSessionExpired)
    assert odoo_sandbox.stats()["common.login"] == 1


def test_real_odoorpc_sees_odoos_exception_name(odoo_sandbox: Sandbox) -> None:
    odoo = odoorpc.ODOO("127.0.0.1", port=odoo_sandbox.port)
    odoo.login("sandbox", "admin", "admin")
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute_kw("project.task", "write", [[999_999], {"name": "x"}], {})
    assert caught.value.info["data"]["name"] == "odoo.exceptions.MissingError"
