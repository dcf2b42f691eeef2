"""Who may act on a step: eligibility, separation of duties, fallback, delegation.

Assignments are rebuilt from scratch whenever something that decides them changes
(activation, a decision on another step, delegation, role loss, escalation); the rebuild
diffs against the active rows, so untouched people keep their rows and are not notified
twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from portal.approvals import notifications
from portal.approvals.businesstime import due_at as business_due_at
from portal.approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    Assignment,
    Decision,
    Delegation,
    Status,
    StepStatus,
)
from portal.core import audit
from portal.core.models import Role, RoleMembership, User

logger = logging.getLogger(__name__)

Source = Assignment.Source


@dataclass
class Plan:
    """The assignments a step should have: user id -> (source, on behalf of)."""

    rows: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    principals: list[int] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)


def _holders(role: str, unit_id: int | None, *, anywhere: bool = False) -> list[int]:
    """Active holders of `role` in the unit (firm-wide ones included), or in any unit."""
    memberships = RoleMembership.objects.filter(role=role, user__is_active=True)
    if not anywhere:
        memberships = memberships.filter(
            Q(business_unit_id=unit_id) | Q(business_unit__isnull=True)
        )
    return sorted(set(memberships.values_list("user_id", flat=True)))


def cleared_by(request: ApprovalRequest, *, except_step: ApprovalStep | None = None) -> set[int]:
    """People who approved another step of this round, themselves or through a delegate."""
    rows = Decision.objects.filter(
        request=request, round=request.round, superseded=False, outcome=Decision.Outcome.APPROVE
    )
    if except_step is not None:
        rows = rows.exclude(step=except_step)
    ids: set[int] = set()
    for actor_id, behalf_id in rows.values_list("actor_id", "on_behalf_of_id"):
        ids.add(actor_id)
        if behalf_id:
            ids.add(behalf_id)
    return ids


def excluded_for(request: ApprovalRequest, step: ApprovalStep) -> set[int]:
    """Separation of duties: the requester, and whoever cleared another step."""
    return {request.requester_id} | cleared_by(request, except_step=step)


def active_delegations(user_ids: list[int], today: dt.date) -> dict[int, int]:
    """delegator id -> delegate id for delegations covering `today`."""
    rows = Delegation.objects.filter(
        delegator_id__in=user_ids, starts_on__lte=today, ends_on__gte=today, cancelled=False
    ).values_list("delegator_id", "delegate_id")
    return dict(rows)


def plan_for(step: ApprovalStep, now: dt.datetime) -> Plan:
    request = step.request
    unit_id = request.business_unit_id
    excluded = excluded_for(request, step)
    already_decided = set(
        Decision.objects.filter(step=step, round=step.round, superseded=False).values_list(
            "actor_id", flat=True
        )
    )
    plan = Plan()

    if step.approver_type == "person":
        pid = step.person_id
        active = pid is not None and User.objects.filter(pk=pid, is_active=True).exists()
        principals = [pid] if active and pid is not None else []
    else:
        principals = _holders(step.role, unit_id)
    for level in range(step.escalation_level):
        if level < len(step.escalation_roles):
            for uid in _holders(step.escalation_roles[level], unit_id):
                if uid not in excluded and uid not in plan.rows:
                    plan.rows[uid] = (Source.ESCALATION, None)
    plan.principals = [p for p in principals if p not in excluded]
    for uid in plan.principals:
        plan.rows[uid] = (Source.POLICY, None)

    if not plan.rows:
        # The requester (or someone who cleared another step) was the only eligible
        # approver: hand the step to the role's holders elsewhere in the firm, then to
        # operators, instead of letting it pass.
        fallback = _holders(step.role, None, anywhere=True) if step.role else []
        fallback = [u for u in fallback if u not in excluded]
        if not fallback:
            fallback = [u for u in _holders(Role.OPERATOR, unit_id) if u not in excluded]
        for uid in fallback:
            plan.rows[uid] = (Source.FALLBACK, None)
        plan.principals = fallback

    # Operators may have named someone by hand for a step that could not route.
    for uid in Assignment.objects.filter(
        step=step, active=True, source=Source.OPERATOR
    ).values_list("user_id", flat=True):
        if uid not in excluded:
            plan.rows.setdefault(uid, (Source.OPERATOR, None))

    # Delegation: the delegate acts for the principal; a delegate's own delegation is
    # not followed (no chains), and a delegation back to the principal is a cycle.
    delegations = active_delegations(list(plan.rows), now.date())
    their_own = active_delegations(list(delegations.values()), now.date())
    for principal, delegate in delegations.items():
        if delegate == principal or delegate in excluded:
            continue  # delegation to the requester (or oneself) is ignored here
        if their_own.get(delegate) == principal:
            plan.alerts.append(
                f"delegation cycle between users {principal} and {delegate}; not followed"
            )
            continue
        if delegate not in plan.rows:
            plan.rows[delegate] = (Source.DELEGATION, principal)

    for uid in already_decided:
        plan.rows.pop(uid, None)
    return plan


def required_for(step: ApprovalStep, plan: Plan) -> int:
    if step.mode == "all":
        return max(1, len(plan.principals))
    return 1 if step.mode == "any" else int(step.required or 1)


def sync_assignments(step: ApprovalStep, now: dt.datetime | None = None) -> list[int]:
    """Bring the step's active assignments in line with its plan; return new user ids."""
    now = now or timezone.now()
    request = step.request
    plan = plan_for(step, now)
    current = {a.user_id: a for a in Assignment.objects.filter(step=step, active=True)}

    stale = [
        a.pk
        for uid, a in current.items()
        if uid not in plan.rows or (a.source, a.on_behalf_of_id) != plan.rows[uid]
    ]
    Assignment.objects.filter(pk__in=stale).update(active=False)
    keep = {uid for uid, a in current.items() if a.pk not in stale}
    new = [uid for uid in plan.rows if uid not in keep]
    Assignment.objects.bulk_create(
        [
            Assignment(
                step=step,
                request=request,
                user_id=uid,
                source=plan.rows[uid][0],
                on_behalf_of_id=plan.rows[uid][1],
                submitted_at=request.submitted_at,
            )
            for uid in new
        ]
    )
    if step.mode == "all":
        step.required = required_for(step, plan)
        step.save(update_fields=["required"])

    for alert in plan.alerts:
        audit.record(
            "approvals.delegation.cycle_detected",
            obj=request,
            data={"step": step.pk, "detail": alert},
        )
        _alert_operators(request, step, f"cycle:{step.pk}:{step.round}", now)

    if not plan.rows:
        _mark_needs_routing(step, "nobody is eligible to decide this step", now)
    elif step.status == StepStatus.NEEDS_ROUTING:
        step.status = StepStatus.PENDING
        step.save(update_fields=["status"])
        _refresh_request_status(request)

    for uid in new:
        notifications.notify(
            uid,
            "escalation" if plan.rows[uid][0] == Source.ESCALATION else "new_step",
            f"step:{step.pk}:r{step.round}:l{step.escalation_level}:u{uid}",
            request=request,
            step=step,
            now=now,
        )
    return new


def _alert_operators(
    request: ApprovalRequest, step: ApprovalStep | None, key: str, now: dt.datetime
) -> None:
    for uid in _holders(Role.OPERATOR, None):
        notifications.notify(
            uid, "routing", f"routing:{key}:u{uid}", request=request, step=step, now=now
        )


def _mark_needs_routing(step: ApprovalStep, problem: str, now: dt.datetime) -> None:
    request = step.request
    if step.status != StepStatus.NEEDS_ROUTING:
        step.status = StepStatus.NEEDS_ROUTING
        step.save(update_fields=["status"])
        audit.record(
            "approvals.step.needs_routing", obj=request, data={"step": step.pk, "why": problem}
        )
    request.routing_problem = f"{step.name}: {problem}"
    request.status = Status.NEEDS_ROUTING
    request.save(update_fields=["routing_problem", "status"])
    _alert_operators(request, step, f"{request.pk}:{step.pk}:{step.round}", now)


def hold_request(request: ApprovalRequest, problem: str, now: dt.datetime) -> None:
    """No step could be routed at all: keep the request for an operator."""
    request.status = Status.NEEDS_ROUTING
    request.routing_problem = problem
    request.save(update_fields=["status", "routing_problem"])
    audit.record("approvals.request.needs_routing", obj=request, data={"why": problem})
    _alert_operators(request, None, f"{request.pk}:r{request.round}", now)


def _refresh_request_status(request: ApprovalRequest) -> None:
    if request.status not in (Status.NEEDS_ROUTING, Status.PENDING):
        return
    stuck = request.steps.filter(round=request.round, status=StepStatus.NEEDS_ROUTING).exists()
    status = Status.NEEDS_ROUTING if stuck else Status.PENDING
    if status != request.status:
        request.status = status
        if not stuck:
            request.routing_problem = ""
        request.save(update_fields=["status", "routing_problem"])


def activate(step: ApprovalStep, now: dt.datetime) -> None:
    """Open a waiting step: start its SLA clock and assign its approvers."""
    step.status = StepStatus.PENDING
    step.activated_at = now
    step.save(update_fields=["status", "activated_at"])
    sync_assignments(step, now)
    first = (
        Assignment.objects.filter(step=step, active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    # The SLA follows the calendar of the first approver; the original due time is
    # kept through escalations and re-routing.
    step.due_at = business_due_at(now, step.sla_hours, first)
    step.save(update_fields=["due_at"])


def advance(request: ApprovalRequest, now: dt.datetime) -> bool:
    """Open the next order once every step of the current one is approved.

    Returns True when every step of the round is approved (the request is done).
    """
    steps = list(request.steps.filter(round=request.round))
    open_steps = [s for s in steps if s.status in (StepStatus.PENDING, StepStatus.NEEDS_ROUTING)]
    if open_steps:
        return False
    waiting = [s for s in steps if s.status == StepStatus.WAITING]
    if not waiting:
        return all(s.status == StepStatus.APPROVED for s in steps) and bool(steps)
    next_order = min(s.order for s in waiting)
    for s in waiting:
        if s.order == next_order:
            activate(s, now)
    _refresh_request_status(request)
    return False


def reroute_user(user_id: int, now: dt.datetime | None = None) -> int:
    """Re-check every pending step where `user_id` may act (role lost, left, delegation)."""
    now = now or timezone.now()
    steps = ApprovalStep.objects.filter(
        status__in=[StepStatus.PENDING, StepStatus.NEEDS_ROUTING],
        assignments__active=True,
    ).filter(Q(assignments__user_id=user_id) | Q(assignments__on_behalf_of_id=user_id))
    count = 0
    for step in steps.select_related("request").distinct():
        sync_assignments(step, now)
        count += 1
    return count
