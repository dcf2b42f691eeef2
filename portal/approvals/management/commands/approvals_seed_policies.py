"""Create sensible default approval policies (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from portal.approvals import policy_admin
from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.core.models import User

ESC = ["practice_leader", "delivery_leader"]

DEFAULTS: dict[str, list[dict[str, Any]]] = {
    "discount": [
        {
            "order": 1,
            "name": "Project manager (small discount)",
            "approver_type": "role",
            "role": "project_manager",
            "mode": "any",
            "sla_hours": 8,
            "escalation_roles": ESC,
            "conditions": [
                {"field": "discount_pct", "op": "lte", "value": "5"},
                {"field": "amount", "op": "lte", "value": "5000"},
            ],
        },
        {
            "order": 1,
            "name": "Finance",
            "approver_type": "role",
            "role": "finance",
            "mode": "any",
            "sla_hours": 16,
            "escalation_roles": ESC,
            "conditions": [{"field": "discount_pct", "op": "gt", "value": "5"}],
        },
        {
            "order": 1,
            "name": "Finance (large amount)",
            "approver_type": "role",
            "role": "finance",
            "mode": "any",
            "sla_hours": 16,
            "escalation_roles": ESC,
            "conditions": [
                {"field": "discount_pct", "op": "lte", "value": "5"},
                {"field": "amount", "op": "gt", "value": "5000"},
            ],
        },
        {
            "order": 2,
            "name": "Practice leader",
            "approver_type": "role",
            "role": "practice_leader",
            "mode": "any",
            "sla_hours": 16,
            "escalation_roles": ["delivery_leader"],
            "conditions": [{"field": "discount_pct", "op": "gt", "value": "15"}],
        },
    ],
    "write_off": [
        {
            "order": 1,
            "name": "Finance",
            "approver_type": "role",
            "role": "finance",
            "mode": "any",
            "sla_hours": 16,
            "escalation_roles": ESC,
            "conditions": [],
        },
        {
            "order": 2,
            "name": "Practice leader (above 10,000)",
            "approver_type": "role",
            "role": "practice_leader",
            "mode": "any",
            "sla_hours": 16,
            "escalation_roles": ["delivery_leader"],
            "conditions": [{"field": "amount", "op": "gt", "value": "10000"}],
        },
    ],
}
NAMES = {"discount": "Discounts (default)", "write_off": "Write-offs (default)"}


class Command(BaseCommand):
    help = "Create the default global approval policies for discounts and write-offs."

    def handle(self, *args: Any, **options: Any) -> None:
        # The seed runs as the system; its first versions need no second operator.
        system, _ = User.objects.get_or_create(
            email="approvals-seed@localhost",
            defaults={"full_name": "Policy seed", "is_active": False},
        )
        for kind, steps in DEFAULTS.items():
            with transaction.atomic():
                policy, _ = ApprovalPolicy.objects.get_or_create(
                    kind=kind, business_unit=None, contract_type="", defaults={"name": NAMES[kind]}
                )
                if policy.versions.filter(state=PolicyVersion.State.ACTIVE).exists():
                    self.stdout.write(f"{policy.name}: already active, left as it is")
                    continue
                from portal.approvals.policies import validate_steps
                from portal.approvals.registry import get_kind

                clean = validate_steps(get_kind(kind), steps)
                version = PolicyVersion.objects.create(
                    policy=policy,
                    number=policy.versions.count() + 1,
                    steps=clean,
                    created_by=system,
                    note="default policy",
                )
                policy_admin.activate_version(version.pk, actor=system, bootstrap=True)
                self.stdout.write(f"{policy.name}: v{version.number} active")
