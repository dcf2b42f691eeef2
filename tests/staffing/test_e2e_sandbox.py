"""Done when: a PM asks for a senior consultant for six weeks; the resource manager books
the top candidate, who would exceed the utilisation ceiling; the exception reaches the
approver with its numbers; after approval the real worker puts the consultant on the
project's tasks in the Odoo sandbox (and a cancellation takes them off again).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.approvals import services as approvals
from portal.approvals.models import ApprovalRequest
from portal.odoo.connection import get_client
from portal.odoo.models import Employee, OutboxMessage, Project
from portal.odoo.sync import sync_all
from portal.staffing.capacity import monday
from portal.staffing.models import Booking, BookingStatus, ConsultantProfile, StaffingRequest
from portal.staffing.policy_seed import seed_default_policy
from portal.staffing.services import cancel_booking
from tests.factories import person
from tests.staffing.factories import (
    JobRoleFactory,
    ProjectFactory,
    RateCardFactory,
    SkillFactory,
    existing_booking,
    give_skill,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.worker]


def _odoo_firm(sandbox) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A client project with two tasks and two consultants, created in the sandbox."""
    partner = sandbox.rpc("res.partner", "create", {"name": "Atlas Client", "is_company": True})
    pm_user = sandbox.rpc("res.users", "create", {"name": "Paula PM", "login": "paula"})
    sam_user = sandbox.rpc("res.users", "create", {"name": "Sam Senior", "login": "sam"})
    kim_user = sandbox.rpc("res.users", "create", {"name": "Kim Keen", "login": "kim"})
    sam = sandbox.rpc("hr.employee", "create", {"name": "Sam Senior", "user_id": sam_user})
    kim = sandbox.rpc("hr.employee", "create", {"name": "Kim Keen", "user_id": kim_user})
    project = sandbox.rpc(
        "project.project", "create", {"name": "Atlas", "partner_id": partner, "user_id": pm_user}
    )
    tasks = [
        sandbox.rpc("project.task", "create", {"name": name, "project_id": project})
        for name in ("Design", "Build")
    ]
    return {"pm_user": pm_user, "sam_user": sam_user, "sam": sam, "kim": kim,
            "project": project, "task_a": tasks[0], "task_b": tasks[1]}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_exception_is_approved_and_the_consultant_lands_on_the_odoo_tasks(
    odoo_sandbox_settings, celery_worker_process, client, unit, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sandbox = odoo_sandbox_settings
    firm = _odoo_firm(sandbox)
    sync_all(get_client())
    Project.objects.filter(pk=firm["project"]).update(business_unit=unit)

    pm = person("pm@example.com", "project_manager", unit, odoo_user_id=firm["pm_user"])
    rm = person("rm@example.com", "resource_manager", unit)
    approver = person("leader@example.com", "delivery_leader", unit)
    seed_default_policy()
    senior = JobRoleFactory(name="Senior consultant")
    RateCardFactory(job_role=senior, currency="EUR", bill_rate=Decimal("120"))
    django_skill, pg = SkillFactory(name="Django"), SkillFactory(name="PostgreSQL")
    sam = ConsultantProfile.objects.create(
        employee=Employee.objects.get(pk=firm["sam"]), name="Sam Senior", job_role=senior,
        business_unit=unit,
    )  # fmt: skip
    kim = ConsultantProfile.objects.create(
        employee=Employee.objects.get(pk=firm["kim"]), name="Kim Keen", job_role=senior,
        business_unit=unit,
    )  # fmt: skip
    give_skill(sam, django_skill, 5)
    give_skill(sam, pg, 4)
    give_skill(kim, django_skill, 2)
    start = monday(timezone.localdate()) + timedelta(weeks=2)
    # Sam is already booked 24 h a week elsewhere: 20 more make 110 % of 40 h.
    existing_booking(sam, ProjectFactory(), start, start + timedelta(weeks=6), "24")

    # The PM asks for a senior consultant with Django and PostgreSQL for six weeks.
    client.force_login(pm)
    response = client.post(
        reverse("staffing:request_new") + f"?project_id={firm['project']}",
        {"job_role": senior.pk, "start_date": start.isoformat(),
         "end_date": (start + timedelta(weeks=6, days=-3)).isoformat(),
         "hours_per_week": "20", "bill_rate": "120", "currency": "EUR", "booking_type": "firm",
         "required_skills": "Django:4, PostgreSQL:3"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    request = StaffingRequest.objects.get()

    # The resource manager books the top candidate: Sam, over the ceiling.
    client.force_login(rm)
    page = client.get(reverse("staffing:request_detail", args=[request.pk]))
    top = page.context["candidates"][0]
    assert top.name == "Sam Senior"
    response = client.post(
        reverse("staffing:book", args=[request.pk]),
        {"profile_id": top.profile_id, "seen_free_hours": str(top.free_hours)},
    )
    assert response.status_code == 302
    booking = Booking.objects.get(request=request)
    assert booking.status == BookingStatus.PENDING_APPROVAL

    # The approver sees the violations with their numbers.
    approval = ApprovalRequest.objects.for_subject(booking).get()
    lines = dict(approval.summary_lines)
    assert lines["Utilisation after booking"] == "110% (ceiling 100%)"
    assert lines["Capacity exceeded"] == "by 24.00 h over 6 weeks (10% of capacity)"
    assert Decimal(approval.facts["amount"]) == Decimal("14400")
    approvals.decide(approval.pk, actor=approver, decision="approve", comment="Worth it")

    # The real worker writes the assignment and the note to the sandbox.
    worker = celery_worker_process
    worker.wait_until(lambda: not OutboxMessage.objects.exclude(status="done").exists(), timeout=90)
    tasks = sandbox.rpc(
        "project.task", "read", [firm["task_a"], firm["task_b"]], fields=["user_ids"]
    )
    assert all(firm["sam_user"] in t["user_ids"] for t in tasks)
    notes = sandbox.rpc(
        "mail.message", "search_read",
        [["model", "=", "project.project"], ["res_id", "=", firm["project"]]], fields=["body"],
    )  # fmt: skip
    assert any(f"Staffing {booking.reference} booked" in n["body"] for n in notes)

    # Cancelling takes Sam off the tasks again (unlink command, the user still exists).
    cancel_booking(rm, booking_id=booking.pk)
    worker.wait_until(lambda: not OutboxMessage.objects.exclude(status="done").exists(), timeout=90)
    tasks = sandbox.rpc(
        "project.task", "read", [firm["task_a"], firm["task_b"]], fields=["user_ids"]
    )
    assert all(firm["sam_user"] not in t["user_ids"] for t in tasks)
    assert sandbox.rpc("res.users", "search_count", [["id", "=", firm["sam_user"]]]) == 1
