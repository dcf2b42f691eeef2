"""The capacity grid: people x the next 12 weeks, booked against capacity.

A fixed number of queries whatever the number of people: the profiles (one query, with
role, unit and employee joined), their calendars, their booked hours per week (one
grouped sum) and their Odoo task load (one query).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from portal.core.models import BusinessUnit, User
from portal.staffing.access import CAPACITY_READERS
from portal.staffing.capacity import (
    ZERO,
    booked_by_week,
    next_weeks,
    task_load,
    weekly_hours_by_calendar,
)
from portal.staffing.models import (
    ConsultantProfile,
    ConsultantProfileQuerySet,
    ConsultantSkill,
    JobRole,
    Skill,
)


def _shade(pct: float) -> str:
    """A load band; always shown together with the numbers and a text label."""
    if pct > 100:
        return "over"
    if pct >= 85:
        return "full"
    if pct >= 50:
        return "busy"
    return "free" if pct else "empty"


class Cell:
    """One person-week: hours booked (firm, soft, Odoo tasks) against capacity."""

    __slots__ = ("booked", "capacity", "firm", "label", "pct", "shade", "soft", "tasks", "week")

    def __init__(
        self, week: date, firm: Decimal, soft: Decimal, tasks: Decimal, capacity: Decimal
    ) -> None:
        self.week, self.firm, self.soft, self.tasks, self.capacity = (
            week,
            firm,
            soft,
            tasks,
            capacity,
        )
        self.booked = firm + soft + tasks
        self.pct = int(self.booked * 100 / capacity) if capacity else 0
        self.shade = _shade(self.pct)
        parts = [
            f"{name} {hours:.0f}"
            for name, hours in (("firm", firm), ("soft", soft), ("tasks", tasks))
            if hours
        ]
        self.label = ", ".join(parts) or "nothing booked"


@dataclass(frozen=True)
class Row:
    profile: ConsultantProfile
    cells: list[Cell]

    def cells_html(self) -> SafeString:
        """The row's cells as HTML, built here: 6,000 template cells cost seconds.

        Nothing needs escaping: URLs are built from ids and dates, texts from numbers.
        """
        parts = []
        base = _cell_url_pattern().replace("/0/", f"/{self.profile.pk}/", 1)
        for cell in self.cells:
            href = base.replace(WEEK_PLACEHOLDER, cell.week.isoformat())
            keys = ""
            if cell.firm:
                keys += ' <span class="cap-key firm">F</span>'
            if cell.soft:
                keys += ' <span class="cap-key soft">S</span>'
            if cell.tasks:
                keys += ' <span class="cap-key tasks">T</span>'
            if cell.shade == "over":
                keys += ' <span class="over-label">over</span>'
            parts.append(
                f'<td class="cap {cell.shade}{" has-soft" if cell.soft else ""}">'
                f'<a href="{href}" hx-get="{href}" hx-target="#capacity-cell" '
                f'title="{cell.label}">{cell.booked:.0f}/{cell.capacity:.0f}{keys}</a></td>'
            )
        return mark_safe("".join(parts))  # noqa: S308 (ids, dates and numbers only)


WEEK_PLACEHOLDER = "2000-01-03"


@functools.cache
def _cell_url_pattern() -> str:
    # reverse() once, then fill in: 6,000 reverse() calls would dominate the page.
    return reverse("staffing:capacity_cell", args=[0, WEEK_PLACEHOLDER])


def visible_profiles(user: User) -> ConsultantProfileQuerySet:
    return ConsultantProfile.objects.active().in_units_of(user, list(CAPACITY_READERS))


def capacity_grid(
    user: User,
    *,
    today: date,
    role: JobRole | None = None,
    skill: Skill | None = None,
    min_level: int = 1,
    unit: BusinessUnit | None = None,
    weeks: int = 12,
) -> tuple[list[date], list[Row]]:
    week_list = next_weeks(today, weeks)
    profiles = visible_profiles(user).select_related("employee", "job_role", "business_unit")
    if role is not None:
        profiles = profiles.filter(job_role=role)
    if unit is not None:
        profiles = profiles.filter(business_unit=unit)
    if skill is not None:
        profiles = profiles.filter(
            Exists(
                ConsultantSkill.objects.filter(
                    profile_id=OuterRef("pk"), skill=skill, level__gte=min_level
                )
            )
        )
    people = list(profiles.order_by("name", "pk"))

    capacity_of = weekly_hours_by_calendar({p.employee.calendar_id for p in people})
    booked = booked_by_week([p.pk for p in people], week_list)
    user_ids = {p.employee.user_id for p in people if p.employee.user_id is not None}
    tasks = task_load(user_ids, week_list, today) if user_ids else {}

    rows = []
    for person in people:
        weekly = capacity_of.get(person.employee.calendar_id, capacity_of[None])
        mine = booked.get(person.pk, {})
        load = tasks.get(person.employee.user_id or -1, {})
        cells = []
        for week in week_list:
            firm, soft = mine.get(week, (ZERO, ZERO))
            cells.append(Cell(week, firm, soft, load.get(week, ZERO), weekly))
        rows.append(Row(person, cells))
    return week_list, rows
