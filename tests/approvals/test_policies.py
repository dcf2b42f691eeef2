"""Policy validation, versions approved by a second operator, simulation, seeding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.approvals import policy_admin
from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.approvals.policies import PolicyError, validate_steps
from portal.approvals.registry import get_kind
from portal.core.errors import NotAllowed
from tests.approvals.factories import cond, make_policy, step

pytestmark = pytest.mark.django_db


def test_unknown_field_is_refused_with_a_clear_message():
    with pytest.raises(PolicyError, match="unknown field 'amout'"):
        validate_steps(
            get_kind("discount"), [step(1, "finance", conditions=[cond("amout", "gt", "1")])]
        )


def test_operator_that_does_not_fit_the_field_is_refused():
    with pytest.raises(PolicyError, match="operator '>' does not fit 'contract_type'"):
        validate_steps(
            get_kind("discount"),
            [step(1, "finance", conditions=[cond("contract_type", "gt", "retainer")])],
        )


def test_choice_value_must_be_known():
    with pytest.raises(PolicyError, match="not a value of 'contract_type'"):
        validate_steps(
            get_kind("discount"),
            [step(1, "finance", conditions=[cond("contract_type", "eq", "barter")])],
        )


def test_escalation_levels_are_bounded():
    with pytest.raises(PolicyError, match="escalation levels"):
        validate_steps(
            get_kind("discount"),
            [
                step(
                    1,
                    "finance",
                    escalation_roles=["practice_leader", "delivery_leader", "operator"],
                )
            ],
        )


def test_new_version_needs_a_second_operator(op, op2):
    policy = ApprovalPolicy.objects.create(kind="discount", name="D")
    version = policy_admin.propose_version(policy, [step(1, "finance")], actor=op)
    with pytest.raises(NotAllowed):
        policy_admin.activate_version(version.pk, actor=op)
    policy_admin.activate_version(version.pk, actor=op2)
    assert PolicyVersion.objects.get(pk=version.pk).state == "active"


def test_activation_supersedes_the_previous_version(op, op2):
    v1 = make_policy("discount", [step(1, "finance")])
    v2 = policy_admin.propose_version(v1.policy, [step(1, "project_manager")], actor=op)
    policy_admin.activate_version(v2.pk, actor=op2)
    v1.refresh_from_db()
    assert v1.state == "superseded"


def test_simulation_shows_the_route():
    make_policy(
        "discount",
        [
            step(1, "finance", conditions=[cond("discount_pct", "gt", "5")]),
            step(2, "practice_leader", conditions=[cond("discount_pct", "gt", "15")]),
        ],
    )
    sim = policy_admin.simulate(
        "discount", {"discount_pct": Decimal("10"), "amount": Decimal("100")}, unit=None
    )
    assert [s.name for s in sim.route] == ["finance 1"]


def test_seed_policies_is_idempotent():
    call_command("approvals_seed_policies", stdout=None)
    call_command("approvals_seed_policies", stdout=None)
    assert PolicyVersion.objects.filter(state="active").count() == 2


# --- the policy page -------------------------------------------------------------------


def _post_steps(client, policy, conditions):  # type: ignore[no-untyped-def]
    data = {
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-order": "1",
        "steps-0-name": "Finance",
        "steps-0-approver_type": "role",
        "steps-0-role": "finance",
        "steps-0-mode": "any",
        "steps-0-sla_hours": "8",
        "steps-0-conditions": conditions,
        "save": "1",
    }
    return client.post(reverse("approvals:policy", args=[policy.pk]), data)


def test_policy_page_refuses_unknown_field(client, op):
    policy = ApprovalPolicy.objects.create(kind="discount", name="D")
    client.force_login(op)
    response = _post_steps(client, policy, "amout > 5000")
    assert response.status_code == 400
    assert "unknown field &#x27;amout&#x27;" in response.content.decode()
    assert not PolicyVersion.objects.exists()


def test_policy_page_saves_a_pending_version(client, op):
    policy = ApprovalPolicy.objects.create(kind="discount", name="D")
    client.force_login(op)
    response = _post_steps(client, policy, "amount > 5000\ncontract_type in fixed_fee, retainer")
    assert response.status_code == 302
    version = PolicyVersion.objects.get()
    assert version.state == "pending"
    assert version.steps[0]["conditions"][1] == {
        "field": "contract_type",
        "op": "in",
        "value": ["fixed_fee", "retainer"],
    }


def test_policy_page_simulates(client, op):
    v = make_policy("discount", [step(1, "finance", conditions=[cond("amount", "gt", "5000")])])
    client.force_login(op)
    response = client.get(
        reverse("approvals:policy", args=[v.policy_id]), {"simulate": "1", "amount": "6000"}
    )
    assert response.status_code == 200
    assert "applies" in response.content.decode()


def test_policy_page_is_for_operators_only(client, fin):
    policy = ApprovalPolicy.objects.create(kind="discount", name="D")
    client.force_login(fin)
    assert client.get(reverse("approvals:policy", args=[policy.pk])).status_code == 403
