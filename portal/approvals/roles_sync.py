"""Keep assignments current when roles change."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.approvals import routing
from portal.approvals.models import ApprovalStep, StepStatus


def resync_after_role_change(user_id: int, role: str, unit_id: int | None) -> int:
    now = timezone.now()
    count = 0
    with transaction.atomic():
        count += routing.reroute_user(user_id, now)
        steps = ApprovalStep.objects.filter(
            status__in=[StepStatus.PENDING, StepStatus.NEEDS_ROUTING]
        ).filter(role=role)
        if unit_id is not None:
            steps = steps.filter(request__business_unit_id=unit_id)
        for step in steps.select_related("request"):
            routing.sync_assignments(step, now)
            count += 1
    return count
