"""The generated professional-services firm on top of the demo data (DESIGN.md §5.7)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from odoo_sandbox.demo.scenario import PRESETS, ScenarioReport, generate
from odoo_sandbox.store import Store

TODAY = dt.date(2026, 12, 3)  # a Thursday
SMALL = {"consultants": 12, "projects": 6, "tasks_per_project": 5, "weeks": 3}
# Three weeks ending on Thursday 3 Dec: Fri 13 Nov .. Thu 3 Dec, of which 15 weekdays.
FIRST_DAY, WORKDAYS = dt.date(2026, 11, 13), 15


def _generate(seed: int = 1) -> tuple[Store, ScenarioReport]:
    store = Store()
    return store, generate(store, seed=seed, today=TODAY, **SMALL)


@pytest.fixture(scope="module")
def firm() -> tuple[Store, ScenarioReport]:
    return _generate()


def _timesheets(store: Store, report: ScenarioReport) -> list[dict]:
    ids = store.search("account.analytic.line", [("project_id", "in", report.project_ids)])
    return [store.get("account.analytic.line", i) for i in ids]


def _fingerprint(store: Store, report: ScenarioReport) -> tuple:
    projects = [store.get("project.project", p)["name"] for p in report.project_ids]
    people = sorted(store.get("hr.employee", store.ref(f"scenario.employee_{n:04d}")[1])["name"]
                    for n in range(1, SMALL["consultants"] + 1))  # fmt: skip
    return (report.project_ids, projects, people, report.timesheet_lines,
            report.timesheet_hours, report.timesheet_cost, report.absent_consultant)  # fmt: skip


def test_same_seed_gives_the_same_firm(firm: tuple[Store, ScenarioReport]) -> None:
    again = _generate(seed=1)
    assert _fingerprint(*again) == _fingerprint(*firm)


def test_another_seed_gives_another_firm(firm: tuple[Store, ScenarioReport]) -> None:
    other_store, other = _generate(seed=2)
    names = {other_store.get("project.project", p)["name"] for p in other.project_ids}
    store, report = firm
    assert names != {store.get("project.project", p)["name"] for p in report.project_ids}
    assert other.timesheet_hours != report.timesheet_hours


def test_sizes_match_the_flags(firm: tuple[Store, ScenarioReport]) -> None:
    store, report = firm
    assert (report.consultants, report.projects, report.tasks) == (12, 6, 30)
    for project_id in report.project_ids:
        assert len(store.search("project.task", [("project_id", "=", project_id)])) == 5
    employees = [store.ref(f"scenario.employee_{n:04d}") for n in range(1, 13)]
    assert all(model == "hr.employee" for model, _id in employees)
    assert not store.xmlid_exists("scenario.employee_0013")


def test_each_project_has_one_confirmed_service_order(firm: tuple[Store, ScenarioReport]) -> None:
    store, report = firm
    for project_id in report.project_ids:
        project = store.get("project.project", project_id)
        order = store.get("sale.order", project["sale_order_id"])
        assert order["state"] == "sale"
        assert " \N{EN DASH} " in project["name"]  # client, dash, engagement
        assert store.get("res.partner", project["partner_id"])["is_company"] is True


def test_milestone_percentages_sum_to_one_per_line(firm: tuple[Store, ScenarioReport]) -> None:
    store, report = firm
    per_line: dict[int, float] = defaultdict(float)
    for milestone_id in store.search(
        "project.milestone", [("project_id", "in", report.project_ids)]
    ):
        milestone = store.get("project.milestone", milestone_id)
        assert milestone["sale_line_id"]
        assert abs((dt.date.fromisoformat(milestone["deadline"]) - TODAY).days) <= 56
        per_line[milestone["sale_line_id"]] += milestone["quantity_percentage"]
    assert per_line
    assert all(total == pytest.approx(1.0) for total in per_line.values())


def test_some_milestones_are_reached_and_some_tasks_overdue(
    firm: tuple[Store, ScenarioReport],
) -> None:
    store, report = firm
    overdue = [
        t for t in store.search("project.task", [("project_id", "in", report.project_ids)])
        if store.get("project.task", t)["date_deadline"] < f"{TODAY.isoformat()} 00:00:00"
        and store.get("project.task", t)["state"] not in ("1_done", "1_canceled")
    ]  # fmt: skip
    assert report.reached_milestones > 0
    assert len(overdue) == report.overdue_tasks > 0


def test_every_timesheet_has_an_employee_a_project_and_a_cost(
    firm: tuple[Store, ScenarioReport],
) -> None:
    store, report = firm
    lines = _timesheets(store, report)
    assert len(lines) == report.timesheet_lines > 0
    for line in lines:
        assert line["employee_id"] and line["project_id"] and line["task_id"]
        cost = store.get("hr.employee", line["employee_id"])["hourly_cost"]
        assert line["amount"] == round(-line["unit_amount"] * cost, 2)
        day = dt.date.fromisoformat(line["date"])
        assert day.weekday() < 5 and FIRST_DAY <= day <= TODAY


def test_timesheets_have_gaps(firm: tuple[Store, ScenarioReport]) -> None:
    store, report = firm
    days_by_employee: dict[int, set[str]] = defaultdict(set)
    for line in _timesheets(store, report):
        days_by_employee[line["employee_id"]].add(line["date"])
    assert report.missed_days > 0
    assert any(len(days) < WORKDAYS for days in days_by_employee.values())

    absent = store.search("hr.employee", [("name", "=", report.absent_consultant)])
    weeks = [dt.date.fromisoformat(w) for w in report.absent_weeks]
    absent_days = {w + dt.timedelta(days=d) for w in weeks for d in range(5)}
    logged = {dt.date.fromisoformat(d) for d in days_by_employee[absent[0]]}
    assert len(weeks) == 2 and not logged & absent_days


def test_progress_is_reported_while_generating() -> None:
    messages: list[str] = []
    generate(Store(), seed=3, today=TODAY, progress=messages.append, **SMALL)
    assert messages[0] == "scenario: reference data"
    assert messages[-1].endswith("timesheet lines")


def test_bench_preset_matches_the_performance_target() -> None:
    assert PRESETS["bench"]["projects"] * PRESETS["bench"]["tasks_per_project"] == 5_000


# A firm of the default preset's size: enough projects for the budget mix to show.
MIX = {"consultants": 40, "projects": 25, "tasks_per_project": 8, "weeks": 12}


@pytest.fixture(scope="module")
def mixed_firm() -> tuple[Store, ScenarioReport]:
    store = Store()
    return store, generate(store, seed=1, today=TODAY, **MIX)


def _burn_by_project(store: Store, report: ScenarioReport) -> dict[int, float]:
    """Logged hours over allocated hours per project, as the risk dashboard reads them."""
    logged: dict[int, float] = defaultdict(float)
    for line in _timesheets(store, report):
        logged[line["project_id"]] += line["unit_amount"]
    burn = {}
    for project_id in report.project_ids:
        allocated = store.get("project.project", project_id)["allocated_hours"]
        assert allocated > 0
        burn[project_id] = logged[project_id] / allocated
    return burn


def test_project_names_are_unique_within_the_firm(
    mixed_firm: tuple[Store, ScenarioReport],
) -> None:
    store, report = mixed_firm
    names = [store.get("project.project", p)["name"] for p in report.project_ids]
    assert len(set(names)) == len(names) == 25


def test_project_allocation_is_the_sum_of_its_tasks(
    mixed_firm: tuple[Store, ScenarioReport],
) -> None:
    store, report = mixed_firm
    for project_id in report.project_ids:
        tasks = store.search("project.task", [("project_id", "=", project_id)])
        hours = [store.get("project.task", t)["allocated_hours"] for t in tasks]
        assert all(h > 0 for h in hours)
        assert store.get("project.project", project_id)["allocated_hours"] == sum(hours)


def test_most_projects_log_40_to_95_percent_of_their_allocation(
    mixed_firm: tuple[Store, ScenarioReport],
) -> None:
    store, report = mixed_firm
    burn = _burn_by_project(store, report)
    healthy = [p for p in report.project_ids if p not in report.troubled_projects]
    within = [p for p in healthy if 0.38 <= burn[p] <= 0.97]  # rounding to whole hours
    assert len(within) == len(healthy) >= 20


def test_a_few_projects_are_troubled_and_the_over_budget_ones_overrun(
    mixed_firm: tuple[Store, ScenarioReport],
) -> None:
    store, report = mixed_firm
    burn = _burn_by_project(store, report)
    assert 3 <= len(report.troubled_projects) <= 5
    over = [p for p, kind in report.troubled_projects.items() if kind == "over budget"]
    assert over and all(burn[p] > 1.1 for p in over)
    assert sum(b > 1.0 for b in burn.values()) == len(over)
