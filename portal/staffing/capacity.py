"""Capacity arithmetic: weeks, working calendars, Odoo task load, booked hours per week.

Everything is counted in ISO weeks (a week is named by its Monday). A person's weekly
capacity is the weekly hours of their Odoo working calendar; their load in a week is
the portal bookings (soft and firm) plus their share of open Odoo tasks.

Known limitation: public holidays and leave are not mirrored from Odoo yet, so capacity
is the calendar's regular week (acceptable until the gateway mirrors resource.calendar.leaves).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, FloatField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce

from portal.odoo.models import Task, WorkCalendar
from portal.staffing.models import BookingWeek

DEFAULT_WEEKLY_HOURS = Decimal("40")
PLANNING_WEEKS = 12
# Open tasks without a deadline ahead have their remaining hours spread over the
# planning horizon: the work is still owed, and 12 weeks is what the capacity view shows.
TASK_SPREAD_WEEKS = PLANNING_WEEKS
CLOSED_TASK_STATES = ("1_done", "1_canceled", "done", "cancelled")
ZERO = Decimal("0")
CENT = Decimal("0.01")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_between(start: date, end: date) -> list[date]:
    """Mondays of every ISO week touched by [start, end]."""
    first, last = monday(start), monday(end)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def next_weeks(today: date, count: int = PLANNING_WEEKS) -> list[date]:
    first = monday(today)
    return [first + timedelta(weeks=i) for i in range(count)]


def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days in [start, end]."""
    if end < start:
        return 0
    full_weeks, rest = divmod((end - start).days + 1, 7)
    days = full_weeks * 5
    for offset in range(rest):
        if (start + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            days += 1
    return days


def spread_weekly(start: date, end: date, hours_per_week: Decimal) -> dict[date, Decimal]:
    """Hours per ISO week of a booking; a partial week gets its share of working days."""
    spread: dict[date, Decimal] = {}
    for week in weeks_between(start, end):
        days = working_days(max(start, week), min(end, week + timedelta(days=6)))
        if days:
            spread[week] = (hours_per_week * days / 5).quantize(CENT)
    return spread


def weekly_from_total(start: date, end: date, total_hours: Decimal) -> Decimal:
    days = working_days(start, end)
    return (total_hours * 5 / days).quantize(CENT) if days else ZERO


def total_from_weekly(start: date, end: date, hours_per_week: Decimal) -> Decimal:
    return (hours_per_week * working_days(start, end) / 5).quantize(CENT)


def calendar_weekly_hours(calendar: WorkCalendar | None) -> Decimal:
    """Regular weekly hours of an Odoo working calendar (40 without one)."""
    if calendar is None:
        return DEFAULT_WEEKLY_HOURS
    rows = calendar.attendances or []
    if not rows:
        return (calendar.hours_per_day or Decimal("8")) * 5
    total = sum(
        (Decimal(str(r.get("hour_to", 0))) - Decimal(str(r.get("hour_from", 0))) for r in rows),
        ZERO,
    )
    # Two-week calendars list both weeks (week_type "0" and "1"): average them.
    if any(str(r.get("week_type") or "") in ("0", "1") for r in rows):
        total /= 2
    return total.quantize(CENT)


def weekly_hours_by_calendar(calendar_ids: Iterable[int | None]) -> dict[int | None, Decimal]:
    """Weekly hours for each calendar id (one query); None maps to the default."""
    ids = {c for c in calendar_ids if c is not None}
    result: dict[int | None, Decimal] = {None: DEFAULT_WEEKLY_HOURS}
    for calendar in WorkCalendar.objects.filter(pk__in=ids):
        result[calendar.pk] = calendar_weekly_hours(calendar)
    return result


def _open_assignments(odoo_user_ids: set[int] | None) -> Any:
    """(Odoo user, task) pairs of open tasks with hours left, with the task's assignee count."""
    through = Task.assignees.through
    assignee_count = (
        through.objects.filter(task_id=OuterRef("task_id"))
        .values("task_id")
        .annotate(n=Count("*"))
        .values("n")  # type: ignore[misc]  # the auto-created through model is untyped
    )
    rows = (
        through.objects.filter(
            task__active=True,
            task__deleted_in_odoo=False,
            task__allocated_hours__gt=Coalesce("task__effective_hours", Value(ZERO)),
        )
        .exclude(task__state__in=CLOSED_TASK_STATES)
        .filter(Q(task__stage__isnull=True) | Q(task__stage__fold=False))
    )
    if odoo_user_ids is not None:
        rows = rows.filter(odoouser_id__in=sorted(odoo_user_ids))
    return rows.annotate(sharers=Subquery(assignee_count))


def _task_span(deadline: datetime | None, this_week: date) -> int:
    if deadline is not None and monday(deadline.date()) >= this_week:
        return (monday(deadline.date()) - this_week).days // 7 + 1
    return TASK_SPREAD_WEEKS


def task_load(
    odoo_user_ids: set[int] | None, weeks: list[date], today: date
) -> dict[int, dict[date, Decimal]]:
    """Hours per Odoo user and week from open Odoo tasks they are assigned to (one query).

    How: a task's remaining hours (allocated - spent) are shared equally among its
    assignees and spread evenly over the weeks from this week to the week of its
    deadline; a task with no deadline ahead is spread over the next TASK_SPREAD_WEEKS.
    Weeks before this week carry no task load.
    """
    this_week = monday(today)
    wanted = [w for w in weeks if w >= this_week]
    load: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    if not wanted:
        return load
    for user_id, allocated, effective, deadline, sharers in _open_assignments(
        odoo_user_ids
    ).values_list(
        "odoouser_id",
        "task__allocated_hours",
        "task__effective_hours",
        "task__date_deadline",
        "sharers",
    ):
        remaining = (allocated - (effective or ZERO)) / max(sharers or 1, 1)
        span = _task_span(deadline, this_week)
        per_week = remaining / span
        last = this_week + timedelta(weeks=span - 1)
        for week in wanted:
            if week <= last:
                load[user_id][week] += per_week
    return load


def task_hours(
    odoo_user_ids: set[int] | None, weeks: list[date], today: date
) -> dict[int, dict[date, float]]:
    """`task_load` in floats, for ranking and the capacity grid (shown as whole hours).

    Hours arrive as floats from the database (a cast in SQL), so no Decimal is built per
    row; the booking rules keep the exact `task_load`.
    """
    this_week = monday(today)
    wanted = [w for w in weeks if w >= this_week]
    load: dict[int, dict[date, float]] = {}
    if not wanted:
        return load
    for user_id, allocated, effective, deadline, sharers in (
        _open_assignments(odoo_user_ids)
        .annotate(
            allocated_f=Cast("task__allocated_hours", FloatField()),
            effective_f=Cast("task__effective_hours", FloatField()),
        )
        .values_list("odoouser_id", "allocated_f", "effective_f", "task__date_deadline", "sharers")
    ):
        span = _task_span(deadline, this_week)
        per_week = (allocated - (effective or 0.0)) / max(sharers or 1, 1) / span
        last = this_week + timedelta(weeks=span - 1)
        mine = load.setdefault(user_id, {})
        for week in wanted:
            if week <= last:
                mine[week] = mine.get(week, 0.0) + per_week
    return load


def weeks_text(count: int) -> str:
    return f"{count} week" if count == 1 else f"{count} weeks"


def weekly_loads(
    profiles: dict[int, int | None],
    weeks: list[date],
    today: date,
    *,
    exclude_request_id: int | None = None,
) -> dict[int, dict[date, Decimal]]:
    """Hours already taken per profile and week: bookings (soft and firm) plus Odoo tasks.

    `profiles` maps profile ids to their Odoo user ids. The booking check and the
    candidate panel both count with this function, so the panel shows what booking finds
    (two queries: booked weeks, task assignments).
    """
    loads: dict[int, dict[date, Decimal]] = {pk: {w: ZERO for w in weeks} for pk in profiles}
    if not profiles or not weeks:
        return loads
    rows = BookingWeek.objects.filter(consultant_id__in=sorted(profiles), week_start__in=weeks)
    if exclude_request_id is not None:
        rows = rows.exclude(booking__request_id=exclude_request_id)
    for profile_id, week, hours in rows.values_list("consultant_id", "week_start", "hours"):
        loads[profile_id][week] += hours
    user_ids = {u for u in profiles.values() if u is not None}
    if user_ids:
        tasks = task_load(user_ids, weeks, today)
        for profile_id, user_id in profiles.items():
            for week, hours in tasks.get(user_id, {}).items() if user_id is not None else ():
                loads[profile_id][week] += hours
    return loads


def weekly_overrun(
    load: dict[date, Decimal], new: dict[date, Decimal], weekly_capacity: Decimal
) -> tuple[Decimal, int]:
    """Hours above capacity, summed week by week, and the number of weeks over.

    Per week, not over the whole span: free hours in a later week do not make room in a
    full one.
    """
    over = [max(load.get(w, ZERO) + h - weekly_capacity, ZERO) for w, h in new.items()]
    return sum(over, ZERO).quantize(CENT), sum(1 for o in over if o > 0)


def booked_by_week(
    profile_ids: Iterable[int] | None, weeks: list[date]
) -> dict[int, dict[date, tuple[float, float]]]:
    """(firm, soft) booked hours per profile and week, summed in the database (one query).

    Floats, cast in SQL: the grid shows whole hours, and 6,000 Decimal conversions per
    page cost more than the sum itself.
    """
    hours = Cast("hours", FloatField())
    rows = BookingWeek.objects.filter(week_start__in=weeks)
    if profile_ids is not None:
        rows = rows.filter(consultant_id__in=list(profile_ids))
    result: dict[int, dict[date, tuple[float, float]]] = defaultdict(dict)
    for profile_id, week, firm, soft in (
        rows.values("consultant_id", "week_start")
        .annotate(firm_h=Sum(hours, filter=Q(firm=True)), soft_h=Sum(hours, filter=Q(firm=False)))
        .values_list("consultant_id", "week_start", "firm_h", "soft_h")
    ):
        result[profile_id][week] = (firm or 0.0, soft or 0.0)
    return result
