"""Business hours: SLA clocks run on the approver's Odoo working calendar.

The calendar comes from the mirror (`Employee.calendar`, linked by
`User.odoo_employee_id`); without one, Monday-Friday 9-17 in settings.TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings

# (weekday 0=Monday, start hour, end hour) in local time
Windows = list[tuple[int, float, float]]
DEFAULT_WINDOWS: Windows = [(d, 9.0, 17.0) for d in range(5)]


def calendar_for(user_id: int | None) -> tuple[Windows, ZoneInfo]:
    """The working windows and time zone of a user; the default when none is mirrored."""
    default_tz = ZoneInfo(settings.TIME_ZONE)
    if user_id is None:
        return DEFAULT_WINDOWS, default_tz
    # Looked up through the app registry: approvals depends on core only, and the
    # calendar is optional data the mirror may or may not hold.
    user_model = apps.get_model("core", "User")
    employee_id = (
        user_model.objects.filter(pk=user_id).values_list("odoo_employee_id", flat=True).first()
    )
    if not employee_id or not apps.is_installed("portal.odoo"):
        return DEFAULT_WINDOWS, default_tz
    employee = (
        apps.get_model("odoo", "Employee")
        .objects.filter(pk=employee_id)
        .select_related("calendar")
        .first()
    )
    calendar = getattr(employee, "calendar", None)
    if employee is None or calendar is None or not calendar.attendances:
        return DEFAULT_WINDOWS, default_tz
    windows = [
        (int(a["dayofweek"]), float(a["hour_from"]), float(a["hour_to"]))
        for a in calendar.attendances
        if float(a["hour_to"]) > float(a["hour_from"])
    ]
    tz_name = calendar.tz or employee.tz or settings.TIME_ZONE
    try:
        tz = ZoneInfo(tz_name)
    except (KeyError, ValueError):
        tz = default_tz
    return (windows or DEFAULT_WINDOWS), tz


def _hour(day: dt.date, hour: float, tz: ZoneInfo) -> dt.datetime:
    minutes = round(hour * 60)
    naive = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minutes)
    # Wall-clock times are resolved in the calendar's zone, so DST days stay 9-17.
    return naive.replace(tzinfo=tz)


def add_business_hours(
    start: dt.datetime, hours: float, windows: Windows, tz: ZoneInfo
) -> dt.datetime:
    """The instant `hours` working hours after `start`."""
    remaining = dt.timedelta(hours=hours)
    local = start.astimezone(tz)
    day = local.date()
    for _ in range(3660):  # ten years of days: a calendar with no windows cannot hang
        for _weekday, h_from, h_to in sorted(w for w in windows if w[0] == day.weekday()):
            w_start, w_end = _hour(day, h_from, tz), _hour(day, h_to, tz)
            begin = max(w_start, local)
            if begin >= w_end:
                continue
            available = w_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(dt.UTC)
            remaining -= available
        day += dt.timedelta(days=1)
        local = _hour(day, 0, tz)
    raise ValueError("The working calendar has no working hours.")


def due_at(start: dt.datetime, hours: float, user_id: int | None) -> dt.datetime:
    windows, tz = calendar_for(user_id)
    return add_business_hours(start, hours, windows, tz)
