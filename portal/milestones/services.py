"""Milestone services: evidence, readiness, client sign-off, and what waits for a client.

Each service takes the acting user, runs in one transaction, locks the milestone's
record before deciding, writes an audit entry and returns the changed object. The
finance step and what reaches Odoo live in `portal.milestones.billing_flow`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from portal.core import audit
from portal.core.errors import Conflict, DomainError, NotAllowed
from portal.core.models import User
from portal.milestones import facts, uploads
from portal.milestones.models import (
    BILLED_STATES,
    BillingState,
    Decision,
    Evidence,
    EvidenceRequirement,
    EvidenceSlot,
    MilestoneRecord,
    SignOff,
    TimelineEntry,
)
from portal.odoo.models import Milestone

logger = logging.getLogger(__name__)

KIND = "milestone_acceptance"


def ensure_record(milestone: Milestone) -> MilestoneRecord:
    """The portal record of a mirror milestone, created on first sight."""
    record, created = MilestoneRecord.objects.get_or_create(
        milestone=milestone, defaults={"due_date": milestone.deadline}
    )
    if created:
        record.milestone = milestone
    return record


def _locked(record_pk: int) -> MilestoneRecord:
    """Lock the record and load what decisions read (the lock is the C16 guard)."""
    return (
        MilestoneRecord.objects.select_for_update(of=("self",))
        .select_related(
            "milestone__project__business_unit",
            "milestone__project__partner",
            "milestone__sale_line__order",
        )
        .get(pk=record_pk)
    )


def add_step(
    record: MilestoneRecord, step: str, actor: User | None = None, note: str = "", at: Any = None
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        record=record, step=step, actor=actor, note=note, at=at or timezone.now()
    )


def _set_state(record: MilestoneRecord, state: str) -> None:
    record.state = state
    record.state_changed_at = timezone.now()


def requirements() -> list[EvidenceRequirement]:
    return list(EvidenceRequirement.objects.select_related("slot"))


def missing_evidence(record: MilestoneRecord) -> list[str]:
    evidence = list(record.evidence.all())
    return facts.missing_items(record, requirements(), facts.current_evidence(evidence))


# -- evidence -----------------------------------------------------------------------------


def add_evidence(
    record_pk: int,
    *,
    actor: User,
    slot_key: str,
    files: Sequence[UploadedFile],
    note: str = "",
    by_client: bool = False,
) -> list[Evidence]:
    """Store a new version of a slot's evidence: every file or none.

    Files are validated and staged before the transaction; they move into place inside
    it and are removed again if it rolls back, so no file is left without its row.
    Replacing evidence the client already accepted undoes that acceptance.
    """
    slot = EvidenceSlot.objects.filter(pk=slot_key).first()
    if slot is None:
        raise DomainError("Choose what kind of document this is.", field="slot")
    staged = uploads.stage_all(files)

    try:
        with transaction.atomic():
            record = _locked(record_pk)
            if record.state in BILLED_STATES:
                raise Conflict(
                    "Finance has validated this milestone; its evidence can no longer change."
                )
            latest = record.evidence.filter(slot=slot).aggregate(v=Max("version"))["v"] or 0
            uploads.move_into_place(staged)
            created = Evidence.objects.bulk_create(
                [
                    Evidence(
                        record=record,
                        slot=slot,
                        version=latest + 1,
                        original_name=item.original_name,
                        stored_path=item.relative_path,
                        content_type=item.content_type,
                        size=item.size,
                        sha256=item.sha256,
                        note=note,
                        uploaded_by=actor,
                        uploaded_by_client=by_client,
                    )
                    for item in staged
                ]
            )
            names = ", ".join(e.original_name for e in created)
            add_step(record, "evidence_uploaded", actor, f"{slot.label} v{latest + 1}: {names}")
            audit.record(
                "milestones.evidence.uploaded",
                actor=actor,
                obj=record,
                data={"slot": slot.pk, "version": latest + 1, "files": [e.pk for e in created]},
            )
            if record.state == BillingState.CLIENT_ACCEPTED:
                from portal.milestones.billing_flow import invalidate_signoff

                what = "replaced by" if latest else "added as"
                invalidate_signoff(
                    record, actor=actor, changes=[f"{slot.label} {what} version {latest + 1}"]
                )
            ids = [e.pk for e in created]
            transaction.on_commit(lambda: _notify_evidence(ids))
    except BaseException:
        uploads.discard(staged)
        raise
    return created


def _notify_evidence(evidence_ids: list[int]) -> None:
    from portal.milestones.tasks import notify_evidence_added

    notify_evidence_added.delay(evidence_ids)


# -- readiness ----------------------------------------------------------------------------


def mark_ready(record_pk: int, *, actor: User) -> MilestoneRecord:
    """The PM says the milestone is ready for the client: the checklist must be complete."""
    with transaction.atomic():
        record = _locked(record_pk)
        if record.state == BillingState.READY:
            return record  # a double click: already ready
        if record.state not in (BillingState.NOT_READY, BillingState.CLIENT_REJECTED):
            raise Conflict(f"This milestone is {record.get_state_display().lower()} already.")
        missing = missing_evidence(record)
        if missing:
            raise DomainError(
                "Evidence is missing for a "
                f"{facts.contract_type(record).replace('_', ' ')} milestone: {', '.join(missing)}."
            )

        now = timezone.now()
        _set_state(record, BillingState.READY)
        record.ready_at = now
        record.ready_by = actor
        record.due_date = record.milestone.deadline
        record.save()
        add_step(record, "ready", actor, at=now)
        audit.record("milestones.milestone.ready", actor=actor, obj=record)
    return record


def update_billing(
    record_pk: int,
    *,
    actor: User,
    contract_type_override: str,
    manual_amount: Any,
    manual_currency: str,
) -> MilestoneRecord:
    """Set the contract type override and, without a sale-order line, the amount to bill."""
    with transaction.atomic():
        record = _locked(record_pk)
        if record.state in BILLED_STATES:
            raise Conflict("Finance has validated this milestone; its billing is fixed.")
        before = (record.contract_type_override, record.manual_amount, record.manual_currency)
        record.contract_type_override = contract_type_override
        record.manual_amount = manual_amount
        record.manual_currency = manual_currency.upper()
        record.save()
        audit.record(
            "milestones.billing.updated",
            actor=actor,
            obj=record,
            data={
                "before": [str(v) for v in before],
                "after": [contract_type_override, str(manual_amount), manual_currency],
            },
        )
        if record.state == BillingState.CLIENT_ACCEPTED and before != (
            record.contract_type_override,
            record.manual_amount,
            record.manual_currency,
        ):
            from portal.milestones.billing_flow import invalidate_signoff

            invalidate_signoff(record, actor=actor, changes=["billing terms changed"])
    return record


# -- client sign-off ----------------------------------------------------------------------


def sign_off(
    record_pk: int,
    *,
    actor: User,
    decision: str,
    typed_name: str,
    reason: str = "",
    ip_address: str | None = None,
) -> SignOff:
    """A client contact accepts or rejects the milestone's current evidence.

    The record is locked and its state re-read under the lock, so a double click makes
    one sign-off and the second click a clear "already decided" (case C16).
    """
    if decision not in Decision.values:
        raise DomainError("Choose accept or reject.", field="decision")
    typed_name = " ".join(typed_name.split())
    if len(typed_name) < 2:
        raise DomainError("Type your full name to sign.", field="typed_name")
    reason = reason.strip()
    if decision == Decision.REJECTED and not reason:
        raise DomainError("Say why you reject the milestone.", field="reason")
    if not actor.is_client_contact:
        raise NotAllowed("Only the client's contacts sign off milestones.")

    with transaction.atomic():
        record = _locked(record_pk)
        if record.state != BillingState.READY:
            raise Conflict(
                f"This milestone is {record.get_state_display().lower()}; "
                "there is nothing to sign off now."
            )
        evidence = facts.current_evidence(list(record.evidence.all()))
        now = timezone.now()
        signoff = SignOff.objects.create(
            record=record,
            decision=decision,
            reason=reason,
            typed_name=typed_name,
            user=actor,
            ip_address=ip_address,
            signed_at=now,
            evidence_ids=[e.pk for e in evidence],
        )
        if decision == Decision.ACCEPTED:
            _set_state(record, BillingState.CLIENT_ACCEPTED)
            record.client_accepted_at = now
            record.signed_snapshot = facts.mirror_snapshot(record.milestone)
        else:
            _set_state(record, BillingState.CLIENT_REJECTED)
            record.last_note = reason
        record.save()
        add_step(
            record, f"client_{decision}", actor, f"signed “{typed_name}” {reason}".strip(), now
        )
        audit.record(
            f"milestones.signoff.{decision}",
            actor=actor,
            obj=record,
            data={"signoff": signoff.pk, "ip": ip_address, "evidence": signoff.evidence_ids},
        )
        if decision == Decision.ACCEPTED:
            from portal.milestones.billing_flow import submit_for_validation

            submit_for_validation(record, actor=actor)
        transaction.on_commit(lambda: _notify_decision(signoff.pk))
    return signoff


def _notify_decision(signoff_id: int) -> None:
    from portal.milestones.tasks import notify_client_decision

    notify_client_decision.delay(signoff_id)


def current_signoff(record: MilestoneRecord) -> SignOff | None:
    return record.signoffs.filter(invalidated_at__isnull=True).order_by("-signed_at").first()


# -- what waits for a client --------------------------------------------------------------


def waiting_for_client(user: User) -> list[dict[str, Any]]:
    """Milestones a client contact should review, for the client home page."""
    from portal.milestones.access import client_records

    records = (
        client_records(user)
        .waiting_for_client()
        .select_related("milestone__project")
        .order_by("due_date", "pk")
    )
    return [
        {
            "title": f"Review milestone “{r.milestone.name}” ({r.milestone.project})",
            "url": reverse("milestones:client_review", args=[r.pk]),
            "due": r.due_date,
            "kind": "milestone_acceptance",
        }
        for r in records
    ]
