"""The default approval policy for staffing exceptions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.approvals.policies import validate_steps
from portal.approvals.registry import get_kind
from portal.core import audit
from portal.staffing.services import APPROVAL_KIND

# A resource manager of the booking's unit (never the one who booked: separation of
# duties) approves every exception; a delivery leader of the unit also approves when
# the booking runs more than 20 % over the person's capacity.
DEFAULT_STEPS: list[dict[str, Any]] = [
    {
        "order": 1,
        "name": "Resource manager",
        "approver_type": "role",
        "role": "resource_manager",
        "mode": "any",
        "sla_hours": 16,
        "escalation_roles": ["delivery_leader"],
    },
    {
        "order": 2,
        "name": "Delivery leader (overrun above 20 %)",
        "approver_type": "role",
        "role": "delivery_leader",
        "mode": "any",
        "conditions": [{"field": "overrun_pct", "op": "gt", "value": "20"}],
        "sla_hours": 16,
    },
]


def seed_default_policy() -> tuple[PolicyVersion, bool]:
    """Create the firm-wide staffing policy with an active first version, once."""
    steps = validate_steps(get_kind(APPROVAL_KIND), DEFAULT_STEPS)
    with transaction.atomic():
        policy, _ = ApprovalPolicy.objects.get_or_create(
            kind=APPROVAL_KIND,
            business_unit=None,
            contract_type="",
            defaults={"name": "Staffing exceptions (default)"},
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
            note="Seeded by staffing_seed_policies",
            activated_at=timezone.now(),
        )
        audit.record(
            "approvals.policy.seeded",
            obj=version,
            data={"policy": policy.pk, "kind": APPROVAL_KIND, "steps": steps},
        )
    return version, True
