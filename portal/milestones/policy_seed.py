"""The default approval policy for milestone billing validation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.approvals.policies import validate_steps
from portal.approvals.registry import get_kind
from portal.core import audit
from portal.milestones.services import KIND

# Without an active policy every client acceptance lands in the routing queue, so a fresh
# install (and the demo) gets one: finance of the milestone's unit validates the billing.
DEFAULT_STEPS: list[dict[str, Any]] = [
    {
        "order": 1,
        "name": "Finance",
        "approver_type": "role",
        "role": "finance",
        "mode": "any",
        "sla_hours": 16,
        "escalation_roles": ["delivery_leader"],
    },
]


def seed_default_policy() -> tuple[PolicyVersion, bool]:
    """Create the firm-wide milestone billing policy with an active first version, once."""
    steps = validate_steps(get_kind(KIND), DEFAULT_STEPS)
    with transaction.atomic():
        policy, _ = ApprovalPolicy.objects.get_or_create(
            kind=KIND,
            business_unit=None,
            contract_type="",
            defaults={"name": "Milestone billing validation (default)"},
        )
        existing = policy.versions.filter(state=PolicyVersion.State.ACTIVE).first()
        if existing is not None:
            return existing, False
        number = (
            policy.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        version = PolicyVersion.objects.create(
            policy=policy,
            number=number,
            steps=steps,
            state=PolicyVersion.State.ACTIVE,
            note="Seeded by milestones_seed_policies",
            activated_at=timezone.now(),
        )
        audit.record(
            "approvals.policy.seeded",
            obj=version,
            data={"policy": policy.pk, "kind": KIND, "steps": steps},
        )
    return version, True
