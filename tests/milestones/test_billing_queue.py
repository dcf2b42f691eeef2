"""The finance billing queue: sections, blockers, ages, and a fixed query count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.milestones.models import BillingState, MilestoneRecord
from portal.milestones.queue import build_queue
from tests.milestones.factories import MilestoneFactory, SaleOrderLineFactory, TimesheetFactory

pytestmark = pytest.mark.django_db


def _records(ms, n: int) -> None:  # type: ignore[no-untyped-def]
    states = [
        BillingState.READY,
        BillingState.CLIENT_ACCEPTED,
        BillingState.REACHED_IN_ODOO,
        BillingState.INVOICE_DRAFTED,
    ]
    milestones = MilestoneFactory.create_batch(
        n, project=ms.project, sale_line=ms.milestone.sale_line
    )
    MilestoneRecord.objects.bulk_create(
        MilestoneRecord(milestone=m, state=states[i % 4], due_date=m.deadline)
        for i, m in enumerate(milestones)
    )


@pytest.mark.parametrize("size", [10, 1000])
def test_queue_query_count_is_fixed(client, ms, finance, size, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    _records(ms, size)
    client.force_login(finance)

    # 1 session, 2 user, 3 menu roles, 4 finance role check, 5 finance units,
    # 6 checklist, 7 queue rows (mirror joins + timesheet EXISTS), 8 their evidence.
    with django_assert_num_queries(8):
        response = client.get(reverse("milestones:billing"))

    assert response.status_code == 200
    assert response.content.count(b'class="badge ms-state') == size


def test_queue_sorts_rows_into_sections_with_blockers_and_age(ms, finance) -> None:  # type: ignore[no-untyped-def]
    tm_line = SaleOrderLineFactory(qty_delivered_method="timesheet", price_subtotal=Decimal("800"))
    tm = MilestoneFactory(project=ms.project, sale_line=tm_line)
    MilestoneRecord.objects.create(milestone=tm, state=BillingState.READY)
    drafted = MilestoneFactory(project=ms.project)
    MilestoneRecord.objects.create(milestone=drafted, state=BillingState.INVOICE_DRAFTED)
    MilestoneRecord.objects.filter(milestone=drafted).update(
        state_changed_at=timezone.now() - timedelta(days=6)
    )

    queue = build_queue(finance)

    (ready,) = queue.ready
    assert ready.contract_type == "time_and_materials"
    assert ready.blockers == [
        "missing evidence: Timesheet report",
        "missing client sign-off",
        "missing timesheets on the time-and-materials line",
    ]
    assert [row.age.days for row in queue.drafts] == [6]
    TimesheetFactory(sale_line=tm_line)
    assert "missing timesheets" not in " ".join(build_queue(finance).ready[0].blockers)


def test_a_due_milestone_not_marked_ready_shows_as_blocked(ms, finance) -> None:  # type: ignore[no-untyped-def]
    MilestoneRecord.objects.create(
        milestone=ms.milestone, due_date=timezone.localdate() - timedelta(days=3)
    )

    queue = build_queue(finance)
    (row,) = queue.blocked
    assert queue.ready == []

    assert row.overdue_days == 3
    assert "not marked ready by the PM" in row.blockers


def test_the_queue_is_for_finance_only(client, ms, pm, outsider) -> None:  # type: ignore[no-untyped-def]
    for user in (pm, outsider):
        client.force_login(user)
        assert client.get(reverse("milestones:billing")).status_code == 403


def test_ready_to_bill_lists_only_ready_accepted_or_validated_milestones(ms, finance) -> None:  # type: ignore[no-untyped-def]
    past = timezone.localdate() - timedelta(days=1)
    for state in BillingState.values:
        MilestoneRecord.objects.create(
            milestone=MilestoneFactory(project=ms.project), state=state, due_date=past
        )

    queue = build_queue(finance)

    assert sorted(r.record.state for r in queue.ready) == sorted(
        [BillingState.READY, BillingState.CLIENT_ACCEPTED, BillingState.VALIDATED]
    )
    assert {r.record.state for r in queue.blocked} == {
        BillingState.NOT_READY,
        BillingState.CLIENT_REJECTED,
    }
