"""Delegation (C23 §2) and SLA escalation."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.approvals import delegation, escalation, services
from portal.approvals.businesstime import DEFAULT_WINDOWS, add_business_hours
from portal.approvals.models import Assignment, Decision, Delegation, Notification, Status
from portal.core.errors import DomainError, NotAllowed
from portal.core.models import AuditEvent
from tests.approvals.factories import make_adjustment, make_policy, step
from tests.factories import person

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
WEEK = TODAY + dt.timedelta(days=7)


def assigned(req):  # type: ignore[no-untyped-def]
    return set(
        Assignment.objects.filter(request=req, active=True).values_list("user__email", flat=True)
    )


@pytest.fixture
def dls(unit):  # type: ignore[no-untyped-def]
    return [person(f"dl{i}@example.com", "delivery_leader", unit) for i in (1, 2, 3)]


def test_delegation_to_oneself_is_refused(dls):
    with pytest.raises(DomainError):
        delegation.delegate(dls[1], dls[1], starts_on=TODAY, ends_on=WEEK, actor=dls[1])


def test_overlapping_delegations_are_refused(dls):
    delegation.delegate(dls[1], dls[2], starts_on=TODAY, ends_on=WEEK, actor=dls[1])
    with pytest.raises(DomainError, match="overlap"):
        delegation.delegate(
            dls[1], dls[0], starts_on=WEEK, ends_on=WEEK + dt.timedelta(days=3), actor=dls[1]
        )


def test_only_the_delegator_delegates(dls):
    with pytest.raises(NotAllowed):
        delegation.delegate(dls[1], dls[2], starts_on=TODAY, ends_on=WEEK, actor=dls[2])


def test_delegate_gets_pending_items_and_audit_names_both(unit, am, dls):
    _dl1, dl2, dl3 = dls
    make_policy("discount", [step(1, person=dl2)])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)

    delegation.delegate(dl2, dl3, starts_on=TODAY, ends_on=WEEK, actor=dl2)
    assert assigned(req) == {dl2.email, dl3.email}
    services.decide(req.pk, actor=dl3, decision="approve", comment="ok")

    d = Decision.objects.get()
    assert (d.actor_id, d.on_behalf_of_id) == (dl3.pk, dl2.pk)
    event = AuditEvent.objects.get(action="approvals.step.approved")
    assert (event.actor_id, event.on_behalf_of_id) == (dl3.pk, dl2.pk)


def test_delegation_to_the_requester_is_ignored_for_that_request(unit, dls):
    dl1, dl2, _ = dls
    make_policy("discount", [step(1, person=dl2)])
    req = services.submit(make_adjustment(dl1, unit=unit), kind="discount", requester=dl1)
    delegation.delegate(dl2, dl1, starts_on=TODAY, ends_on=WEEK, actor=dl2)

    assert assigned(req) == {dl2.email}
    with pytest.raises(NotAllowed):
        services.decide(req.pk, actor=dl1, decision="approve")


def test_delegation_cycle_is_bounded_and_alerts_operators(unit, am, dls, op):
    _, dl2, dl3 = dls
    make_policy("discount", [step(1, person=dl2)])
    delegation.delegate(dl2, dl3, starts_on=TODAY, ends_on=WEEK, actor=dl2)
    delegation.delegate(dl3, dl2, starts_on=TODAY, ends_on=WEEK, actor=dl3)

    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)

    assert req.status == Status.PENDING
    assert assigned(req) == {dl2.email}  # the cycle is not followed
    assert AuditEvent.objects.filter(action="approvals.delegation.cycle_detected").exists()
    assert Notification.objects.filter(user=op, kind="routing").exists()


def test_delegates_own_delegation_is_not_followed(unit, am, dls):
    dl1, dl2, dl3 = dls
    make_policy("discount", [step(1, person=dl1)])
    delegation.delegate(dl1, dl2, starts_on=TODAY, ends_on=WEEK, actor=dl1)
    delegation.delegate(dl2, dl3, starts_on=TODAY, ends_on=WEEK, actor=dl2)
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert assigned(req) == {dl1.email, dl2.email}


def test_cancelled_delegation_moves_items_back(unit, am, dls):
    _, dl2, dl3 = dls
    make_policy("discount", [step(1, person=dl2)])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    row = delegation.delegate(dl2, dl3, starts_on=TODAY, ends_on=WEEK, actor=dl2)
    delegation.cancel(row.pk, actor=dl2)
    assert assigned(req) == {dl2.email}
    assert Delegation.objects.get().cancelled


# --- escalation -------------------------------------------------------------------------


BERLIN = ZoneInfo("Europe/Berlin")


def test_business_hours_skip_nights_and_weekends():
    friday_4pm = dt.datetime(2026, 12, 11, 16, 0, tzinfo=BERLIN)
    due = add_business_hours(friday_4pm, 2, DEFAULT_WINDOWS, BERLIN)
    assert due.astimezone(BERLIN) == dt.datetime(2026, 12, 14, 10, 0, tzinfo=BERLIN)


def _escalating_request(unit, am, fin, sla=8):  # type: ignore[no-untyped-def]
    make_policy(
        "discount",
        [
            step(
                1, "finance", sla_hours=sla, escalation_roles=["practice_leader", "delivery_leader"]
            )
        ],
    )
    return services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)


def test_reminder_due_notice_then_escalation_bounded(unit, am, fin, pl, dl, settings):
    settings.APPROVALS_ESCALATION_INTERVAL_HOURS = 8
    req = _escalating_request(unit, am, fin)
    step_row = req.steps.get()
    original_due = step_row.due_at
    assert original_due is not None

    later = original_due + dt.timedelta(days=30)  # far past every level
    for _ in range(3):  # running the job again sends and escalates nothing twice
        escalation.run(later)

    step_row.refresh_from_db()
    assert step_row.escalation_level == 2  # bounded by the two escalation roles
    assert step_row.due_at == original_due  # the original due time is kept
    assert assigned(req) == {fin.email, pl.email, dl.email}
    assert Notification.objects.filter(kind="due", user=fin).count() == 1
    assert Notification.objects.filter(kind="escalation", user=pl).count() == 1
    assert AuditEvent.objects.filter(action="approvals.step.escalated").count() == 2


def test_nothing_happens_before_the_reminder_time(unit, am, fin, pl):
    req = _escalating_request(unit, am, fin, sla=40)
    escalation.run(timezone.now())
    assert not Notification.objects.filter(kind__in=["reminder", "due", "escalation"]).exists()
    assert req.steps.get().escalation_level == 0


def test_escalate_command_moves_the_clock(unit, am, fin, pl):
    req = _escalating_request(unit, am, fin)
    due = req.steps.get().due_at
    assert due is not None
    at = (due + dt.timedelta(days=14)).astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")
    out = StringIO()
    call_command("approvals_escalate", "--at", at, stdout=out)
    assert "escalations" in out.getvalue()
    assert req.steps.get().escalation_level >= 1


def test_escalate_command_rejects_a_bad_time():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("approvals_escalate", "--at", "next tuesday")
