"""The default approval policy for milestone billing validation."""

from __future__ import annotations

from typing import Any

from portal.approvals import policy_admin
from portal.approvals.models import PolicyVersion
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
    return policy_admin.seed_default_policy(
        KIND,
        name="Milestone billing validation (default)",
        steps=DEFAULT_STEPS,
        note="Seeded by milestones_seed_policies",
    )
