"""The escalation job: reminders before and at the due time, then escalation.

Run by Celery beat every five minutes and by `manage.py approvals_escalate --at …`.
Every notification is a row with a unique key, so running the job twice (or two beats
at once) sends nothing twice. The step keeps its original due time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from portal.approvals import delegation, notifications, routing
from portal.approvals.businesstime import due_at as business_due_at
from portal.approvals.models import ApprovalRequest, ApprovalStep, Assignment, StepStatus
from portal.approvals.policies import max_escalation_levels
from portal.core import audit

logger = logging.getLogger(__name__)


def reminder_lead_hours() -> float:
    return float(getattr(settings, "APPROVALS_REMINDER_LEAD_HOURS", 4))


def escalation_interval_hours() -> float:
    return float(getattr(settings, "APPROVALS_ESCALATION_INTERVAL_HOURS", 8))


@dataclass
class EscalationRun:
    reminders: int = 0
    due: int = 0
    escalations: int = 0
    rerouted: int = 0


def _assignees(step: ApprovalStep) -> list[int]:
    return list(Assignment.objects.filter(step=step, active=True).values_list("user_id", flat=True))


def run(now: dt.datetime) -> EscalationRun:
    result = EscalationRun()
    result.rerouted = delegation.apply_started_and_ended(now.date())
    steps = ApprovalStep.objects.filter(
        status=StepStatus.PENDING, due_at__isnull=False, activated_at__isnull=False
    ).select_related("request")
    for step in steps.iterator():
        calendar_user = _assignees(step)[:1]
        uid = calendar_user[0] if calendar_user else None
        assert step.due_at is not None and step.activated_at is not None
        sla = float(step.sla_hours)
        lead = min(reminder_lead_hours(), sla / 2)
        remind_at = business_due_at(step.activated_at, sla - lead, uid)
        if now >= remind_at and now < step.due_at:
            for user_id in _assignees(step):
                with transaction.atomic():
                    if notifications.notify(
                        user_id,
                        "reminder",
                        f"remind:{step.pk}:r{step.round}:u{user_id}",
                        request=step.request,
                        step=step,
                        now=now,
                    ):
                        result.reminders += 1
        if now >= step.due_at:
            for user_id in _assignees(step):
                with transaction.atomic():
                    if notifications.notify(
                        user_id,
                        "due",
                        f"due:{step.pk}:r{step.round}:u{user_id}",
                        request=step.request,
                        step=step,
                        now=now,
                    ):
                        result.due += 1
            result.escalations += _maybe_escalate(step.pk, now, uid)
    return result


def _maybe_escalate(step_id: int, now: dt.datetime, calendar_user: int | None) -> int:
    """Climb one level when its time has come; bounded by the step's escalation roles."""
    with transaction.atomic():
        request_id = ApprovalStep.objects.values_list("request_id", flat=True).get(pk=step_id)
        request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
        step = ApprovalStep.objects.get(pk=step_id)
        step.request = request
        if step.status != StepStatus.PENDING or step.due_at is None:
            return 0
        levels = min(len(step.escalation_roles), max_escalation_levels())
        if step.escalation_level >= levels:
            return 0
        # Level k is due k intervals of business hours after the original due time.
        next_level = step.escalation_level + 1
        at = business_due_at(step.due_at, escalation_interval_hours() * next_level, calendar_user)
        if now < at:
            return 0
        step.escalation_level = next_level
        step.save(update_fields=["escalation_level"])
        new = routing.sync_assignments(step, now)
        audit.record(
            "approvals.step.escalated",
            obj=request,
            data={
                "step": step.pk,
                "level": next_level,
                "role": step.escalation_roles[next_level - 1],
                "to": new,
                "due_at": step.due_at,
            },
        )
        request.version += 1
        request.save(update_fields=["version"])
        logger.info("Escalated step %s to level %s (%s people)", step.pk, next_level, len(new))
        return 1
