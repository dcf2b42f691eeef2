"""Delivery rules against the Odoo sandbox, run in the test process (no worker needed)."""

from __future__ import annotations

from typing import Any

import pytest

from portal.odoo.delivery import drain
from portal.odoo.models_outbox import OutboxStatus
from tests.odoo.outbox_helpers import (
    backoff_elapses,
    count,
    enqueue_now,
    fault,
    first_id,
    invoiceable_order,
    notes_with,
    reloaded,
    unique,
)

pytestmark = pytest.mark.django_db


def outcomes(row: Any) -> list[str]:
    return list(reloaded(row).tries.values_list("outcome", flat=True))


# -- lost responses: one effect, not two ---------------------------------------------------


def test_cut_response_to_message_post_posts_the_note_once(sandbox: Any) -> None:
    order = first_id(sandbox, "sale.order")
    text = unique("cut-note")
    row = enqueue_now(
        "chatter.post", {"model": "sale.order", "res_id": order, "body": f"<p>{text}</p>"}
    )
    fault(sandbox, kind="cut", model="sale.order", method="message_post")

    drain()
    assert outcomes(row) == ["retry"]
    assert notes_with(sandbox, "sale.order", order, text) == 1  # Odoo committed it
    backoff_elapses()
    drain()

    assert outcomes(row) == ["retry", "already_done"]
    assert reloaded(row).status == OutboxStatus.DONE
    assert notes_with(sandbox, "sale.order", order, text) == 1


def test_cut_response_to_create_makes_one_record(sandbox: Any) -> None:
    ref = unique("partner-ref")
    row = enqueue_now(
        "record.create",
        {"model": "res.partner", "values": {"name": "Cut Client", "ref": ref}, "ref_field": "ref"},
    )
    fault(sandbox, kind="cut", model="res.partner", method="create")

    drain()
    backoff_elapses()
    drain()

    assert outcomes(row) == ["retry", "already_done"]
    assert count(sandbox, "res.partner", [["ref", "=", ref]]) == 1
    assert reloaded(row).result["id"] == first_id(sandbox, "res.partner", [["ref", "=", ref]])


def test_create_without_a_reference_is_not_guessed_after_a_lost_response(sandbox: Any) -> None:
    name = unique("No ref partner")
    row = enqueue_now("record.create", {"model": "res.partner", "values": {"name": name}})
    fault(sandbox, kind="cut", model="res.partner", method="create")

    drain()
    backoff_elapses()
    drain()

    assert reloaded(row).status == OutboxStatus.DEAD
    assert reloaded(row).last_error_class == "portal.OutcomeUnknown"
    assert count(sandbox, "res.partner", [["name", "=", name]]) == 1


def test_cut_response_to_invoice_wizard_makes_one_draft(sandbox: Any) -> None:
    order = invoiceable_order(sandbox)
    ref = unique("INV-REF")
    row = enqueue_now("invoice.draft_from_sale_order", {"sale_order_id": order, "ref": ref})
    fault(sandbox, kind="cut", model="sale.advance.payment.inv", method="create_invoices")

    drain()
    backoff_elapses()
    drain()

    invoices = sandbox.rpc("sale.order", "read", [order], ["invoice_ids"])[0]["invoice_ids"]
    assert len(invoices) == 1
    assert reloaded(row).status == OutboxStatus.DONE
    assert reloaded(row).result["invoice_id"] == invoices[0]
    assert sandbox.rpc("account.move", "read", invoices, ["ref"])[0]["ref"] == ref


def test_invoice_wizard_rerun_does_not_dead_letter_an_existing_invoice(sandbox: Any) -> None:
    order = invoiceable_order(sandbox)
    row = enqueue_now(
        "invoice.draft_from_sale_order", {"sale_order_id": order, "ref": unique("INV")}
    )
    # The ref write after the wizard is lost: the draft exists without our ref.
    fault(sandbox, kind="cut", model="account.move", method="write")

    drain()
    backoff_elapses()
    drain()

    assert reloaded(row).status == OutboxStatus.DONE
    assert len(sandbox.rpc("sale.order", "read", [order], ["invoice_ids"])[0]["invoice_ids"]) == 1


def test_cut_response_to_task_create_makes_one_task(sandbox: Any) -> None:
    project = first_id(sandbox, "project.project")
    name = unique("Portal task")
    row = enqueue_now(
        "task.create", {"project_id": project, "name": name, "description": "<p>x</p>", "ref": "t"}
    )
    fault(sandbox, kind="cut", model="project.task", method="create")

    drain()
    backoff_elapses()
    drain()

    assert outcomes(row) == ["retry", "already_done"]
    assert count(sandbox, "project.task", [["name", "=", name]]) == 1


# -- classification ---------------------------------------------------------------------


def test_service_unavailable_is_retried_with_backoff(sandbox: Any) -> None:
    task = first_id(sandbox, "project.task")
    row = enqueue_now(
        "record.write", {"model": "project.task", "ids": [task], "values": {"priority": "1"}}
    )
    fault(sandbox, kind="unavailable", model="project.task", method="write")

    drain()

    retried = reloaded(row)
    assert (retried.status, retried.attempts) == (OutboxStatus.PENDING, 1)
    assert 8 <= (retried.next_attempt_at - retried.tries.get().started_at).total_seconds() <= 12
    backoff_elapses()
    drain()
    assert reloaded(row).status == OutboxStatus.DONE


def test_timeout_after_commit_is_retried_and_applied_once(sandbox: Any, settings: Any) -> None:
    from portal.odoo.connection import reset_client

    settings.ODOO_TIMEOUT = 1.0
    reset_client()
    order = first_id(sandbox, "sale.order")
    text = unique("slow-note")
    row = enqueue_now("chatter.post", {"model": "sale.order", "res_id": order, "body": text})
    fault(sandbox, kind="timeout", seconds=1.5, model="sale.order", method="message_post")

    drain()
    import time

    time.sleep(1)  # the sandbox finishes the slow call after our client gave up
    backoff_elapses()
    drain()

    assert outcomes(row) == ["retry", "already_done"]
    assert notes_with(sandbox, "sale.order", order, text) == 1


def test_validation_error_dead_letters_at_once_and_the_rest_flows(sandbox: Any) -> None:
    task = first_id(sandbox, "project.task")
    order = first_id(sandbox, "sale.order")
    bad = enqueue_now(
        "record.write", {"model": "project.task", "ids": [task], "values": {"priority": "0"}}
    )
    good = enqueue_now(
        "chatter.post", {"model": "sale.order", "res_id": order, "body": unique("ok")}
    )
    fault(
        sandbox,
        kind="error",
        model="project.task",
        method="write",
        name="odoo.exceptions.ValidationError",
        message="hours cannot be negative",
    )

    drain()

    dead = reloaded(bad)
    assert (dead.status, dead.attempts) == (OutboxStatus.DEAD, 1)
    assert dead.last_error == "hours cannot be negative"
    assert dead.last_error_class == "odoo.exceptions.ValidationError"
    assert reloaded(good).status == OutboxStatus.DONE


def test_session_expiry_logs_in_once_and_delivers(sandbox: Any) -> None:
    order = first_id(sandbox, "sale.order")
    row = enqueue_now("chatter.post", {"model": "sale.order", "res_id": order, "body": unique("s")})
    from portal.odoo.connection import get_client

    get_client()  # logged in before the session "expires"
    sandbox.control("reset_stats")
    fault(sandbox, kind="session_expired", model="sale.order", method="message_post")

    drain()

    assert reloaded(row).status == OutboxStatus.DONE
    assert sandbox.stats().get("common.login", 0) == 1


# -- batching and ordering --------------------------------------------------------------


def test_hundred_identical_writes_are_one_call(sandbox: Any) -> None:
    ids = sandbox.rpc("project.task", "search", [], limit=100)
    for task in ids:
        enqueue_now(
            "record.write",
            {"model": "project.task", "ids": [task], "values": {"color": 5}},
            ordering_key=f"project.task:{task}",
        )
    from portal.odoo.connection import get_client

    get_client()
    sandbox.control("reset_stats")

    drain()

    assert sandbox.stats()["project.task.write"] == 1
    colors = {r["color"] for r in sandbox.rpc("project.task", "read", ids, ["color"])}
    assert colors == {5}


def test_rejected_batch_is_split_so_one_bad_record_does_not_block_the_others(sandbox: Any) -> None:
    ids = sandbox.rpc("project.task", "search", [], limit=99)
    rows = [
        enqueue_now("record.write", {"model": "project.task", "ids": [t], "values": {"color": 7}})
        for t in ids
    ]
    missing = enqueue_now(
        "record.write", {"model": "project.task", "ids": [999_999], "values": {"color": 7}}
    )

    drain()

    assert {reloaded(r).status for r in rows} == {OutboxStatus.DONE}
    assert reloaded(missing).status == OutboxStatus.DEAD
    assert "MissingError" in reloaded(missing).last_error_class


def test_later_write_waits_for_an_earlier_one_of_the_same_record(sandbox: Any) -> None:
    task = first_id(sandbox, "project.task")
    key = f"project.task:{task}"
    first = enqueue_now(
        "record.write",
        {"model": "project.task", "ids": [task], "values": {"name": "A"}},
        ordering_key=key,
    )
    second = enqueue_now(
        "record.write",
        {"model": "project.task", "ids": [task], "values": {"name": "B"}},
        ordering_key=key,
    )
    fault(sandbox, kind="unavailable", model="project.task", method="write")

    drain()
    assert reloaded(first).status == OutboxStatus.PENDING
    assert reloaded(second).attempts == 0  # not tried while the first one waits

    backoff_elapses()
    drain()
    drain()

    assert reloaded(second).delivered_at > reloaded(first).delivered_at
    assert sandbox.rpc("project.task", "read", [task], ["name"])[0]["name"] == "B"


# -- C02: x2many commands --------------------------------------------------------------


def test_bare_id_list_is_refused_at_enqueue(db: None) -> None:
    with pytest.raises(ValueError, match="command"):
        enqueue_now(
            "record.write", {"model": "project.task", "ids": [1], "values": {"tag_ids": [5, 7]}}
        )


def test_tag_replacement_uses_set_command_and_keeps_the_removed_tag(sandbox: Any) -> None:
    task = first_id(sandbox, "project.task")
    sandbox.rpc("project.task", "write", [task], {"tag_ids": [[6, 0, [3, 5]]]})
    enqueue_now(
        "record.write",
        {"model": "project.task", "ids": [task], "values": {"tag_ids": [[6, 0, [5, 7]]]}},
    )

    drain()

    assert sorted(sandbox.rpc("project.task", "read", [task], ["tag_ids"])[0]["tag_ids"]) == [5, 7]
    assert count(sandbox, "project.tags", [["id", "=", 3]]) == 1


def test_invoice_lines_synced_twice_keep_three_lines(sandbox: Any) -> None:
    partner = first_id(sandbox, "res.partner", [["is_company", "=", True]])
    ref = unique("client-1 draft")
    lines = [{"name": f"Line {n}", "quantity": "1", "price_unit": "100.00"} for n in (1, 2, 3)]
    for _ in range(2):
        enqueue_now("invoice.draft_move", {"partner_id": partner, "lines": lines, "ref": ref})
        drain()

    moves = sandbox.rpc("account.move", "search", [["ref", "=", ref]])
    assert len(moves) == 1
    assert (
        len(sandbox.rpc("account.move", "read", moves, ["invoice_line_ids"])[0]["invoice_line_ids"])
        == 3
    )
