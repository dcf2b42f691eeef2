"""The capacity grid: people x the next 12 weeks, booked against capacity.

A fixed number of queries whatever the number of people: the profiles (one query, with
role and employee joined, as tuples), their calendars, their booked hours per week (one
grouped sum) and their Odoo task load (one query). No model instance or Decimal is built
per person or cell: hours arrive as floats (cast in SQL) and are shown as whole hours,
and each row's cells are rendered to HTML here from plain numbers.
"""

from __future__ import annotations

import functools
from datetime import date

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.core.models import BusinessUnit, User
from portal.staffing.access import CAPACITY_READERS
from portal.staffing.capacity import (
    booked_by_week,
    next_weeks,
    task_hours,
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


def _percent(booked: float, capacity: float) -> int:
    # Rounded to 6 places first so that float noise (84.99999…) does not drop a band.
    return int(round(booked * 100 / capacity, 6)) if capacity else 0


class Cell:
    """One person-week: hours booked (firm, soft, Odoo tasks) against capacity."""

    __slots__ = ("booked", "capacity", "firm", "label", "pct", "shade", "soft", "tasks", "week")

    def __init__(self, week: date, firm: float, soft: float, tasks: float, capacity: float) -> None:
        self.week, self.firm, self.soft, self.tasks, self.capacity = (
            week,
            firm,
            soft,
            tasks,
            capacity,
        )
        self.booked = firm + soft + tasks
        self.pct = _percent(self.booked, capacity)
        self.shade = _shade(self.pct)
        parts = [
            f"{name} {hours:.0f}"
            for name, hours in (("firm", firm), ("soft", soft), ("tasks", tasks))
            if hours
        ]
        self.label = ", ".join(parts) or "nothing booked"


class _CellHtml:
    """Shared by a grid's rows: cell URLs split around the person id, and the HTML of each
    distinct (firm, soft, tasks, capacity) cell, built once; most cells repeat one."""

    def __init__(self, weeks: list[date]) -> None:
        head, tail = _cell_url_pattern().split("/0/", 1)
        self.head = f"{head}/"
        self.tails = [f"/{tail.replace(WEEK_PLACEHOLDER, w.isoformat())}" for w in weeks]
        self.memo: dict[tuple[float, float, float, float], tuple[str, str]] = {}

    def parts(self, firm: float, soft: float, tasks: float, capacity: float) -> tuple[str, str]:
        """The cell's HTML before and after its URL (the URL goes in href and hx-get)."""
        key = (firm, soft, tasks, capacity)
        found = self.memo.get(key)
        if found is None:
            cell = Cell(WEEK, firm, soft, tasks, capacity)
            keys = ""
            if firm:
                keys += ' <span class="cap-key firm">F</span>'
            if soft:
                keys += ' <span class="cap-key soft">S</span>'
            if tasks:
                keys += ' <span class="cap-key tasks">T</span>'
            if cell.shade == "over":
                keys += ' <span class="over-label">over</span>'
            found = self.memo[key] = (
                f'<td class="cap {cell.shade}{" has-soft" if soft else ""}"><a href="',
                f'" hx-target="#capacity-cell" title="{cell.label}">'
                f"{cell.booked:.0f}/{capacity:.0f}{keys}</a></td>",
            )
        return found


class Row:
    """One person: plain values (no model instance) and (firm, soft, tasks) per week."""

    __slots__ = ("capacity", "hours", "html_parts", "name", "profile_id", "role_name", "weeks")

    def __init__(
        self,
        profile_id: int,
        name: str,
        role_name: str | None,
        capacity: float,
        weeks: list[date],
        hours: list[tuple[float, float, float]],
        html_parts: _CellHtml,
    ) -> None:
        self.profile_id, self.name, self.role_name = profile_id, name, role_name or ""
        self.capacity, self.weeks, self.hours = capacity, weeks, hours
        self.html_parts = html_parts

    @property
    def cells(self) -> list[Cell]:
        """The cells as objects (for code and tests; the page uses `cells_html`)."""
        return [
            Cell(week, firm, soft, tasks, self.capacity)
            for week, (firm, soft, tasks) in zip(self.weeks, self.hours, strict=True)
        ]

    def cells_html(self) -> SafeString:
        """The row's cells as HTML, built here: 6,000 template cells cost seconds.

        Nothing needs escaping: URLs are built from ids and dates, texts from numbers.
        """
        shared = self.html_parts
        base = f"{shared.head}{self.profile_id}"
        capacity = self.capacity
        parts = []
        for tail, (firm, soft, tasks) in zip(shared.tails, self.hours, strict=True):
            before, after = shared.parts(firm, soft, tasks, capacity)
            href = base + tail
            parts.append(f'{before}{href}" hx-get="{href}{after}')
        return mark_safe("".join(parts))  # noqa: S308 (ids, dates and numbers only)

    def html(self) -> SafeString:
        """The whole table row: name, role and cells."""
        return mark_safe(  # noqa: S308 (name and role escaped, cells are numbers)
            f'<tr><th scope="row">{escape(self.name)}<br><small class="muted">'
            f"{escape(self.role_name)}</small></th>{self.cells_html()}</tr>"
        )


WEEK_PLACEHOLDER = "2000-01-03"
WEEK = date(2000, 1, 3)  # any week: a memoised cell's HTML does not depend on it


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
    profiles = visible_profiles(user)
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
    people = list(
        profiles.order_by("name", "pk").values_list(
            "pk", "name", "job_role__name", "employee__calendar_id", "employee__user_id"
        )
    )

    capacity_of = {k: float(v) for k, v in weekly_hours_by_calendar({p[3] for p in people}).items()}
    booked = booked_by_week([p[0] for p in people], week_list)
    user_ids = {p[4] for p in people if p[4] is not None}
    tasks = task_hours(user_ids, week_list, today) if user_ids else {}

    rows = []
    html_parts = _CellHtml(week_list)
    nothing: dict[date, float] = {}
    for pk, name, role_name, calendar_id, odoo_user_id in people:
        mine = booked.get(pk, {})
        load = tasks.get(odoo_user_id, nothing) if odoo_user_id is not None else nothing
        hours = []
        for week in week_list:
            firm, soft = mine.get(week, (0.0, 0.0))
            hours.append((firm, soft, load.get(week, 0.0)))
        weekly = capacity_of.get(calendar_id, capacity_of[None])
        rows.append(Row(pk, name, role_name, weekly, week_list, hours, html_parts))
    return week_list, rows
