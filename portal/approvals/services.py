"""Approval services: submit, decide, withdraw, react to subject edits.

Each service takes the acting user, runs in one transaction, locks the request row
(`select_for_update`) and re-checks state inside the lock, writes audit entries and
outbox rows, and returns the changed request.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from portal.approvals import routing
from portal.approvals.models import (
    OPEN_STATUSES,
    ApprovalRequest,
    ApprovalStep,
    Assignment,
    Decision,
    PolicyVersion,
    Status,
    StepStatus,
)
from portal.approvals.policies import active_version, facts_in_unit_currency, step_applies
from portal.approvals.registry import SubjectKind, get_kind
from portal.core import audit
from portal.core.errors import Conflict, DomainError, NotAllowed
from portal.core.models import User

logger = logging.getLogger(__name__)

DECISIONS = ("approve", "reject", "request_changes")
RESUBMITTABLE = (Status.CHANGES_REQUESTED,)


def _jsonable(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in facts.items()}


def _post_chatter(request: ApprovalRequest, key: str, text: str | list[str]) -> None:
    """Post paragraphs to the subject's Odoo record, through the outbox, in this transaction.

    The outbox appends the small "Portal reference" paragraph that retries search for.
    """
    kind = get_kind(request.kind)
    subject = load_subject(request)
    target = kind.odoo_record(subject) if subject is not None else None
    if not target:
        return
    from portal.odoo.outbox import enqueue  # the outbox API only, never the transport

    model, res_id = target
    paragraphs = [text] if isinstance(text, str) else text
    enqueue(
        "chatter.post",
        key,
        {
            "model": model,
            "res_id": res_id,
            "body": "".join(f"<p>{html.escape(line)}</p>" for line in paragraphs),
            "subtype_xmlid": "mail.mt_note",
        },
        ordering_key=f"{model}:{res_id}",
    )


def load_subject(request: ApprovalRequest) -> Model | None:
    kind = get_kind(request.kind)
    return kind.model._default_manager.filter(pk=request.subject_id).first()


def _snapshot(request: ApprovalRequest, kind: SubjectKind, subject: Any) -> dict[str, Any]:
    summary = kind.summarize(subject)
    unit = kind.business_unit(subject)
    facts = kind.facts(subject)
    request.title = summary.title[:300]
    request.amount = summary.amount
    request.currency = summary.currency or ""
    request.client_id = summary.client_id
    request.project_id = summary.project_id
    request.subject_url = summary.url or ""
    request.summary_lines = [[label, value] for label, value in summary.lines]
    request.business_unit = unit
    client = next((v for label, v in summary.lines if label.lower() == "client"), "")
    request.client_name = client[:255]
    return facts


def _route(
    request: ApprovalRequest, kind: SubjectKind, facts: dict[str, Any], now: dt.datetime
) -> None:
    """Materialise the applicable steps of the request's policy version and open the first."""
    version = request.policy_version
    if version is None:
        routing.hold_request(request, f"no active approval policy for {kind.label}", now)
        return
    # Thresholds use the rate of the request date, not of the day it is re-routed.
    on = timezone.localdate(request.submitted_at)
    unit_facts, problem = facts_in_unit_currency(kind, facts, request.business_unit, on)
    if problem:
        routing.hold_request(request, problem, now)
        return
    steps = []
    for position, spec in enumerate(version.steps):
        evaluated = step_applies(kind, spec, unit_facts)
        if evaluated.problem:
            routing.hold_request(request, f"{spec['name']}: {evaluated.problem}", now)
            return
        if evaluated.applies:
            steps.append(
                ApprovalStep(
                    request=request,
                    order=spec["order"],
                    position=position,
                    name=spec["name"],
                    approver_type=spec["approver_type"],
                    role=spec.get("role") or "",
                    person_id=spec.get("person_id"),
                    mode=spec.get("mode") or "any",
                    required=spec.get("n") or 1,
                    status=StepStatus.WAITING,
                    sla_hours=spec.get("sla_hours") or 16,
                    escalation_roles=spec.get("escalation_roles") or [],
                    round=request.round,
                )
            )
    if not steps:
        # A policy that selects no step must not approve anything by itself.
        routing.hold_request(request, "no step of the policy applies to this subject", now)
        return
    ApprovalStep.objects.bulk_create(steps)
    request.status = Status.PENDING
    request.routing_problem = ""
    request.save(update_fields=["status", "routing_problem"])
    routing.advance(request, now)


def submit(subject: Any, *, kind: str, requester: User) -> ApprovalRequest:
    """Raise a request for `subject` and route it by the active policy of `kind`.

    A request sent back for changes is resubmitted (a new round, same policy version).
    Held as "needs_routing" when nothing routes; never auto-approves.
    """
    k = get_kind(kind)
    now = timezone.now()
    with transaction.atomic():
        existing = (
            ApprovalRequest.objects.select_for_update()
            .for_subject(subject)
            .filter(status__in=[*OPEN_STATUSES, *RESUBMITTABLE])
            .first()
        )
        if existing is not None and existing.status in OPEN_STATUSES:
            raise Conflict("This subject already has an open approval request.")
        if existing is not None and existing.requester_id != requester.pk:
            raise NotAllowed("Only the person who raised the request can resubmit it.")

        if existing is None:
            request = ApprovalRequest(
                kind=kind,
                subject_type=subject._meta.label_lower,
                subject_id=str(subject.pk),
                requester=requester,
                requester_name=requester.display_name[:200],
                submitted_at=now,
            )
            facts = _snapshot(request, k, subject)
            request.policy_version = active_version(
                kind, request.business_unit, facts.get("contract_type")
            )
            request.facts = _jsonable(facts)
            request.status = Status.PENDING
            try:
                with transaction.atomic():
                    request.save()
            except IntegrityError:
                raise Conflict("This subject already has an open approval request.") from None
            action = "approvals.request.submitted"
        else:
            request = existing
            facts = _snapshot(request, k, subject)
            request.last_diff = diff_facts(k, request.facts, _jsonable(facts))
            request.facts = _jsonable(facts)
            request.round += 1
            request.version += 1
            request.status = Status.PENDING
            request.submitted_at = now
            request.decided_at = None
            request.save()
            Assignment.objects.filter(request=request).update(submitted_at=now)
            action = "approvals.request.resubmitted"

        audit.record(
            action,
            actor=requester,
            obj=request,
            data={
                "kind": kind,
                "subject": f"{request.subject_type}:{request.subject_id}",
                "policy_version": request.policy_version_id,
                "round": request.round,
                "facts": request.facts,
            },
        )
        _route(request, k, facts, now)
        _post_chatter(
            request,
            f"approvals.request:{request.pk}:submitted:{request.round}",
            f"Approval {request.reference} submitted by {requester.display_name}: "
            f"{request.title} ({request.get_status_display()}).",
        )
    logger.info("Approval request %s submitted (%s)", request.pk, request.status)
    return request


def _same(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))  # "10.00" and "10" are the same fact
    except ArithmeticError:
        return str(a) == str(b)


def diff_facts(kind: SubjectKind, before: dict[str, Any], after: dict[str, Any]) -> list[list[Any]]:
    return [
        [name, before.get(name), after.get(name)]
        for name in kind.material_facts
        if not _same(before.get(name), after.get(name))
    ]


def subject_changed(subject: Any, *, kind: str, actor: User) -> ApprovalRequest | None:
    """A material edit: compare facts with the snapshot, reset decisions, record the diff.

    Every approval given in the current round is reset — a material fact feeds every
    step's conditions, so which steps apply is decided again with the new facts.
    """
    k = get_kind(kind)
    now = timezone.now()
    with transaction.atomic():
        request = (
            ApprovalRequest.objects.select_for_update()
            .for_subject(subject)
            .filter(status__in=OPEN_STATUSES)
            .first()
        )
        if request is None:
            return None
        facts = _snapshot(request, k, subject)
        diff = diff_facts(k, request.facts, _jsonable(facts))
        if not diff:
            request.save()
            return None
        previous_deciders = set(
            Decision.objects.filter(request=request, round=request.round).values_list(
                "actor_id", flat=True
            )
        )
        Decision.objects.filter(request=request, round=request.round).update(superseded=True)
        request.steps.filter(round=request.round).exclude(status__in=[StepStatus.REJECTED]).update(
            status=StepStatus.CANCELLED
        )
        Assignment.objects.filter(request=request, active=True).update(active=False)
        request.last_diff = diff
        request.facts = _jsonable(facts)
        request.round += 1
        request.version += 1
        request.save()
        audit.record(
            "approvals.request.reset",
            actor=actor,
            obj=request,
            data={"diff": diff, "round": request.round},
        )
        _route(request, k, facts, now)
        from portal.approvals import notifications

        for uid in previous_deciders:
            notifications.notify(
                uid, "new_step", f"reset:{request.pk}:r{request.round}:u{uid}", request=request
            )
    return request


def _locked_open_request(request_id: int, expected_version: int | None) -> ApprovalRequest:
    try:
        request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    except ApprovalRequest.DoesNotExist:
        raise DomainError("This approval request does not exist.") from None
    if request.status not in OPEN_STATUSES:
        raise Conflict(
            f"This request is already {request.get_status_display().lower()}; nothing was recorded."
        )
    if expected_version is not None and request.version != expected_version:
        raise Conflict(
            "This request changed since the page was loaded; reload it and decide again."
        )
    return request


def _step_for(request: ApprovalRequest, actor: User, step_id: int | None) -> Assignment | None:
    rows = Assignment.objects.filter(
        request=request,
        user=actor,
        active=True,
        step__status=StepStatus.PENDING,
        step__round=request.round,
    ).select_related("step")
    if step_id is not None:
        rows = rows.filter(step_id=step_id)
    return rows.order_by("step__order", "step__position").first()


def decide(
    request_id: int,
    *,
    actor: User,
    decision: str,
    comment: str = "",
    expected_version: int | None = None,
    step_id: int | None = None,
) -> ApprovalRequest:
    """Approve / reject / request changes; raises Conflict, NotAllowed or DomainError."""
    if decision not in DECISIONS:
        raise DomainError(f"Unknown decision '{decision}'.", field="decision")
    comment = comment.strip()
    if decision in ("reject", "request_changes") and not comment:
        raise DomainError("Say why in a comment.", field="comment")
    now = timezone.now()
    refusal: DomainError | None = None

    with transaction.atomic():
        request = _locked_open_request(request_id, expected_version)
        if request.requester_id == actor.pk:
            raise NotAllowed("You raised this request; someone else must decide it.")

        # Roles are re-read at every decision: re-plan the steps this person may act on,
        # so someone who lost the role (or left the unit) is refused and re-routed.
        candidate_steps = ApprovalStep.objects.filter(
            request=request,
            round=request.round,
            status=StepStatus.PENDING,
            assignments__user=actor,
            assignments__active=True,
        ).distinct()
        for step in candidate_steps:
            step.request = request
            routing.sync_assignments(step, now)
        assignment = _step_for(request, actor, step_id)
        if assignment is None:
            if Decision.objects.filter(
                request=request, round=request.round, actor=actor, superseded=False
            ).exists():
                refusal = Conflict(
                    "You already decided on this request (one person cannot clear two of "
                    "its steps); nothing was recorded."
                )
            else:
                refusal = NotAllowed("You are not (or no longer) an approver of this request.")
        else:
            _apply(request, assignment, actor, decision, comment, now)
    if refusal is not None:
        raise refusal  # raised after commit so the re-routing above is kept
    return request


def _apply(
    request: ApprovalRequest,
    assignment: Assignment,
    actor: User,
    decision: str,
    comment: str,
    now: dt.datetime,
) -> None:
    step = assignment.step
    step.request = request
    kind = get_kind(request.kind)
    behalf = assignment.on_behalf_of_id
    try:
        with transaction.atomic():
            record = Decision.objects.create(
                request=request,
                step=step,
                actor=actor,
                on_behalf_of_id=behalf,
                outcome=decision,
                comment=comment,
                round=request.round,
            )
    except IntegrityError:
        raise Conflict("You already decided on this step; nothing was recorded.") from None
    Assignment.objects.filter(pk=assignment.pk).update(active=False)
    data = {"step": step.pk, "step_name": step.name, "comment": comment, "round": request.round}
    if behalf:
        data["raised_against"] = behalf
    outcome_text = ""

    if decision == "approve":
        audit.record(
            "approvals.step.approved", actor=actor, obj=request, on_behalf_of=behalf, data=data
        )
        approvals = Decision.objects.filter(
            step=step, round=step.round, superseded=False, outcome=Decision.Outcome.APPROVE
        ).count()
        if approvals >= step.required:
            step.status = StepStatus.APPROVED
            step.decided_at = now
            step.save(update_fields=["status", "decided_at"])
            Assignment.objects.filter(step=step, active=True).update(active=False)
        # One person never clears two steps: whoever approved here (and the person they
        # stand in for) leaves every other open step of this request.
        for other in request.steps.filter(
            round=request.round, status__in=[StepStatus.PENDING, StepStatus.NEEDS_ROUTING]
        ).exclude(pk=step.pk):
            other.request = request
            routing.sync_assignments(other, now)
        if routing.advance(request, now):
            request.status = Status.APPROVED
            request.decided_at = now
            audit.record(
                "approvals.request.approved",
                actor=actor,
                obj=request,
                data={"round": request.round},
            )
            subject = load_subject(request)
            kind.on_approved(subject, request, actor)
            outcome_text = "The request is approved."
    elif decision == "reject":
        audit.record(
            "approvals.step.rejected", actor=actor, obj=request, on_behalf_of=behalf, data=data
        )
        _close(request, step, StepStatus.REJECTED, Status.REJECTED, now)
        audit.record(
            "approvals.request.rejected", actor=actor, obj=request, data={"round": request.round}
        )
        kind.on_rejected(load_subject(request), request, actor)
        outcome_text = "The request is rejected."
    else:
        audit.record(
            "approvals.step.changes_requested",
            actor=actor,
            obj=request,
            on_behalf_of=behalf,
            data=data,
        )
        _close(request, step, StepStatus.REJECTED, Status.CHANGES_REQUESTED, now)
        audit.record(
            "approvals.request.changes_requested",
            actor=actor,
            obj=request,
            data={"round": request.round},
        )
        if kind.on_changes_requested is not None:
            kind.on_changes_requested(load_subject(request), request, actor)
        from portal.approvals import notifications

        notifications.notify(
            request.requester_id,
            "outcome",
            f"changes:{request.pk}:r{request.round}",
            request=request,
        )
        outcome_text = "Changes were requested from the requester."

    request.version += 1
    request.save()
    who = actor.display_name
    if behalf:
        principal = User.objects.filter(pk=behalf).first()
        who += f" on behalf of {principal.display_name if principal else behalf}"
    _post_chatter(
        request,
        f"approvals.decision:{record.pk}",
        [
            f"Approval {request.reference} — {step.name}: "
            f"{record.get_outcome_display().lower()} by {who}.",
            *([f"Comment: “{comment.strip()}”"] if comment.strip() else []),
            *([outcome_text] if outcome_text else []),
        ],
    )


def _close(
    request: ApprovalRequest,
    step: ApprovalStep,
    step_status: str,
    status: str,
    now: dt.datetime,
) -> None:
    step.status = step_status
    step.decided_at = now
    step.save(update_fields=["status", "decided_at"])
    request.steps.filter(
        round=request.round,
        status__in=[StepStatus.PENDING, StepStatus.WAITING, StepStatus.NEEDS_ROUTING],
    ).update(status=StepStatus.CANCELLED)
    Assignment.objects.filter(request=request, active=True).update(active=False)
    request.status = status
    request.decided_at = now


def withdraw(request_id: int, *, actor: User) -> ApprovalRequest:
    """The requester withdraws a request that is not decided yet."""
    now = timezone.now()
    with transaction.atomic():
        try:
            request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
        except ApprovalRequest.DoesNotExist:
            raise DomainError("This approval request does not exist.") from None
        if request.requester_id != actor.pk:
            raise NotAllowed("Only the person who raised the request can withdraw it.")
        if request.status not in (*OPEN_STATUSES, Status.CHANGES_REQUESTED):
            raise Conflict(f"This request is already {request.get_status_display().lower()}.")
        request.steps.filter(
            status__in=[StepStatus.PENDING, StepStatus.WAITING, StepStatus.NEEDS_ROUTING]
        ).update(status=StepStatus.CANCELLED)
        Assignment.objects.filter(request=request, active=True).update(active=False)
        request.status = Status.WITHDRAWN
        request.decided_at = now
        request.version += 1
        request.save()
        audit.record("approvals.request.withdrawn", actor=actor, obj=request)
        kind = get_kind(request.kind)
        if kind.on_cancelled is not None:
            kind.on_cancelled(load_subject(request), request, actor)
        _post_chatter(
            request,
            f"approvals.request:{request.pk}:withdrawn",
            f"Approval {request.reference} withdrawn by {actor.display_name}.",
        )
    return request


def reroute(request_id: int, *, actor: User, assign_user: User | None = None) -> ApprovalRequest:
    """An operator retries routing (after fixing roles or policies) or names an approver."""
    from portal.core.access import has_role

    if not has_role(actor, "operator"):
        raise NotAllowed("Only operators can route requests.")
    now = timezone.now()
    with transaction.atomic():
        request = _locked_open_request(request_id, None)
        kind = get_kind(request.kind)
        steps = list(request.steps.filter(round=request.round, status=StepStatus.NEEDS_ROUTING))
        if assign_user is not None:
            if assign_user.pk == request.requester_id:
                raise NotAllowed("The requester cannot approve their own request.")
            if not steps:
                raise DomainError("No step of this request is waiting for routing.")
            for step in steps:
                Assignment.objects.get_or_create(
                    step=step,
                    user=assign_user,
                    active=True,
                    defaults={
                        "request": request,
                        "source": Assignment.Source.OPERATOR,
                        "submitted_at": request.submitted_at,
                    },
                )
        if not request.steps.filter(round=request.round).exists():
            # Nothing was materialised: route afresh with today's active policy.
            request.policy_version = active_version(
                request.kind, request.business_unit, request.facts.get("contract_type")
            )
            request.save(update_fields=["policy_version"])
            subject = load_subject(request)
            _route(request, kind, kind.facts(subject) if subject is not None else {}, now)
        else:
            for step in steps:
                step.request = request
                routing.sync_assignments(step, now)
        request.version += 1
        request.save(update_fields=["version"])
        audit.record(
            "approvals.request.rerouted",
            actor=actor,
            obj=request,
            data={"assigned": assign_user.pk if assign_user else None, "status": request.status},
        )
    return request


def policy_version_for(request: ApprovalRequest) -> PolicyVersion | None:
    return request.policy_version
