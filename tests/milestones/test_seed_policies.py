"""The default finance policy, so a client acceptance reaches finance on a fresh install."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from portal.approvals.models import ApprovalPolicy, PolicyVersion


def test_seed_policies_creates_one_active_finance_policy_and_is_idempotent(db):
    call_command("milestones_seed_policies", stdout=StringIO())
    call_command("milestones_seed_policies", stdout=StringIO())

    version = PolicyVersion.objects.get(policy__kind="milestone_acceptance")
    assert version.state == "active"
    assert [s["role"] for s in version.steps] == ["finance"]
    assert ApprovalPolicy.objects.filter(kind="milestone_acceptance").count() == 1
