"""Out-of-office delegation: dated, no overlaps, no delegation to oneself, no chains."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.approvals import routing
from portal.approvals.models import Delegation
from portal.core import audit
from portal.core.errors import DomainError, NotAllowed
from portal.core.models import User


def delegate(
    delegator: User,
    to: User,
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    actor: User,
    reason: str = "",
) -> Delegation:
    """Let `to` act for `delegator` from `starts_on` to `ends_on` (inclusive).

    Pending items move at once when the period has started; the escalation job moves
    them when a future period starts and back when it ends.
    """
    if actor.pk != delegator.pk:
        from portal.core.access import has_role

        if not has_role(actor, "operator"):
            raise NotAllowed("You can only delegate your own approvals.")
    if to.pk == delegator.pk:
        raise DomainError("You cannot delegate to yourself.", field="delegate")
    if not to.is_active or to.is_client_contact:
        raise DomainError("Delegate to an active member of staff.", field="delegate")
    if ends_on < starts_on:
        raise DomainError("The period ends before it starts.", field="ends_on")
    with transaction.atomic():
        # Lock the delegator's row so two overlapping delegations cannot both pass.
        User.objects.select_for_update().get(pk=delegator.pk)
        overlap = Delegation.objects.filter(
            delegator=delegator, cancelled=False, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if overlap is not None:
            raise DomainError(
                f"You already delegate to {overlap.delegate} from {overlap.starts_on} to "
                f"{overlap.ends_on}; periods cannot overlap.",
                field="starts_on",
            )
        row = Delegation.objects.create(
            delegator=delegator, delegate=to, starts_on=starts_on, ends_on=ends_on, reason=reason
        )
        audit.record(
            "approvals.delegation.created",
            actor=actor,
            obj=row,
            on_behalf_of=delegator if actor.pk != delegator.pk else None,
            data={"delegate": to.pk, "from": starts_on, "to": ends_on},
        )
        if starts_on <= timezone.localdate() <= ends_on:
            routing.reroute_user(delegator.pk)
    return row


def cancel(delegation_id: int, *, actor: User) -> Delegation:
    with transaction.atomic():
        row = Delegation.objects.select_for_update().get(pk=delegation_id)
        if row.delegator_id != actor.pk:
            raise NotAllowed("Only the person who delegated can cancel it.")
        row.cancelled = True
        row.save(update_fields=["cancelled"])
        audit.record("approvals.delegation.cancelled", actor=actor, obj=row)
        routing.reroute_user(row.delegator_id)
    return row


def apply_started_and_ended(today: dt.date) -> int:
    """Move pending items for delegations that start or ended around `today`."""
    users = set(
        Delegation.objects.filter(starts_on=today, cancelled=False).values_list(
            "delegator_id", flat=True
        )
    ) | set(
        Delegation.objects.filter(ends_on=today - dt.timedelta(days=1)).values_list(
            "delegator_id", flat=True
        )
    )
    moved = 0
    for uid in users:
        moved += routing.reroute_user(uid)
    return moved
