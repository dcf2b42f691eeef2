"""Domains, ordering, active_test and x2many commands over odoorpc (brief §9.3, ref §6.1)."""

from __future__ import annotations

import odoorpc
import pytest

from tests.sandbox.conftest import Sandbox


@pytest.fixture
def firm(sandbox: Sandbox) -> dict[str, int]:
    """Acme (company) with contacts Ann and Bob, Bob's assistant Cy; Zed archived."""
    store = sandbox.store
    acme = store.create("res.partner", {"name": "Acme", "is_company": True, "city": "Ghent"})
    ann = store.create(
        "res.partner", {"name": "Ann Arbor", "parent_id": acme, "email": "ann@acme.test"}
    )
    bob = store.create("res.partner", {"name": "Bob Bell", "parent_id": acme, "city": "Liège"})
    cy = store.create("res.partner", {"name": "Cy Coe", "parent_id": bob})
    zed = store.create("res.partner", {"name": "Zed Zane", "active": False})
    return {"acme": acme, "ann": ann, "bob": bob, "cy": cy, "zed": zed}


def names(odoo: odoorpc.ODOO, domain: list, **kw: object) -> list[str]:
    rows = odoo.env["res.partner"].search_read(domain, ["name"], **kw)
    return [row["name"] for row in rows]


def test_or_and_ilike(odoo: odoorpc.ODOO, firm: dict[str, int]) -> None:
    found = names(odoo, ["|", ("name", "ilike", "ann"), ("city", "=", "Liège")], order="name asc")

    assert found == ["Ann Arbor", "Bob Bell"]


def test_not_and_in(odoo: odoorpc.ODOO, firm: dict[str, int]) -> None:
    ids = [firm["ann"], firm["bob"], firm["cy"]]

    found = names(odoo, [("id", "in", ids), "!", ("name", "=like", "B%")], order="name")

    assert found == ["Ann Arbor", "Cy Coe"]


def test_child_of_includes_grandchildren(odoo: odoorpc.ODOO, firm: dict[str, int]) -> None:
    found = names(odoo, [("id", "child_of", firm["acme"])], order="id")

    assert found == ["Acme", "Ann Arbor", "Bob Bell", "Cy Coe"]


def test_dotted_path_and_false(odoo: odoorpc.ODOO, firm: dict[str, int]) -> None:
    via_parent = names(odoo, [("parent_id.city", "=", "Ghent")], order="name")
    no_email = names(odoo, [("parent_id", "=", firm["acme"]), ("email", "=", False)])

    assert via_parent == ["Ann Arbor", "Bob Bell"]
    assert no_email == ["Bob Bell"]


def test_limit_offset_order(odoo: odoorpc.ODOO, firm: dict[str, int]) -> None:
    partners = odoo.env["res.partner"]
    domain = [("id", "child_of", firm["acme"])]

    assert partners.search(domain, offset=1, limit=2, order="name desc") == [
        firm["bob"],
        firm["ann"],
    ]
    assert partners.search_count(domain) == 4


def test_archived_records_need_active_test_false(odoo: odoorpc.ODOO, firm: dict[str, int]) -> None:
    partners = odoo.env["res.partner"]

    assert partners.search([("name", "=", "Zed Zane")]) == []
    assert partners.search([("name", "=", "Zed Zane"), ("active", "in", [True, False])]) == [
        firm["zed"]
    ]
    found = odoo.execute_kw(
        "res.partner", "search", [[("name", "=", "Zed Zane")]], {"context": {"active_test": False}}
    )
    assert found == [firm["zed"]]


def test_x2many_membership(odoo: odoorpc.ODOO) -> None:
    task = odoo.env["project.task"].create({"name": "T", "user_ids": [(6, 0, [2])]})

    assert odoo.env["project.task"].search([("user_ids", "in", [2])]) == [task]
    assert odoo.env["project.task"].search([("user_ids", "=", False)]) == []


@pytest.fixture
def tags(odoo: odoorpc.ODOO) -> list[int]:
    return [odoo.env["project.tags"].create({"name": n}) for n in ("red", "green", "blue", "cyan")]


def read_tags(odoo: odoorpc.ODOO, task: int) -> list[int]:
    return odoo.execute_kw("project.task", "read", [[task], ["tag_ids"]])[0]["tag_ids"]


def test_set_link_unlink_clear(odoo: odoorpc.ODOO, tags: list[int]) -> None:
    red, green, blue, cyan = tags
    task = odoo.env["project.task"].create({"name": "T", "tag_ids": [(6, 0, [red, green])]})

    odoo.execute_kw("project.task", "write", [[task], {"tag_ids": [(4, blue)]}])
    assert read_tags(odoo, task) == [red, green, blue]
    odoo.execute_kw("project.task", "write", [[task], {"tag_ids": [(3, red)]}])
    assert read_tags(odoo, task) == [green, blue]
    odoo.execute_kw("project.task", "write", [[task], {"tag_ids": [(6, 0, [green, cyan])]}])
    assert read_tags(odoo, task) == [green, cyan]
    odoo.execute_kw("project.task", "write", [[task], {"tag_ids": [(5,)]}])
    assert read_tags(odoo, task) == []


def test_odoorpc_assignment_sends_commands(odoo: odoorpc.ODOO, tags: list[int]) -> None:
    red, green = tags[:2]
    task = odoo.env["project.task"].browse(odoo.env["project.task"].create({"name": "T"}))

    task.tag_ids = [red, green]  # odoorpc sends [(6, 0, ids)]
    task.tag_ids -= odoo.env["project.tags"].browse(red)  # (3, id)

    assert read_tags(odoo, task.id) == [green]


def test_one2many_create_and_update_commands(odoo: odoorpc.ODOO) -> None:
    project = odoo.env["project.project"].create(
        {"name": "P", "task_ids": [(0, 0, {"name": "first"}), (0, 0, {"name": "second"})]}
    )
    first, second = odoo.execute_kw("project.project", "read", [[project], ["task_ids"]])[0][
        "task_ids"
    ]

    odoo.execute_kw(
        "project.project", "write", [[project], {"task_ids": [(1, first, {"name": "renamed"})]}]
    )

    rows = odoo.env["project.task"].search_read(
        [("project_id", "=", project)], ["name"], order="id"
    )
    assert [r["name"] for r in rows] == ["renamed", "second"]
    assert second == first + 1


def test_bare_id_list_is_refused(odoo: odoorpc.ODOO, tags: list[int]) -> None:
    task = odoo.env["project.task"].create({"name": "T"})

    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("project.task", "write", [[task], {"tag_ids": tags[:2]}])

    assert exc.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
    assert read_tags(odoo, task) == []
