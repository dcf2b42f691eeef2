"""Candidate matching: order and reasons for a small team."""

from __future__ import annotations

from datetime import timedelta

from portal.odoo.models import Employee
from portal.staffing.matching import NO_ODOO_USER, rank_candidates
from portal.staffing.services import book_candidate
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
        "48 h free of 240 h over 6 weeks; needs 120 h; exceeded by 72 h in 6 weeks",
        "bad",
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


def test_candidate_panel_shows_the_per_week_overrun_the_booking_check_finds(
    pm, rm, project, senior, team, start, today
):
    # Ana is full for the first two weeks only: 160 h free over six weeks covers the 120 h
    # asked for, but weeks one and two run 20 h over each, as booking counts them.
    existing_booking(team.ana, ProjectFactory(), start, start + timedelta(weeks=2, days=-3), "40")
    request = ask(pm, project, senior, start)

    ana = next(c for c in rank_candidates(request, today=today) if c.name == "Ana Alves")
    outcome = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk, today=today)

    capacity = next(r for r in ana.reasons if r.label == "Capacity")
    assert (
        capacity.text
        == "160 h free of 240 h over 6 weeks; needs 120 h; exceeded by 40 h in 2 weeks"
    )
    assert capacity.tone == "bad"
    assert ana.breaks_rules
    assert outcome.check is not None
    assert ana.overrun_hours == outcome.check.overrun_hours == 40
    assert ana.free_hours == outcome.check.free_hours
    assert ana.load_hours == outcome.check.load_hours


def test_candidate_panel_counts_odoo_tasks_as_the_booking_check_does(
    pm, rm, project, senior, team, start, today
):
    from tests.staffing.factories import TaskFactory

    task = TaskFactory(allocated_hours=360, effective_hours=0)  # 30 h a week for 12 weeks
    task.assignees.add(team.ana.employee.user)
    request = ask(pm, project, senior, start)

    ana = next(c for c in rank_candidates(request, today=today) if c.name == "Ana Alves")
    outcome = book_candidate(rm, request_id=request.pk, profile_id=team.ana.pk, today=today)

    assert outcome.check is not None
    assert ana.overrun_hours == outcome.check.overrun_hours == 60  # 10 h over in 6 weeks
    assert ana.free_hours == outcome.check.free_hours == 60
    assert "capacity" in [v.code for v in outcome.check.violations]


def test_one_week_request_says_week_not_weeks(pm, project, senior, team, start, today):
    request = ask(pm, project, senior, start, weeks=1)

    ana = next(c for c in rank_candidates(request, today=today) if c.name == "Ana Alves")

    assert next(r.text for r in ana.reasons if r.label == "Capacity") == (
        "40 h free of 40 h over 1 week; needs 20 h"
    )


def test_candidate_without_odoo_user_is_flagged(pm, project, senior, team, start, today):
    Employee.objects.filter(pk=team.ben.employee_id).update(user=None)
    request = ask(pm, project, senior, start)

    ranked = {c.name: c for c in rank_candidates(request, today=today)}

    assert not ranked["Ben Brook"].has_odoo_user
    assert ("Odoo", NO_ODOO_USER, "warn") in [
        (r.label, r.text, r.tone) for r in ranked["Ben Brook"].reasons
    ]
    assert "Odoo" not in [r.label for r in ranked["Ana Alves"].reasons]
