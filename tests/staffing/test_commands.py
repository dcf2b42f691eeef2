"""The staffing management commands."""

from __future__ import annotations

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
    assert Booking.objects.count() == 2
    assert StaffingRequest.objects.filter(status="open").count() == 1
