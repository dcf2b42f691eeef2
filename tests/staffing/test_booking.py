"""Booking: clean bookings confirm at once, rule breaks go to approval with their numbers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.approvals import services as approvals
from portal.approvals.models import ApprovalRequest
from portal.core.errors import Conflict, NotAllowed
from portal.core.models import AuditEvent
from portal.odoo.models import OutboxMessage
from portal.staffing.models import BookingStatus, BookingWeek, RequestStatus, UnitStaffingSettings
from portal.staffing.policy_seed import seed_default_policy
from portal.staffing.services import book_candidate, cancel_booking
from tests.staffing.conftest import ask
from tests.staffing.factories import ProjectFactory, TaskFactory, existing_booking


@pytest.fixture(autouse=True)
def policy(db):  # type: ignore[no-untyped-def]
    return seed_default_policy()[0]


def _approval(booking) -> ApprovalRequest:  # type: ignore[no-untyped-def]
    return ApprovalRequest.objects.for_subject(booking).get()


def _lines(booking) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(_approval(booking).summary_lines)


def test_booking_that_breaks_nothing_is_confirmed_directly(pm, rm, project, senior, team, start):
    request = ask(pm, project, senior, start)

    outcome = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk)

    booking = outcome.booking
    request.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert request.status == RequestStatus.FILLED
    assert not ApprovalRequest.objects.for_subject(booking).exists()
    assert list(
        AuditEvent.objects.filter(
            object_id=str(booking.pk), object_type="staffing.booking"
        ).values_list("action", flat=True)
    ) == ["staffing.booking.proposed", "staffing.booking.confirmed"]


def test_unit_setting_sends_even_a_clean_booking_to_approval(
    pm, rm, leader, project, senior, team, start, unit
):
    UnitStaffingSettings.objects.create(business_unit=unit, always_require_approval=True)
    request = ask(pm, project, senior, start)

    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    assert booking.status == BookingStatus.PENDING_APPROVAL
    assert _approval(booking).status == "pending"
    assert _lines(booking)["Rule check"].startswith("no rule broken")


def test_capacity_overrun_goes_to_approval_with_the_overrun_hours(
    pm, rm, project, senior, team, start
):
    team.cleo.utilisation_ceiling_pct = Decimal("150")
    team.cleo.save()
    existing_booking(team.cleo, ProjectFactory(), start, start + timedelta(weeks=6), "30")
    request = ask(pm, project, senior, start)

    booking = book_candidate(rm, request_id=request.pk, profile_id=team.cleo.pk).booking

    assert booking.status == BookingStatus.PENDING_APPROVAL
    approval = _approval(booking)
    assert _lines(booking)["Capacity exceeded"] == "by 60.00 h over 6 weeks (25% of capacity)"
    assert Decimal(approval.facts["capacity_overrun_hours"]) == Decimal("60")
    assert Decimal(approval.facts["overrun_pct"]) == Decimal("25")
    assert Decimal(approval.facts["utilisation_pct"]) == Decimal("125")
    assert Decimal(approval.facts["amount"]) == Decimal("14400")  # 120 h x 120 EUR
    assert approval.facts["contract_type"] == "time_and_materials"
    assert [v["code"] for v in booking.violations] == ["capacity"]


def test_utilisation_above_ceiling_goes_to_approval_with_the_percentage(
    pm, rm, project, senior, team, start
):
    team.ana.utilisation_target_pct = Decimal("60")
    team.ana.utilisation_ceiling_pct = Decimal("80")
    team.ana.save()
    request = ask(pm, project, senior, start, hours="36")

    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    assert [v["code"] for v in booking.violations] == ["ceiling"]
    assert _lines(booking)["Utilisation after booking"] == "90% (ceiling 80%)"
    assert Decimal(_approval(booking).facts["utilisation_pct"]) == Decimal("90")


def test_missing_required_skill_goes_to_approval_with_the_count(
    pm, rm, project, senior, team, start
):
    request = ask(pm, project, senior, start)

    booking = book_candidate(rm, request_id=request.pk, profile_id=team.dan.pk).booking

    assert [v["code"] for v in booking.violations] == ["skills"]
    assert _lines(booking)["Missing required skills"] == "2: Django ≥4, PostgreSQL ≥3"
    assert _approval(booking).facts["missing_skills"] == 2


def test_rate_below_card_goes_to_approval_with_the_deviation(pm, rm, project, senior, team, start):
    request = ask(pm, project, senior, start, rate="100")

    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    assert [v["code"] for v in booking.violations] == ["rate"]
    assert _lines(booking)["Bill rate below rate card"] == "100.00 EUR vs 120.00 EUR (-16.7%)"
    assert Decimal(_approval(booking).facts["rate_deviation_pct"]) == Decimal("-16.7")


def test_dates_outside_the_project_go_to_approval(pm, rm, project, senior, team, start):
    project.date = start + timedelta(weeks=3)
    project.save()
    request = ask(pm, project, senior, start)

    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    assert [v["code"] for v in booking.violations] == ["dates"]
    assert _approval(booking).facts["outside_project_dates"] == 1


def test_approval_confirms_the_booking_and_assigns_the_tasks(
    pm, rm, leader, project, senior, team, start
):
    task = TaskFactory(project=project)
    request = ask(pm, project, senior, start, rate="110")
    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    approvals.decide(_approval(booking).pk, actor=leader, decision="approve")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    write = OutboxMessage.objects.get(key=f"staffing.booking:{booking.pk}:assign")
    assert write.payload["values"] == {"user_ids": [[4, team.ana.employee.user_id]]}
    assert write.payload["ids"] == [task.pk]


def test_requester_cannot_approve_own_staffing_exception(pm, rm, project, senior, team, start):
    request = ask(pm, project, senior, start, rate="110")
    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    with pytest.raises(NotAllowed):
        approvals.decide(_approval(booking).pk, actor=rm, decision="approve")


def test_exception_goes_to_a_delivery_leader_not_another_resource_manager(
    pm, rm, rm2, leader, project, senior, team, start
):
    team.cleo.utilisation_ceiling_pct = Decimal("200")
    team.cleo.save()
    existing_booking(team.cleo, ProjectFactory(), start, start + timedelta(weeks=6), "32")
    request = ask(pm, project, senior, start)  # 12 h/week over: 30 % of capacity
    booking = book_candidate(rm, request_id=request.pk, profile_id=team.cleo.pk).booking

    with pytest.raises(NotAllowed):
        approvals.decide(_approval(booking).pk, actor=rm2, decision="approve")
    approvals.decide(_approval(booking).pk, actor=leader, decision="approve")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_rejection_frees_the_hours_and_reopens_the_request(
    pm, rm, leader, project, senior, team, start
):
    request = ask(pm, project, senior, start, rate="110")
    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    approvals.decide(_approval(booking).pk, actor=leader, decision="reject", comment="Too cheap")

    booking.refresh_from_db()
    request.refresh_from_db()
    assert booking.status == BookingStatus.REJECTED
    assert request.status == RequestStatus.OPEN
    assert not BookingWeek.objects.filter(booking=booking).exists()
    assert not OutboxMessage.objects.filter(
        key__startswith=f"staffing.booking:{booking.pk}:"
    ).exists()


def test_confirm_adds_the_consultant_with_a_link_command_and_posts_a_note(
    pm, rm, project, senior, team, start
):
    first, second = TaskFactory(project=project), TaskFactory(project=project)
    TaskFactory(project=project, state="1_done")
    request = ask(pm, project, senior, start)

    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    uid = team.ana.employee.user_id
    write = OutboxMessage.objects.get(key=f"staffing.booking:{booking.pk}:assign")
    assert write.kind == "record.write"
    assert write.payload == {
        "model": "project.task",
        "ids": [first.pk, second.pk],
        "values": {"user_ids": [[4, uid]]},
    }
    note = OutboxMessage.objects.get(key=f"staffing.booking:{booking.pk}:note")
    assert note.kind == "chatter.post"
    assert note.payload["model"] == "project.project"
    assert note.payload["res_id"] == project.pk
    assert f"{start:%Y-%m-%d}" in note.payload["body"]
    assert "20.00 h/week" in note.payload["body"]


def test_cancel_removes_the_consultant_with_an_unlink_command(pm, rm, project, senior, team, start):
    task = TaskFactory(project=project)
    already = TaskFactory(project=project)
    already.assignees.add(team.ana.employee.user)  # on it before the booking: stays on it
    request = ask(pm, project, senior, start)
    booking = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk).booking

    cancel_booking(rm, booking_id=booking.pk)

    booking.refresh_from_db()
    request.refresh_from_db()
    uid = team.ana.employee.user_id
    assign = OutboxMessage.objects.get(key=f"staffing.booking:{booking.pk}:assign")
    unassign = OutboxMessage.objects.get(key=f"staffing.booking:{booking.pk}:unassign")
    assert assign.payload["ids"] == [task.pk]
    assert unassign.payload == {
        "model": "project.task",
        "ids": [task.pk],
        "values": {"user_ids": [[3, uid]]},
    }
    assert booking.status == BookingStatus.CANCELLED
    assert request.status == RequestStatus.OPEN
    assert not BookingWeek.objects.filter(booking=booking).exists()
    assert AuditEvent.objects.filter(action="staffing.booking.cancelled").count() == 1


def test_booking_refused_when_capacity_shrank_since_it_was_shown(
    pm, rm, project, senior, team, start
):
    request = ask(pm, project, senior, start, hours="30")
    # Shown 180 h free; meanwhile someone booked Ana 20 h/week elsewhere.
    existing_booking(team.ana, ProjectFactory(), start, start + timedelta(weeks=6), "20")

    with pytest.raises(Conflict, match="capacity of Ana Alves changed"):
        book_candidate(
            rm, request_id=request.pk, profile_id=team.ana.pk, seen_free_hours=Decimal("240")
        )


def test_only_a_resource_manager_of_the_unit_can_book(pm, other_rm, project, senior, team, start):
    request = ask(pm, project, senior, start)

    with pytest.raises(NotAllowed):
        book_candidate(other_rm, request_id=request.pk, profile_id=team.ana.pk)
    with pytest.raises(NotAllowed):
        book_candidate(pm, request_id=request.pk, profile_id=team.ana.pk)
