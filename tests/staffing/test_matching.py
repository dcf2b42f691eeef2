"""Candidate matching: order and reasons for a small team."""

from __future__ import annotations

from datetime import timedelta

from portal.staffing.matching import rank_candidates
from tests.staffing.conftest import ask
from tests.staffing.factories import ProjectFactory, existing_booking, log_time


def test_matching_ranks_the_team_by_skills_capacity_role_and_client(
    pm, project, senior, team, start, today
):
    # Ana worked for this client on an earlier project; Cleo is busy 32 h a week.
    earlier = ProjectFactory(partner=project.partner)
    log_time(team.ana, earlier, "12", today - timedelta(days=40))
    existing_booking(team.cleo, ProjectFactory(), start, start + timedelta(weeks=6), "32")
    request = ask(pm, project, senior, start)

    ranked = rank_candidates(request, today=today)

    assert [c.name for c in ranked] == ["Ana Alves", "Ben Brook", "Cleo Cruz", "Dan Diaz"]
    ana, ben, cleo, dan = ranked
    reasons = {c.name: {r.label: (r.text, r.tone) for r in c.reasons} for c in ranked}
    assert reasons["Ana Alves"]["Client"] == ("worked 12 h for this client", "ok")
    assert "Client" not in reasons["Ben Brook"]
    assert reasons["Ben Brook"]["Skills"] == (
        "Django 4/5 (≥4); PostgreSQL 3/5 (≥3); Kubernetes 0/5 (needs 2)",
        "ok",
    )
    assert reasons["Cleo Cruz"]["Capacity"] == (
        "48 h free of 240 h over 6 weeks; needs 120 h",
        "warn",
    )
    assert reasons["Cleo Cruz"]["Utilisation after booking"] == (
        "130% (target 80%, ceiling 100%)",
        "bad",
    )
    assert reasons["Dan Diaz"]["Skills"][1] == "bad"
    assert dan.missing_required == ["Django ≥4", "PostgreSQL ≥3"]
    assert reasons["Ana Alves"]["Rate"] == ("proposed 120.00 vs card 120.00 EUR (0%)", "ok")
    assert ana.utilisation_after_pct == 50
    assert cleo.free_hours == 48
    assert ben.score < ana.score


def test_matching_counts_odoo_task_allocations_as_load(pm, project, senior, team, start, today):
    from tests.staffing.factories import TaskFactory

    # 240 remaining hours with no deadline: spread over the 12-week horizon, 20 h a week.
    task = TaskFactory(allocated_hours=240, effective_hours=0)
    task.assignees.add(team.ana.employee.user)
    request = ask(pm, project, senior, start)

    ana = next(c for c in rank_candidates(request, today=today) if c.name == "Ana Alves")

    assert ana.load_hours == 120  # 6 weeks x 20 h
    assert ana.utilisation_after_pct == 100
