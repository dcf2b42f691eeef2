"""The default approval policy for staffing exceptions."""

from __future__ import annotations

from typing import Any

from portal.approvals import policy_admin
from portal.approvals.models import PolicyVersion
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
    return policy_admin.seed_default_policy(
        APPROVAL_KIND,
        name="Staffing exceptions (default)",
        steps=DEFAULT_STEPS,
        note=SEED_NOTE,
        replace_seeded=True,
    )
