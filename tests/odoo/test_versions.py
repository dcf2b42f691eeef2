"""The version map: the portal speaks 18.0 names to 17.0 and 19.0 servers (DESIGN §5.2)."""

from __future__ import annotations

import logging

import pytest

from portal.odoo.connection import connect
from portal.odoo.mirror import SPECS
from portal.odoo.models import Partner, Project
from portal.odoo.sync import sync_all
from portal.odoo.versions import FieldMap
from tests.fixtures.sandbox import Sandbox


def test_17_project_analytic_account_is_read_as_account_id(odoo_sandbox_17: Sandbox) -> None:
    client = connect(odoo_sandbox_17.url, "sandbox", "admin", "admin", "jsonrpc")

    rows = client.search_read(
        "project.project", [["account_id", "!=", False]], ["account_id"], limit=1
    )

    assert client.fields("project.project").server_name("account_id") == "analytic_account_id"
    assert set(rows[0]) == {"id", "account_id"}


def test_19_sale_line_fields_are_mapped_over_json2(odoo_sandbox_19: Sandbox) -> None:
    client = connect(odoo_sandbox_19.url, "sandbox", "admin", odoo_sandbox_19.api_key(), "json2")

    rows = client.search_read("sale.order.line", [], ["product_uom", "tax_id"], limit=1)

    fmap = client.fields("sale.order.line")
    assert (fmap.server_name("product_uom"), fmap.server_name("tax_id")) == (
        "product_uom_id",
        "tax_ids",
    )
    assert set(rows[0]) == {"id", "product_uom", "tax_id"}


def test_19_users_groups_are_written_under_the_new_name(odoo_sandbox_19: Sandbox) -> None:
    client = connect(odoo_sandbox_19.url, "sandbox", "admin", odoo_sandbox_19.api_key(), "json2")
    assert client.fields("res.users").values_to_server({"groups_id": [[4, 1]]}) == {
        "group_ids": [[4, 1]]
    }


def test_19_partner_mobile_is_dropped_from_reads_and_logged_once(
    odoo_sandbox_19: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    client = connect(odoo_sandbox_19.url, "sandbox", "admin", odoo_sandbox_19.api_key(), "json2")
    caplog.set_level(logging.INFO, logger="portal.odoo.versions")

    for _ in range(2):
        rows = client.search_read("res.partner", [], ["name", "mobile"], limit=1)

    assert set(rows[0]) == {"id", "name"}
    assert [r.getMessage() for r in caplog.records if r.name == "portal.odoo.versions"] == [
        "Odoo has no field mobile on res.partner; reading without it"
    ]


def test_domain_and_order_are_translated() -> None:
    fmap = FieldMap(
        "project.project",
        17,
        {"analytic_account_id": {"type": "many2one"}, "name": {"type": "char"}},
    )
    assert fmap.domain_to_server(["|", ["account_id.name", "=", "X"], ["name", "=", "Y"]]) == [
        "|",
        ["analytic_account_id.name", "=", "X"],
        ["name", "=", "Y"],
    ]
    assert fmap.order_to_server("account_id desc, id") == "analytic_account_id desc, id"


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_full_sync_works_on_other_versions(request: pytest.FixtureRequest, version: str) -> None:
    sandbox: Sandbox = request.getfixturevalue(f"odoo_sandbox_{version[:2]}")
    transport = "json2" if version == "19.0" else "jsonrpc"
    client = connect(**_args(sandbox, transport))

    results = sync_all(client)

    assert [r.error for r in results if r.status != "ok"] == []
    for spec in SPECS:
        domain = [list(leaf) for leaf in spec.domain]
        expected = sandbox.rpc(spec.key, "search_count", domain, context={"active_test": False})
        assert spec.model.objects.live().count() == expected, spec.key
    assert Project.objects.exists() and Partner.objects.exists()


def _args(sandbox: Sandbox, transport: str) -> dict[str, str]:
    s = sandbox.settings(transport)
    return {
        "url": s["ODOO_URL"],
        "db": s["ODOO_DB"],
        "user": s["ODOO_USER"],
        "password": s["ODOO_PASSWORD"],
        "transport": transport,
    }
