"""Operators change policies through versions; a second operator activates them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.approvals.policies import (
    active_version,
    facts_in_unit_currency,
    step_applies,
    validate_steps,
)
from portal.approvals.registry import get_kind
from portal.core import audit
from portal.core.access import has_role
from portal.core.errors import Conflict, NotAllowed
from portal.core.models import BusinessUnit, User


def _require_operator(actor: User) -> None:
    if not has_role(actor, "operator"):
        raise NotAllowed("Only operators change approval policies.")


def propose_version(
    policy: ApprovalPolicy, steps: list[dict[str, Any]], *, actor: User, note: str = ""
) -> PolicyVersion:
    """Save a new pending version after validating it against the kind's facts."""
    _require_operator(actor)
    clean = validate_steps(get_kind(policy.kind), steps)
    with transaction.atomic():
        ApprovalPolicy.objects.select_for_update().get(pk=policy.pk)
        number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion.objects.create(
            policy=policy, number=number, steps=clean, note=note, created_by=actor
        )
        audit.record(
            "approvals.policy.version_proposed",
            actor=actor,
            obj=version,
            data={"policy": policy.pk, "number": number, "steps": clean},
        )
    return version


def activate_version(version_id: int, *, actor: User, bootstrap: bool = False) -> PolicyVersion:
    """A second operator activates a pending version; the active one is superseded.

    `bootstrap` lets the seeding command activate its own first versions.
    """
    if not bootstrap:
        _require_operator(actor)
    with transaction.atomic():
        version = PolicyVersion.objects.select_for_update().get(pk=version_id)
        if version.state != PolicyVersion.State.PENDING:
            raise Conflict(f"This version is already {version.get_state_display().lower()}.")
        if not bootstrap and version.created_by_id == actor.pk:
            raise NotAllowed("A second operator must activate a policy change you proposed.")
        validate_steps(get_kind(version.policy.kind), version.steps)
        PolicyVersion.objects.filter(
            policy_id=version.policy_id, state=PolicyVersion.State.ACTIVE
        ).update(state=PolicyVersion.State.SUPERSEDED)
        version.state = PolicyVersion.State.ACTIVE
        version.activated_by = actor
        version.activated_at = timezone.now()
        version.save()
        audit.record(
            "approvals.policy.version_activated",
            actor=actor,
            obj=version,
            data={"policy": version.policy_id, "number": version.number},
        )
    return version


def discard_version(version_id: int, *, actor: User) -> PolicyVersion:
    _require_operator(actor)
    with transaction.atomic():
        version = PolicyVersion.objects.select_for_update().get(pk=version_id)
        if version.state != PolicyVersion.State.PENDING:
            raise Conflict("Only a pending version can be discarded.")
        version.state = PolicyVersion.State.DISCARDED
        version.save(update_fields=["state"])
        audit.record("approvals.policy.version_discarded", actor=actor, obj=version)
    return version


@dataclass(frozen=True)
class SimulatedStep:
    order: int
    name: str
    approvers: str
    applies: bool
    why: str


@dataclass(frozen=True)
class Simulation:
    version: PolicyVersion | None
    steps: list[SimulatedStep]
    problem: str

    @property
    def route(self) -> list[SimulatedStep]:
        return [s for s in self.steps if s.applies]


def simulate(
    kind_key: str,
    facts: dict[str, Any],
    *,
    unit: BusinessUnit | None,
    version: PolicyVersion | None = None,
) -> Simulation:
    """The route a hypothetical subject with `facts` would take; nothing is saved."""
    kind = get_kind(kind_key)
    version = version or active_version(kind_key, unit, facts.get("contract_type"))
    if version is None:
        return Simulation(None, [], "No active policy applies: the request would need routing.")
    unit_facts, problem = facts_in_unit_currency(kind, facts, unit)
    if problem:
        return Simulation(version, [], f"The request would need routing: {problem}.")
    out = []
    for spec in version.steps:
        evaluated = step_applies(kind, spec, unit_facts)
        approvers = (
            spec["role"].replace("_", " ")
            if spec["approver_type"] == "role"
            else str(User.objects.filter(pk=spec["person_id"]).first() or "?")
        )
        mode = {"any": "any one", "all": "all", "n": f"{spec.get('n')} of"}[spec["mode"]]
        out.append(
            SimulatedStep(
                spec["order"],
                spec["name"],
                f"{mode} {approvers}",
                evaluated.applies,
                evaluated.problem or ("applies" if evaluated.applies else "conditions not met"),
            )
        )
    problem = (
        "" if any(s.applies for s in out) else "No step applies: the request would need routing."
    )
    return Simulation(version, out, problem)


def typed_fact(type_: str, raw: str) -> Any:
    raw = raw.strip()
    if raw == "":
        return None
    if type_ in ("money", "percent", "number"):
        return Decimal(raw.replace(",", ""))
    return raw


def seed_default_policy(
    kind_key: str,
    *,
    name: str,
    steps: list[dict[str, Any]],
    note: str,
    replace_seeded: bool = False,
) -> tuple[PolicyVersion, bool]:
    """Give `kind_key` a firm-wide policy with an active version, once; (version, created).

    Installations start with a sensible route instead of every request waiting for an
    operator. An active version is kept as it is, except that with `replace_seeded` an
    earlier seeded version (same `note`) whose steps differ is superseded; a version an
    operator has edited is theirs and never replaced.
    """
    validated = validate_steps(get_kind(kind_key), steps)
    with transaction.atomic():
        policy, _ = ApprovalPolicy.objects.get_or_create(
            kind=kind_key, business_unit=None, contract_type="", defaults={"name": name}
        )
        existing = policy.versions.filter(state=PolicyVersion.State.ACTIVE).first()
        if existing is not None:
            if not replace_seeded or existing.note != note or existing.steps == validated:
                return existing, False
            existing.state = PolicyVersion.State.SUPERSEDED
            existing.save(update_fields=["state"])
        number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion.objects.create(
            policy=policy,
            number=number,
            steps=validated,
            state=PolicyVersion.State.ACTIVE,
            note=note,
            activated_at=timezone.now(),
        )
        audit.record(
            "approvals.policy.seeded",
            obj=version,
            data={"policy": policy.pk, "kind": kind_key, "steps": validated},
        )
    return version, True
