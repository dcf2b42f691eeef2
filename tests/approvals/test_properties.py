"""Property-based tests of the engine: random policies and decision sequences.

Invariants: no request is approved unless every applicable step has its required
approvals; the requester never decides; one person never clears two steps of a request.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.approvals import services
from portal.approvals.models import ApprovalStep, Decision, Status, StepStatus
from portal.core.errors import DomainError
from portal.core.models import BusinessUnit, RoleMembership, User
from tests.approvals.factories import cond, make_adjustment, make_policy, step

pytestmark = pytest.mark.django_db
ROLES = ["finance", "project_manager", "practice_leader"]

steps_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "order": st.integers(1, 3),
            "role": st.sampled_from(ROLES),
            "mode": st.sampled_from(["any", "all", "n"]),
            "n": st.integers(1, 2),
            "threshold": st.sampled_from([None, "500", "1500"]),
        }
    ),
    min_size=1,
    max_size=4,
)
people_strategy = st.lists(st.sets(st.sampled_from(ROLES), max_size=2), min_size=2, max_size=5)
decisions_strategy = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["approve", "approve", "approve", "reject"])),
    max_size=12,
)


def check_invariants(req_id: int, requester_id: int) -> None:
    request = services.ApprovalRequest.objects.get(pk=req_id)
    live = Decision.objects.filter(request=request, superseded=False)
    assert not live.filter(actor_id=requester_id).exists(), "requester decided"
    assert not live.filter(on_behalf_of_id=requester_id).exists()

    cleared: dict[int, set[int]] = defaultdict(set)
    for d in live.filter(outcome="approve"):
        cleared[d.actor_id].add(d.step_id)
        if d.on_behalf_of_id:
            cleared[d.on_behalf_of_id].add(d.step_id)
    assert all(len(s) <= 1 for s in cleared.values()), "one person cleared two steps"

    if request.status == Status.APPROVED:
        steps = ApprovalStep.objects.filter(request=request, round=request.round)
        assert steps.exists()
        for s in steps:
            assert s.status == StepStatus.APPROVED
            approvals = live.filter(step=s, outcome="approve").count()
            assert approvals >= s.required >= 1


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=steps_strategy,
    people=people_strategy,
    decisions=decisions_strategy,
    amount=st.sampled_from(["100", "1000", "2000"]),
    requester_index=st.integers(0, 4),
)
def test_random_policies_never_break_the_rules(
    db,
    steps,
    people,
    decisions,
    amount,
    requester_index,  # type: ignore[no-untyped-def]
):
    with transaction.atomic():
        unit = BusinessUnit.objects.create(code="prop", name="Prop")
        users = []
        for i, roles in enumerate(people):
            user = User.objects.create_user(f"p{i}@example.com")
            for role in roles:
                RoleMembership.objects.create(user=user, role=role, business_unit=unit)
            users.append(user)
        requester = users[requester_index % len(users)]
        make_policy(
            "discount",
            [
                step(
                    s["order"],
                    s["role"],
                    mode=s["mode"],
                    n=s["n"] if s["mode"] == "n" else None,
                    conditions=[cond("amount", "gt", s["threshold"])] if s["threshold"] else [],
                )
                for s in steps
            ],
        )
        req = services.submit(
            make_adjustment(requester, unit=unit, amount=amount),
            kind="discount",
            requester=requester,
        )
        check_invariants(req.pk, requester.pk)
        for index, decision in decisions:
            actor = users[index % len(users)]
            with contextlib.suppress(DomainError):
                services.decide(req.pk, actor=actor, decision=decision, comment="because")
            check_invariants(req.pk, requester.pk)
        transaction.set_rollback(True)
