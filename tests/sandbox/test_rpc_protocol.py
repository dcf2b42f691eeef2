"""The JSON-RPC endpoints as odoorpc 0.10.1 uses them (reference §1, §2, §3)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import odoorpc
import pytest

from tests.sandbox.conftest import Sandbox


def post(url: str, payload: Any, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def call(sandbox: Sandbox, service: str, method: str, *args: Any) -> Any:
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 7,
        "params": {"service": service, "method": method, "args": list(args)},
    }
    return post(f"{sandbox.url}/jsonrpc", body)[1]


def test_version_info_answers_odoorpc_constructor(sandbox: Sandbox) -> None:
    status, body = post(f"{sandbox.url}/web/webclient/version_info", {"params": {}, "id": 3})

    assert status == 200
    assert body == {
        "jsonrpc": "2.0",
        "id": 3,
        "result": {
            "server_version": "18.0",
            "server_version_info": [18, 0, 0, "final", 0, ""],
            "server_serie": "18.0",
            "protocol_version": 1,
        },
    }
    assert odoorpc.ODOO("127.0.0.1", port=sandbox.port).version == "18.0"


def test_login_with_good_password_returns_admin_uid(odoo: odoorpc.ODOO) -> None:
    assert odoo.env.uid == 2
    assert odoo.env.user.name == "Mitchell Admin"
    assert odoo.env.context["lang"] == "en_US"


def test_login_with_wrong_password_is_refused(sandbox: Sandbox) -> None:
    odoo = odoorpc.ODOO("127.0.0.1", port=sandbox.port)

    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        odoo.login("sandbox", "admin", "wrong")


def test_common_login_answers_false_not_an_error(sandbox: Sandbox) -> None:
    assert call(sandbox, "common", "login", "sandbox", "admin", "nope") == {
        "jsonrpc": "2.0",
        "id": 7,
        "result": False,
    }


def test_demo_user_logs_in_as_in_odoo_demo(sandbox: Sandbox) -> None:
    odoo = sandbox.client("demo", "demo")

    assert odoo.env.user.name == "Marc Demo"


def test_api_key_works_as_password(sandbox: Sandbox) -> None:
    key = sandbox.control("apikey", {"login": "admin", "key": "k" * 40})["key"]

    odoo = sandbox.client("admin", key)

    assert key == "k" * 40
    assert odoo.env.uid == 2


def test_object_call_with_wrong_password_is_access_denied(sandbox: Sandbox) -> None:
    answer = call(
        sandbox, "object", "execute_kw", "sandbox", 2, "bad", "res.partner", "search", [[]]
    )

    assert answer["error"]["code"] == 200
    assert answer["error"]["message"] == "Odoo Server Error"
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert answer["error"]["data"]["message"] == "Access Denied"


def test_fields_get_describes_task_fields(odoo: odoorpc.ODOO) -> None:
    fields = odoo.execute("project.task", "fields_get")

    assert fields["user_ids"]["type"] == "many2many"
    assert fields["user_ids"]["relation"] == "res.users"
    assert fields["date_deadline"]["type"] == "datetime"
    assert fields["allocated_hours"]["type"] == "float"
    assert ["1_done", "Done"] in fields["state"]["selection"]
    assert fields["effective_hours"]["readonly"] is True
    assert "planned_hours" not in fields


def test_fields_get_filters_attributes(odoo: odoorpc.ODOO) -> None:
    fields = odoo.execute_kw("project.task", "fields_get", [["name"]], {"attributes": ["type"]})

    assert fields == {"name": {"type": "char"}}


def test_private_method_is_access_error(odoo: odoorpc.ODOO) -> None:
    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("res.partner", "_compute_display_name", [[1]])

    assert exc.value.info["data"]["name"] == "odoo.exceptions.AccessError"
    assert (
        str(exc.value)
        == "Private methods (such as _compute_display_name) cannot be called remotely."
    )


def test_missing_record_is_missing_error(odoo: odoorpc.ODOO) -> None:
    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("project.task", "read", [[9999]], {"fields": ["name"]})

    assert exc.value.info["data"]["name"] == "odoo.exceptions.MissingError"


def test_user_error_from_business_rule(odoo: odoorpc.ODOO) -> None:
    partner = odoo.env["res.partner"].create({"name": "Client"})
    order = odoo.env["sale.order"].create({"partner_id": partner})
    odoo.execute_kw("sale.order", "action_confirm", [[order]])

    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("sale.order", "unlink", [[order]])

    assert exc.value.info["data"]["name"] == "odoo.exceptions.UserError"


def test_validation_error_for_timesheet_without_employee(
    sandbox: Sandbox, odoo: odoorpc.ODOO
) -> None:
    user = odoo.env["res.users"].create({"login": "nobody", "name": "No Body", "password": "x"})
    project = odoo.env["project.project"].create({"name": "P"})
    other = sandbox.client("nobody", "x")

    with pytest.raises(odoorpc.error.RPCError) as exc:
        other.env["account.analytic.line"].create(
            {"name": "work", "project_id": project, "unit_amount": 1.0}
        )

    assert user > 2
    assert exc.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
    assert str(exc.value) == (
        "Timesheets must be created with an active employee in the selected companies."
    )


def test_failed_call_changes_nothing(odoo: odoorpc.ODOO) -> None:
    before = odoo.env["res.partner"].search_count([])

    with pytest.raises(odoorpc.error.RPCError):
        odoo.env["res.partner"].create([{"name": "kept?"}, {"name": "bad", "no_such_field": 1}])

    assert odoo.env["res.partner"].search_count([]) == before


def test_unknown_model_and_method(odoo: odoorpc.ODOO) -> None:
    with pytest.raises(odoorpc.error.RPCError) as model_exc:
        odoo.execute_kw("no.such.model", "search", [[]])
    with pytest.raises(odoorpc.error.RPCError) as method_exc:
        odoo.execute_kw("res.partner", "fly", [[1]])

    assert str(model_exc.value) == "Object no.such.model doesn't exist"
    assert method_exc.value.info["data"]["name"] == "builtins.AttributeError"


def test_read_honours_fields_and_load(odoo: odoorpc.ODOO) -> None:
    project = odoo.env["project.project"].create({"name": "Apollo"})
    task = odoo.env["project.task"].create({"name": "T", "project_id": project})

    classic = odoo.execute_kw("project.task", "read", [[task], ["project_id", "milestone_id"]])
    write = odoo.execute_kw(
        "project.task", "read", [[task], ["project_id"]], {"load": "_classic_write"}
    )

    assert classic == [{"id": task, "project_id": [project, "Apollo"], "milestone_id": False}]
    assert write == [{"id": task, "project_id": project}]


def test_browse_reads_every_plain_field(odoo: odoorpc.ODOO) -> None:
    partner = odoo.env["res.partner"].browse(3)

    assert partner.name == "Mitchell Admin"
    assert partner.email is False


def test_create_with_list_returns_list(odoo: odoorpc.ODOO) -> None:
    ids = odoo.execute_kw("res.partner", "create", [[{"name": "A"}, {"name": "B"}]])

    assert isinstance(ids, list)
    assert len(ids) == 2


def test_check_object_reference_and_model_lookup(odoo: odoorpc.ODOO) -> None:
    assert odoo.env.ref("base.user_admin").id == 2
    assert "project.task" in odoo.env


def test_db_list_and_unknown_route(sandbox: Sandbox) -> None:
    status, body = post(f"{sandbox.url}/nowhere", {"id": 1, "params": {}})

    assert call(sandbox, "db", "list")["result"] == ["sandbox"]
    assert status == 404
    assert json.loads(body)["error"]["code"] == 404


def test_invalid_json_is_http_400(sandbox: Sandbox) -> None:
    status, body = post(f"{sandbox.url}/jsonrpc", None, raw=b"{not json")

    assert (status, body) == (400, "Invalid JSON data")


def test_session_expired_fault_is_code_100(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    sandbox.control("faults", {"rules": [{"kind": "session_expired", "model": "res.partner"}]})

    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.env["res.partner"].search([])

    assert exc.value.info["code"] == 100
    assert exc.value.info["message"] == "Odoo Session Expired"
    assert exc.value.info["data"]["name"] == "odoo.http.SessionExpiredException"
    assert odoo.env["res.partner"].search([("id", "=", 3)]) == [3]
