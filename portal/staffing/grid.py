"""The capacity grid: people x the next 12 weeks, booked against capacity.

A fixed number of queries whatever the number of people: the profiles (one query, with
role, unit and employee joined), their calendars, their booked hours per week (one
grouped sum) and their Odoo task load (one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef

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


@dataclass(frozen=True)
class Cell:
    week: date
    firm: Decimal
    soft: Decimal
    tasks: Decimal
    capacity: Decimal

    @property
    def booked(self) -> Decimal:
        return self.firm + self.soft + self.tasks

    @property
    def pct(self) -> int:
        return int(self.booked * 100 / self.capacity) if self.capacity else 0

    @property
    def shade(self) -> str:
        """A load band; the template pairs it with the numbers and a text label."""
        pct = self.pct
        if pct > 100:
            return "over"
        if pct >= 85:
            return "full"
        if pct >= 50:
            return "busy"
        return "free" if pct else "empty"

    @property
    def label(self) -> str:
        parts = []
        if self.firm:
            parts.append(f"firm {self.firm:.0f}")
        if self.soft:
            parts.append(f"soft {self.soft:.0f}")
        if self.tasks:
            parts.append(f"tasks {self.tasks:.0f}")
        return ", ".join(parts) or "nothing booked"


@dataclass(frozen=True)
class Row:
    profile: ConsultantProfile
    cells: list[Cell]


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
