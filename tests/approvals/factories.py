"""Factories and helpers for approval tests: policies, subjects, personas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.approvals.policies import validate_steps
from portal.approvals.registry import get_kind
from portal.commercial.models import Adjustment
from portal.core.models import BusinessUnit, User


def step(
    order: int,
    role: str = "",
    *,
    person: User | None = None,
    name: str = "",
    mode: str = "any",
    n: int | None = None,
    conditions: list[dict[str, Any]] | None = None,
    sla_hours: int = 8,
    escalation_roles: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "order": order,
        "name": name or f"{role or 'person'} {order}",
        "approver_type": "person" if person else "role",
        "role": role,
        "person_id": person.pk if person else None,
        "mode": mode,
        "n": n,
        "conditions": conditions or [],
        "sla_hours": sla_hours,
        "escalation_roles": escalation_roles or [],
    }


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def make_policy(
    kind: str,
    steps: list[dict[str, Any]],
    *,
    unit: BusinessUnit | None = None,
    contract_type: str = "",
) -> PolicyVersion:
    policy, _ = ApprovalPolicy.objects.get_or_create(
        kind=kind, business_unit=unit, contract_type=contract_type, defaults={"name": f"{kind}"}
    )
    PolicyVersion.objects.filter(policy=policy, state="active").update(state="superseded")
    return PolicyVersion.objects.create(
        policy=policy,
        number=policy.versions.count() + 1,
        steps=validate_steps(get_kind(kind), steps),
        state=PolicyVersion.State.ACTIVE,
    )


def make_adjustment(
    requester: User,
    *,
    unit: BusinessUnit | None,
    amount: str = "1000",
    pct: str = "10",
    contract_type: str = "time_and_materials",
    order_id: int = 42,
    sale_line_id: int = 101,
) -> Adjustment:
    """A discount subject saved directly (target checks are tested in tests/commercial)."""
    return Adjustment.objects.create(
        type="discount",
        target="sale_line",
        sale_line_id=sale_line_id,
        order_id=order_id,
        discount_pct=Decimal(pct),
        amount=Decimal(amount),
        base_amount=Decimal(amount) * 10,
        currency="EUR",
        contract_type=contract_type,
        label="S00042 line 'Senior consultant'",
        client_name="Client One",
        partner_id=7,
        reason="Loyalty",
        business_unit=unit,
        requested_by=requester,
    )
