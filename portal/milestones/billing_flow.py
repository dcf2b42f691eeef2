"""From client acceptance to a posted invoice: finance validation and what reaches Odoo.

Finance validates through the approval engine (subject kind `milestone_acceptance`).
On approval, inside the decision's transaction, outbox rows ask Odoo to mark the
milestone reached, attach the accepted evidence, draft the customer invoice and post
chatter notes. Their outcomes come back through `on_delivered` callbacks (or, as a
fallback, by reading the outbox rows) and the posting from the invoice mirror.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from portal.core import audit
from portal.core.errors import Conflict, DomainError
from portal.core.models import User
from portal.milestones import facts
from portal.milestones.models import (
    BILLED_STATES,
    BillingState,
    Evidence,
    MilestoneRecord,
)
from portal.milestones.services import KIND, _locked, _set_state, add_step, current_signoff
from portal.odoo import outbox
from portal.odoo.models import Invoice, OutboxMessage, OutboxStatus

if TYPE_CHECKING:
    from portal.approvals.models import ApprovalRequest

logger = logging.getLogger(__name__)

REACHED_KEY = "milestones.reached:{pk}"
INVOICE_KEY = "milestones.invoice:{pk}"
INVOICE_KINDS = ("invoice.draft_from_sale_order", "invoice.draft_move")


def invoice_ref(record: MilestoneRecord) -> str:
    return f"portal-milestone-{record.pk}"


def ordering_key(record: MilestoneRecord) -> str:
    """One queue per sale order, so "reached" lands before the invoice wizard reads it."""
    milestone = record.milestone
    if milestone.sale_line is not None and milestone.sale_line.order_id:
        return f"sale.order:{milestone.sale_line.order_id}"
    return f"project.project:{milestone.project_id}"


# -- submission and invalidation ----------------------------------------------------------


def submit_for_validation(record: MilestoneRecord, *, actor: User) -> None:
    """Ask finance to validate; the PM who marked the milestone ready is the requester."""
    from portal.approvals import services as approvals

    requester = record.ready_by or actor
    request = approvals.submit(record, kind=KIND, requester=requester)
    record.approval_request_id = request.pk
    record.save(update_fields=["approval_request_id"])
    add_step(record, "submitted_to_finance", requester, f"approval request {request.pk}")


def invalidate_signoff(record: MilestoneRecord, *, actor: User, changes: list[str]) -> None:
    """Undo the client's acceptance and the pending finance step; tell everyone why.

    Precondition: inside a transaction holding the record's lock.
    """
    from portal.approvals import services as approvals
    from portal.approvals.models import ApprovalRequest

    now = timezone.now()
    text = "; ".join(changes)
    signoff = current_signoff(record)
    if signoff is not None:
        signoff.invalidated_at = now
        signoff.invalidated_reason = text
        signoff.save(update_fields=["invalidated_at", "invalidated_reason"])
    _set_state(record, BillingState.READY)
    record.client_accepted_at = None
    record.signed_snapshot = {}
    record.last_note = text
    record.save()

    # The engine records the diff and resets decisions; the open request is then
    # withdrawn because no finance decision may stand without the client's acceptance.
    approvals.subject_changed(record, kind=KIND, actor=actor)
    request = ApprovalRequest.objects.for_subject(record).open().first()
    if request is None:
        request = (
            ApprovalRequest.objects.for_subject(record).filter(status="changes_requested").first()
        )
    if request is not None:
        try:
            approvals.withdraw(request.pk, actor=request.requester)
        except DomainError as exc:
            logger.warning("Could not withdraw approval request %s: %s", request.pk, exc)
    record.approval_request_id = None
    record.save(update_fields=["approval_request_id"])

    add_step(record, "signoff_invalidated", actor, text, now)
    audit.record(
        "milestones.signoff.invalidated", actor=actor, obj=record, data={"changes": changes}
    )
    record_id = record.pk
    transaction.on_commit(lambda: _notify_invalidated(record_id, changes))


def _notify_invalidated(record_id: int, changes: list[str]) -> None:
    from portal.milestones.tasks import notify_signoff_invalidated

    notify_signoff_invalidated.delay(record_id, changes)


# -- approval callbacks (run inside the engine's decision transaction) -----------------


def on_approved(record: MilestoneRecord, request: ApprovalRequest, actor: User) -> None:
    """Finance validated: record it and tell Odoo through the outbox, in this transaction."""
    record = _locked(record.pk)
    if record.state != BillingState.CLIENT_ACCEPTED:
        raise Conflict(
            f"The milestone is {record.get_state_display().lower()}; "
            "it needs the client's acceptance before finance can validate it."
        )
    now = timezone.now()
    _set_state(record, BillingState.VALIDATED)
    record.validated_at = now
    record.save()
    add_step(record, "validated", actor, f"approval request {request.pk}", now)
    audit.record("milestones.milestone.validated", actor=actor, obj=record)
    enqueue_billing(record)


def on_rejected(record: MilestoneRecord, request: ApprovalRequest, actor: User) -> None:
    """Finance refused: back to the PM, who fixes the evidence and marks it ready again."""
    record = _locked(record.pk)
    if record.state in BILLED_STATES:
        return
    signoff = current_signoff(record)
    if signoff is not None:
        signoff.invalidated_at = timezone.now()
        signoff.invalidated_reason = "finance did not validate"
        signoff.save(update_fields=["invalidated_at", "invalidated_reason"])
    _set_state(record, BillingState.NOT_READY)
    record.approval_request_id = None
    record.client_accepted_at = None
    record.last_note = "Finance did not validate this milestone."
    record.save()
    add_step(record, "finance_rejected", actor, f"approval request {request.pk}")
    audit.record("milestones.milestone.finance_rejected", actor=actor, obj=record)


def on_cancelled(record: MilestoneRecord, request: ApprovalRequest, actor: User) -> None:
    if record.approval_request_id == request.pk:
        MilestoneRecord.objects.filter(pk=record.pk).update(approval_request_id=None)


def enqueue_billing(record: MilestoneRecord) -> None:
    """The outbox rows of a validated milestone, in the order Odoo must apply them."""
    milestone = record.milestone
    project = milestone.project
    line = milestone.sale_line
    order_id = line.order_id if line is not None else None
    key = ordering_key(record)

    outbox.enqueue(
        "method.call",
        REACHED_KEY.format(pk=record.pk),
        {
            "model": "project.milestone",
            "ids": [milestone.pk],
            "method": "toggle_is_reached",
            "args": [True],
            "kwargs": {},
        },
        ordering_key=key,
    )

    # Odoo milestones have no chatter or attachments of their own: the accepted evidence
    # goes to the project and to the sale order, where people look for it.
    targets: list[tuple[str, int]] = []
    if project is not None:
        targets.append(("project.project", project.pk))
    if order_id:
        targets.append(("sale.order", order_id))
    signoff = current_signoff(record)
    accepted = Evidence.objects.filter(pk__in=signoff.evidence_ids if signoff else [])
    for evidence in accepted.order_by("pk"):
        for res_model, res_id in targets:
            outbox.enqueue(
                "attachment.create",
                f"milestones.attachment:{evidence.pk}:{res_model}:{res_id}",
                {
                    "res_model": res_model,
                    "res_id": res_id,
                    "name": evidence.original_name,
                    "file_path": evidence.stored_path,
                    "mimetype": evidence.content_type,
                },
                ordering_key=key,
            )

    if line is not None and order_id:
        outbox.enqueue(
            "invoice.draft_from_sale_order",
            INVOICE_KEY.format(pk=record.pk),
            {"sale_order_id": order_id, "ref": invoice_ref(record)},
            ordering_key=key,
        )
    elif project is not None and project.partner_id:
        outbox.enqueue(
            "invoice.draft_move",
            INVOICE_KEY.format(pk=record.pk),
            {
                "partner_id": project.partner_id,
                "lines": [
                    {
                        "name": milestone.name,
                        "quantity": "1",
                        "price_unit": str(facts.amount(record)),
                    }
                ],
                "ref": invoice_ref(record),
            },
            ordering_key=key,
        )
    else:
        raise DomainError("The project has no client in Odoo; no invoice can be drafted.")

    body = _chatter_body(record, signoff.typed_name if signoff else "")
    for res_model, res_id in targets:
        outbox.enqueue(
            "chatter.post",
            f"milestones.chatter:{record.pk}:{res_model}:{res_id}",
            {"model": res_model, "res_id": res_id, "body": body, "subtype_xmlid": "mail.mt_note"},
            ordering_key=key,
        )


def _chatter_body(record: MilestoneRecord, signed_by: str) -> str:
    amount = facts.amount(record)
    return (
        f"<p>Milestone <b>{escape(record.milestone.name)}</b> accepted by the client"
        f" ({escape(signed_by)}) and validated by finance in the delivery portal.</p>"
        f"<p>Amount to invoice: {amount:,.2f} {escape(facts.currency(record))}; "
        f"a draft invoice with reference {escape(invoice_ref(record))} is being prepared.</p>"
    )


# -- outcomes from the outbox and the mirror ----------------------------------------------


def _record_pk_from_key(key: str, prefix: str) -> int | None:
    head = prefix.split("{", 1)[0]
    if not key.startswith(head):
        return None
    try:
        return int(key[len(head) :])
    except ValueError:
        return None


def _invoice_id(result: Any) -> int | None:
    if isinstance(result, dict):
        value = result.get("invoice_id") or result.get("id")
        return int(value) if isinstance(value, int) else None
    return result if isinstance(result, int) else None


def apply_outbox_outcome(message: OutboxMessage) -> MilestoneRecord | None:
    """Move a record forward after Odoo applied one of its outbox rows (idempotent)."""
    reached_pk = _record_pk_from_key(message.key, REACHED_KEY)
    invoice_pk = _record_pk_from_key(message.key, INVOICE_KEY)
    pk = reached_pk or invoice_pk
    if pk is None or message.status != OutboxStatus.DONE:
        return None
    at = message.delivered_at or timezone.now()
    with transaction.atomic():
        record = MilestoneRecord.objects.select_for_update().filter(pk=pk).first()
        if record is None:
            return None
        if reached_pk and record.reached_at is None:
            record.reached_at = at
            if record.state == BillingState.VALIDATED:
                _set_state(record, BillingState.REACHED_IN_ODOO)
            record.save()
            add_step(record, "reached_in_odoo", note="milestone marked reached in Odoo", at=at)
        if invoice_pk and record.invoice_drafted_at is None:
            record.invoice_id = _invoice_id(message.result)
            record.invoice_drafted_at = at
            if record.reached_at is None:
                # Ordered delivery means "reached" went first; its callback may still come.
                record.reached_at = at
                add_step(record, "reached_in_odoo", note="milestone marked reached in Odoo", at=at)
            if record.state in (BillingState.VALIDATED, BillingState.REACHED_IN_ODOO):
                _set_state(record, BillingState.INVOICE_DRAFTED)
            record.save()
            add_step(record, "invoice_drafted", note=f"draft invoice {record.invoice_id}", at=at)
        return record


def sync_outcomes(records: list[MilestoneRecord] | None = None) -> int:
    """Fallback for a missed callback: read the outbox rows of records waiting on Odoo."""
    waiting = records
    if waiting is None:
        waiting = list(
            MilestoneRecord.objects.filter(
                state__in=[BillingState.VALIDATED, BillingState.REACHED_IN_ODOO]
            )
        )
    keys = [REACHED_KEY.format(pk=r.pk) for r in waiting]
    keys += [INVOICE_KEY.format(pk=r.pk) for r in waiting]
    changed = 0
    done = OutboxMessage.objects.filter(key__in=keys, status=OutboxStatus.DONE).order_by("pk")
    for message in done:
        if apply_outbox_outcome(message) is not None:
            changed += 1
    return changed


def refresh_posting(records: list[MilestoneRecord] | None = None) -> int:
    """Read the posting of drafted invoices back from the mirror (sync or webhook)."""
    drafted = records
    if drafted is None:
        drafted = list(
            MilestoneRecord.objects.filter(
                state=BillingState.INVOICE_DRAFTED, invoice_id__isnull=False
            )
        )
    ids = [r.invoice_id for r in drafted if r.invoice_id]
    posted = {
        inv.pk: inv
        for inv in Invoice.objects.filter(pk__in=ids, state="posted", deleted_in_odoo=False)
    }
    changed = 0
    for record in drafted:
        invoice = posted.get(record.invoice_id or 0)
        if invoice is None:
            continue
        with transaction.atomic():
            locked = MilestoneRecord.objects.select_for_update().get(pk=record.pk)
            if locked.state != BillingState.INVOICE_DRAFTED:
                continue
            at = invoice.write_date or timezone.now()
            _set_state(locked, BillingState.INVOICE_POSTED)
            locked.invoice_posted_at = at
            locked.save()
            add_step(locked, "invoice_posted", note=f"invoice {invoice.name} posted", at=at)
            changed += 1
    return changed


# -- milestone changes in Odoo ------------------------------------------------------------


def check_mirror(record: MilestoneRecord) -> list[str]:
    """Compare what the client accepted with the mirror now; undo the sign-off if it moved.

    Run on every milestone page load and by the periodic task.
    """
    if record.state != BillingState.CLIENT_ACCEPTED or not record.signed_snapshot:
        _refresh_due_date(record)
        return []
    with transaction.atomic():
        locked = _locked(record.pk)
        if locked.state != BillingState.CLIENT_ACCEPTED or not locked.signed_snapshot:
            return []
        changes = facts.snapshot_changes(
            locked.signed_snapshot, facts.mirror_snapshot(locked.milestone)
        )
        if not changes:
            return []
        actor = locked.ready_by
        if actor is None:
            logger.warning("Milestone %s changed but has no PM to act for", locked.pk)
            return changes
        locked.due_date = locked.milestone.deadline
        invalidate_signoff(locked, actor=actor, changes=[f"In Odoo, the {c}" for c in changes])
    record.refresh_from_db()
    return changes


def _refresh_due_date(record: MilestoneRecord) -> None:
    deadline = record.milestone.deadline
    if record.due_date != deadline and record.state not in BILLED_STATES:
        MilestoneRecord.objects.filter(pk=record.pk).update(due_date=deadline)
        record.due_date = deadline


def check_all() -> dict[str, int]:
    """The periodic pass: records for new milestones, Odoo changes, outcomes, postings."""
    from portal.odoo.models import Milestone

    known = MilestoneRecord.objects.values("pk")
    fresh = Milestone.objects.filter(deleted_in_odoo=False).exclude(pk__in=known)
    created = MilestoneRecord.objects.bulk_create(
        [MilestoneRecord(milestone=m, due_date=m.deadline) for m in fresh.only("pk", "deadline")],
        ignore_conflicts=True,
    )
    invalidated = 0
    signed = MilestoneRecord.objects.signed_off().select_related(
        "milestone__sale_line__order", "milestone__project"
    )
    for record in signed:
        if check_mirror(record):
            invalidated += 1
    return {
        "created": len(created),
        "invalidated": invalidated,
        "outcomes": sync_outcomes(),
        "posted": refresh_posting(),
    }


def amount_of(record: MilestoneRecord) -> Decimal:
    return facts.amount(record)
