"""Every endpoint x every persona, with the status each must get (table-driven).

Personas: pm (manages both projects in Odoo), am (account manager of the unit, raised
the discount), fin (finance, the discount's approver), rm (resource manager),
consultant (no project), client1 / client2 (contacts of two clients, each with one
published project), outsider (no role), noscope (finance with a token lacking the scope).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import World, token_header

PERSONAS = ["pm", "am", "fin", "rm", "consultant", "client1", "client2", "outsider", "noscope"]


def _staffing_body(w: World) -> dict[str, Any]:
    start = timezone.localdate() + dt.timedelta(days=14)
    return {
        "project": w.project1.pk,
        "job_role": w.staffing_request.job_role_id,
        "start_date": str(start),
        "end_date": str(start + dt.timedelta(days=27)),
        "hours_per_week": "20",
        "bill_rate": "120",
        "currency": "ZZZ",  # a currency without a rate card: a PM gets a 400 naming it
    }


Args = Callable[[World], list[int]]
Body = Callable[[World], dict[str, Any]] | None
# (url name, method, args, body, {persona: status}); personas not listed expect `default`.
ROWS: list[tuple[str, str, Args, Body, dict[str, int]]] = [
    ("me", "get", lambda w: [], None, {}),
    ("inbox", "get", lambda w: [], None, {}),
    ("approvals-raised", "get", lambda w: [], None, {}),
    ("changes", "get", lambda w: [], None, {}),
    ("projects", "get", lambda w: [], None, {}),
    ("timesheets", "get", lambda w: [], None, {}),
    ("adjustments", "get", lambda w: [], None, {}),
    ("staffing-requests", "get", lambda w: [], None, {}),
    ("milestones", "get", lambda w: [], None, {}),
    ("client-requests", "get", lambda w: [], None, {}),
    (
        "approval-detail", "get", lambda w: [w.approval.pk], None,
        {"am": 200, "fin": 200, "default": 404},
    ),
    (
        "approval-decide", "post", lambda w: [w.approval.pk], lambda w: {"decision": "approve"},
        {"am": 403, "fin": 200, "default": 404},
    ),
    (
        "approvals-bulk-decide", "post", lambda w: [],
        lambda w: {"ids": [w.approval.pk], "decision": "approve"}, {},
    ),
    (
        "project-detail", "get", lambda w: [w.project1.pk], None,
        {"consultant": 404, "client2": 404, "outsider": 404},
    ),
    (
        "project-milestones", "get", lambda w: [w.project1.pk], None,
        {"consultant": 404, "client2": 404, "outsider": 404},
    ),
    (
        "project-summaries", "get", lambda w: [w.project1.pk], None,
        {"consultant": 404, "client2": 404, "outsider": 404},
    ),
    (
        "adjustment-detail", "get", lambda w: [w.adjustment.pk], None,
        {"am": 200, "fin": 200, "default": 404},
    ),
    (
        "adjustments", "post", lambda w: [],
        lambda w: {"type": "discount", "target": "sol:99999", "discount_pct": "5", "reason": "x"},
        {"am": 400, "fin": 400, "default": 403},
    ),
    (
        "staffing-request-detail", "get", lambda w: [w.staffing_request.pk], None,
        {"pm": 200, "rm": 200, "default": 404},
    ),
    (
        "staffing-candidates", "get", lambda w: [w.staffing_request.pk], None,
        {"pm": 403, "rm": 200, "default": 404},
    ),
    (
        "staffing-book", "post", lambda w: [w.staffing_request.pk],
        lambda w: {"profile_id": 999999},
        {"pm": 403, "rm": 400, "default": 404},
    ),
    (
        "staffing-requests", "post", lambda w: [], _staffing_body,
        {"pm": 400, "am": 403, "fin": 403, "rm": 403, "client1": 403, "default": 400},
    ),
    (
        "milestone-detail", "get", lambda w: [w.milestone1.pk], None,
        {"pm": 200, "am": 200, "fin": 200, "client1": 200, "default": 404},
    ),
    (
        "milestone-ready", "post", lambda w: [w.milestone1.pk], lambda w: {},
        {"pm": 400, "am": 403, "fin": 403, "client1": 403, "default": 404},
    ),
    (
        "milestone-sign-off", "post", lambda w: [w.milestone1.pk],
        lambda w: {"decision": "accepted", "typed_name": "Carla Client"},
        {"pm": 403, "am": 403, "fin": 403, "client1": 409, "default": 404},
    ),
    (
        "client-request-detail", "get", lambda w: [w.request1.pk], None,
        {"consultant": 404, "client2": 404, "outsider": 404},
    ),
    (
        "client-requests", "post", lambda w: [],
        lambda w: {"project": w.project1.pk, "subject": "Help", "description": "Please."},
        {"client1": 201, "pm": 403, "am": 403, "fin": 403, "rm": 403, "default": 400},
    ),
    (
        "client-request-reply", "post", lambda w: [w.request1.pk], lambda w: {"body": "Thanks"},
        {"consultant": 404, "client2": 404, "outsider": 404, "default": 201},
    ),
]  # fmt: skip


def _expected(row: dict[str, int], persona: str, method: str) -> int:
    if persona == "noscope":
        return 403
    if persona in row:
        return row[persona]
    return row.get("default", 200)


CASES = [
    pytest.param(name, method, args, body, persona, _expected(exp, persona, method),
                 id=f"{method}-{name}-{persona}")
    for name, method, args, body, exp in ROWS
    for persona in PERSONAS
]  # fmt: skip


@pytest.mark.parametrize(("name", "method", "args", "body", "persona", "status"), CASES)
def test_endpoint_answers_persona_with_expected_status(
    client, world, name, method, args, body, persona, status
) -> None:  # type: ignore[no-untyped-def]
    if persona == "noscope":
        headers = token_header(world.people["fin"], ["evidence:write"])
    else:
        headers = token_header(world.people[persona])
    url = reverse(f"api:{name}", args=args(world))

    if method == "get":
        response = client.get(url, **headers)
    else:
        response = client.post(url, body(world) if body else {}, "application/json", **headers)

    assert response.status_code == status, response.content.decode()[:500]
    if status >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == status


LIST_ENDPOINTS = [
    "me", "inbox", "approvals-raised", "changes", "projects", "timesheets", "adjustments",
    "staffing-requests", "milestones", "client-requests",
]  # fmt: skip


@pytest.mark.parametrize("name", LIST_ENDPOINTS)
def test_anonymous_caller_gets_401_problem(client, db, name) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse(f"api:{name}"))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
