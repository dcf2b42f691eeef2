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

# A delivery leader of the booking's unit (firm-wide ones included) approves every
# exception. Not a resource manager: the one who booked may not approve their own booking
# (separation of duties), and a unit with a single resource manager would leave every
# exception without an approver.
DEFAULT_STEPS: list[dict[str, Any]] = [
    {
        "order": 1,
        "name": "Delivery leader",
        "approver_type": "role",
        "role": "delivery_leader",
        "mode": "any",
        "sla_hours": 16,
    },
]
SEED_NOTE = "Seeded by staffing_seed_policies"


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
        if existing is not None and (existing.note != SEED_NOTE or existing.steps == steps):
            return existing, False
        if existing is not None:
            # An earlier seeded default (resource manager first) is replaced; a policy an
            # administrator has edited since is theirs and left alone.
            existing.state = PolicyVersion.State.SUPERSEDED
            existing.save(update_fields=["state"])
        number = (
            policy.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        version = PolicyVersion.objects.create(
            policy=policy,
            number=number,
            steps=steps,
            state=PolicyVersion.State.ACTIVE,
            note=SEED_NOTE,
            activated_at=timezone.now(),
        )
        audit.record(
            "approvals.policy.seeded",
            obj=version,
            data={"policy": policy.pk, "kind": APPROVAL_KIND, "steps": steps},
        )
    return version, True
