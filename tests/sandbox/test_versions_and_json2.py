"""Per-version field names and the Odoo 19 JSON-2 API (reference §0 item 10, §4)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import odoorpc
import pytest

from tests.sandbox.conftest import Sandbox

KEY = "0123456789abcdef0123456789abcdef01234567"


def test_17_names_project_account_analytic_account_id(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = start_sandbox("17.0")
    odoo = sandbox.client()
    account = odoo.env["account.analytic.account"].create({"name": "AA"})

    project = odoo.env["project.project"].create({"name": "P", "analytic_account_id": account})
    fields = odoo.execute("project.project", "fields_get")
    row = odoo.execute_kw("project.project", "read", [[project], ["analytic_account_id"]])[0]

    assert odoo.version == "17.0"
    assert "analytic_account_id" in fields
    assert "account_id" not in fields
    assert "analytic_account_id" in odoo.execute("sale.order", "fields_get")
    assert row["analytic_account_id"] == [account, "AA"]
    assert sandbox.store.get("project.project", project)["account_id"] == account


def test_17_refuses_the_18_name(start_sandbox: Callable[..., Sandbox]) -> None:
    odoo = start_sandbox("17.0").client()

    with pytest.raises(odoorpc.error.RPCError, match="Invalid field 'account_id'"):
        odoo.execute_kw("project.project", "search_read", [[], ["account_id"]])


def test_19_renames_and_removals(start_sandbox: Callable[..., Sandbox]) -> None:
    odoo = start_sandbox("19.0").client()

    line_fields = odoo.execute("sale.order.line", "fields_get")
    partner_fields = odoo.execute("res.partner", "fields_get")
    user = odoo.execute_kw("res.users", "read", [[2], ["group_ids"]])[0]

    assert {"product_uom_id", "tax_ids"} <= set(line_fields)
    assert not {"product_uom", "tax_id"} & set(line_fields)
    assert "mobile" not in partner_fields and "title" not in partner_fields
    assert isinstance(user["group_ids"], list) and user["group_ids"]


def test_19_error_code_is_zero(start_sandbox: Callable[..., Sandbox]) -> None:
    odoo = start_sandbox("19.0").client()

    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("res.partner", "read", [[999], ["name"]])

    assert exc.value.info["code"] == 0


def test_19_version_routes(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox("19.0")

    info = httpx.post(f"{sandbox.url}/web/webclient/version_info", json={"params": {}}).json()
    version = httpx.get(f"{sandbox.url}/web/version").json()

    assert info["result"] == {
        "server_version": "19.0",
        "server_version_info": [19, 0, 0, "final", 0, ""],
        "server_serie": "19.0",
    }
    assert version == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}


def test_json2_absent_before_19(sandbox: Sandbox) -> None:
    answer = httpx.post(f"{sandbox.url}/json/2/res.partner/search", json={"domain": []})

    assert answer.status_code == 404


@pytest.fixture
def json2(start_sandbox: Callable[..., Sandbox]) -> Callable[..., httpx.Response]:
    sandbox = start_sandbox("19.0")
    sandbox.control("apikey", {"login": "admin", "key": KEY})

    def post(model: str, method: str, body: dict, key: str = KEY) -> httpx.Response:
        headers = {"Authorization": f"bearer {key}", "X-Odoo-Database": "sandbox"}
        return httpx.post(f"{sandbox.url}/json/2/{model}/{method}", json=body, headers=headers)

    return post


def test_json2_create_then_search_read(json2: Callable[..., httpx.Response]) -> None:
    created = json2("res.partner", "create", {"vals_list": [{"name": "Deco Addict"}]})
    found = json2(
        "res.partner", "search_read", {"domain": [["name", "=", "Deco Addict"]], "fields": ["name"]}
    )

    assert created.status_code == 200
    assert found.json() == [{"id": created.json()[0], "name": "Deco Addict"}]


def test_json2_write_with_ids_and_context_get(json2: Callable[..., httpx.Response]) -> None:
    partner = json2("res.partner", "create", {"vals_list": [{"name": "A"}]}).json()[0]

    written = json2("res.partner", "write", {"ids": [partner], "vals": {"name": "B"}})
    context = json2("res.users", "context_get", {})

    assert written.json() is True
    assert context.json()["uid"] == 2


def test_json2_bad_key_is_401(json2: Callable[..., httpx.Response]) -> None:
    answer = json2("res.partner", "search", {"domain": []}, key="wrong")

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "bearer"
    assert answer.json()["message"] == "Invalid apikey"


def test_json2_user_error_is_422(json2: Callable[..., httpx.Response]) -> None:
    answer = json2("res.partner", "write", {"ids": [3], "vals": {"category_id": [1]}})

    assert answer.status_code == 422
    assert answer.json()["name"] == "odoo.exceptions.ValidationError"
    assert set(answer.json()) == {"name", "message", "arguments", "context", "debug"}


def test_json2_missing_record_and_unknown_model_are_404(
    json2: Callable[..., httpx.Response],
) -> None:
    missing = json2("res.partner", "read", {"ids": [424242], "fields": ["name"]})
    unknown = json2("no.model", "search", {"domain": []})

    assert missing.status_code == 404
    assert missing.json()["name"] == "odoo.exceptions.MissingError"
    assert unknown.status_code == 404


def test_json2_private_method_is_403(json2: Callable[..., httpx.Response]) -> None:
    answer = json2("res.partner", "_secret", {})

    assert answer.status_code == 403
    assert answer.json()["name"] == "odoo.exceptions.AccessError"
