"""The staffing management commands."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command

from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.staffing.models import Booking, ConsultantProfile, StaffingRequest
from tests.staffing.factories import EmployeeFactory


def test_seed_policies_creates_one_active_policy_and_is_idempotent(db):
    call_command("staffing_seed_policies", stdout=StringIO())
    call_command("staffing_seed_policies", stdout=StringIO())

    version = PolicyVersion.objects.get(policy__kind="staffing_exception")
    assert version.state == "active"
    assert [s["role"] for s in version.steps] == ["delivery_leader"]
    assert ApprovalPolicy.objects.filter(kind="staffing_exception").count() == 1


def test_seed_demo_creates_profiles_bookings_and_an_open_request(rm, pm, project):
    for _ in range(4):
        EmployeeFactory()

    call_command("staffing_seed_demo", stdout=StringIO())
    call_command("staffing_seed_demo", stdout=StringIO())

    assert ConsultantProfile.objects.count() == 4
    assert Booking.objects.count() == 3  # two seeded, one filling the top candidate's weeks
    assert StaffingRequest.objects.filter(status="open").count() == 1


def test_seed_demo_request_fits_its_project_and_its_top_candidate_only_breaks_the_ceiling(
    rm, pm, leader, project, unit, today
):
    from portal.approvals import services as approvals
    from portal.approvals.models import ApprovalRequest
    from portal.staffing.matching import rank_candidates
    from portal.staffing.services import book_candidate
    from tests.staffing.factories import ProjectFactory

    unit.currency_code = "USD"
    unit.save()
    # Ends in three weeks (and comes first): too short for the six-week demo request.
    ProjectFactory(
        id=1,
        name="Office Design",
        business_unit=unit,
        manager=project.manager,
        date=today + timedelta(days=20),
    )
    for _ in range(6):
        EmployeeFactory()
    call_command("staffing_seed_policies", stdout=StringIO())

    call_command("staffing_seed_demo", stdout=StringIO())

    request = StaffingRequest.objects.get(status="open")
    assert request.project == project
    assert request.currency == "USD"
    assert (request.end_date - request.start_date).days == 6 * 7 - 3
    top = rank_candidates(request, today=today)[0]
    outcome = book_candidate(rm, request_id=request.pk, profile_id=top.profile_id, today=today)
    assert outcome.check is not None
    assert [v.code for v in outcome.check.violations] == ["ceiling"]
    approval = ApprovalRequest.objects.for_subject(outcome.booking).get()
    assert approval.status == "pending"
    approvals.decide(approval.pk, actor=leader, decision="approve")
    outcome.booking.refresh_from_db()
    assert outcome.booking.status == "confirmed"
