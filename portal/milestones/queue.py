"""The finance billing queue: what can be billed, what waits, and what blocks it.

A fixed number of queries whatever the size: one for the finance scope, one for the rows
(mirror joins and a timesheet EXISTS), one for their evidence, one for the checklist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from portal.core.access import unit_filter
from portal.core.models import Role, User
from portal.milestones import facts
from portal.milestones.models import (
    BillingState,
    ContractType,
    Evidence,
    EvidenceRequirement,
    MilestoneRecord,
)
from portal.odoo.models import Timesheet

# "Ready to bill" holds only these; a client rejection goes back to the blocked section.
READY_STATES = (
    BillingState.READY,
    BillingState.CLIENT_ACCEPTED,
    BillingState.VALIDATED,
)


@dataclass
class QueueRow:
    record: MilestoneRecord
    amount: Decimal
    currency: str
    contract_type: str
    blockers: list[str]
    age: timedelta
    overdue_days: int | None

    @property
    def contract_type_label(self) -> str:
        return str(ContractType(self.contract_type).label)


@dataclass
class BillingQueue:
    ready: list[QueueRow] = field(default_factory=list)
    blocked: list[QueueRow] = field(default_factory=list)  # due (or rejected), not billable
    reached: list[QueueRow] = field(default_factory=list)
    drafts: list[QueueRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.ready) + len(self.blocked) + len(self.reached) + len(self.drafts)


def queue_records(user: User, today: date) -> list[MilestoneRecord]:
    scope = unit_filter(user, [Role.FINANCE], field="milestone__project__business_unit")
    if scope is None and not user.is_superuser:
        return []
    due_and_blocked = Q(state=BillingState.NOT_READY, due_date__lte=today)
    wanted = (
        Q(state__in=[*READY_STATES, BillingState.CLIENT_REJECTED])
        | due_and_blocked
        | Q(state__in=[BillingState.REACHED_IN_ODOO, BillingState.INVOICE_DRAFTED])
    )
    has_timesheets = Timesheet.objects.filter(
        sale_line_id=OuterRef("milestone__sale_line_id"), deleted_in_odoo=False
    )
    records = (
        MilestoneRecord.objects.filter(wanted, milestone__deleted_in_odoo=False)
        .filter(scope or Q())
        .select_related(
            "milestone__project__partner",
            "milestone__project__business_unit",
            "milestone__sale_line__order",
        )
        .annotate(has_timesheets=Exists(has_timesheets))
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.only("id", "record_id", "slot_id", "version"),
            )
        )
        .order_by("due_date", "pk")
    )
    return list(records)


def build_queue(user: User) -> BillingQueue:
    now = timezone.now()
    today = timezone.localdate()
    requirements = list(EvidenceRequirement.objects.select_related("slot"))
    queue = BillingQueue()
    for record in queue_records(user, today):
        evidence = facts.current_evidence(list(record.evidence.all()))
        row = QueueRow(
            record=record,
            amount=facts.amount(record),
            currency=facts.currency(record),
            contract_type=facts.contract_type(record),
            blockers=facts.blockers(
                record, requirements, evidence, getattr(record, "has_timesheets", False)
            ),
            age=now - record.state_changed_at,
            overdue_days=(today - record.due_date).days
            if record.due_date and record.due_date < today
            else None,
        )
        if record.state == BillingState.REACHED_IN_ODOO:
            queue.reached.append(row)
        elif record.state == BillingState.INVOICE_DRAFTED:
            queue.drafts.append(row)
        elif record.state in READY_STATES:
            queue.ready.append(row)
        else:
            queue.blocked.append(row)
    return queue
