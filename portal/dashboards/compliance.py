"""Timesheet compliance: logged hours against working time per ISO week (DESIGN §7).

Working time is computed from the mirrored calendar's weekly attendances placed on the
real days of the week in the employee's time zone: an attendance that spans a DST change
lasts its real length (one hour more or less), not its wall-clock length. Weeks are ISO
weeks from `date.isocalendar()`, so 2026-W53 exists and 2021-W53 does not.

Logged hours are summed per employee and week in the database; Python combines those
sums with each calendar's working time (a few hundred numbers, not timesheet lines).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncWeek

from portal.core.models import BusinessUnit
from portal.odoo.models import Employee, Timesheet

if TYPE_CHECKING:
    from portal.dashboards.kpis import Kpi


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _at(day: date, hour: float, tzinfo: ZoneInfo) -> datetime:
    """The instant of `hour` o'clock local on `day` (24.0 is the next midnight)."""
    whole = int(hour)
    minutes = round((hour - whole) * 60)
    base = datetime(day.year, day.month, day.day, tzinfo=tzinfo)
    # Adding to an aware datetime is wall-clock arithmetic in Python, so build the local
    # time from its fields and let zoneinfo pick the offset of that moment.
    local = (base.replace(tzinfo=None) + timedelta(hours=whole, minutes=minutes)).replace(
        tzinfo=tzinfo
    )
    return local


def expected_hours(attendances: list[dict[str, Any]], tz_name: str | None, monday: date) -> Decimal:
    """Working hours of the ISO week starting `monday` under `attendances`, in real time."""
    tzinfo = zone(tz_name)
    seconds = 0.0
    for line in attendances or []:
        if line.get("display_type"):  # section lines of the calendar form, not time
            continue
        try:
            weekday = int(line["dayofweek"])
            start, end = float(line["hour_from"]), float(line["hour_to"])
        except (KeyError, TypeError, ValueError):
            continue
        day = monday + timedelta(days=weekday)
        begin, finish = _at(day, start, tzinfo), _at(day, end, tzinfo)
        seconds += (
            finish.astimezone(ZoneInfo("UTC")) - begin.astimezone(ZoneInfo("UTC"))
        ).total_seconds()
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


@lru_cache(maxsize=4096)
def _expected_cached(key: str, tz_name: str | None, monday: date, raw: str) -> Decimal:
    import json

    return expected_hours(json.loads(raw), tz_name, monday)


def logged_by_week(
    employee_ids: list[int], first: date, last: date
) -> dict[tuple[int, date], Decimal]:
    """Hours logged per (employee, ISO week Monday), summed in the database."""
    rows = (
        Timesheet.objects.filter(
            employee_id__in=employee_ids, date__range=(first, last), deleted_in_odoo=False
        )
        .annotate(_week=TruncWeek("date"))
        .order_by()
        .values("employee_id", "_week")
        .annotate(_hours=Sum("unit_amount"))
        .values_list("employee_id", "_week", "_hours")
    )
    out: dict[tuple[int, date], Decimal] = {}
    for employee_id, week, total in rows:
        day = week.date() if isinstance(week, datetime) else week
        out[(employee_id, day)] = Decimal(total or 0)
    return out


def compliance_kpi(
    definition: tuple[str, str, str, str],
    weeks: list[date],
    units: dict[int, str],
    unit_ids: list[int] | None,
    today: date,
) -> Kpi:
    """The compliance KPI over `weeks` (only finished weeks get a value)."""
    import json

    from portal.dashboards.kpis import NO_UNIT, Kpi, Point, week_label

    label, unit, better, text = definition
    kpi = Kpi("compliance", label, unit, text, better)
    this_monday = today - timedelta(days=today.weekday())
    finished = [w for w in weeks if w < this_monday]

    company_units = dict(
        BusinessUnit.objects.filter(odoo_company_id__isnull=False).values_list(
            "odoo_company_id", "pk"
        )
    )
    people = list(
        Employee.objects.filter(active=True, deleted_in_odoo=False, calendar__isnull=False)
        .values_list(
            "pk", "tz", "calendar_id", "calendar__tz", "calendar__attendances", "company_id",
            "consultant_profile__business_unit_id",
        )
    )  # fmt: skip
    logged = (
        logged_by_week([p[0] for p in people], finished[0], this_monday - timedelta(days=1))
        if finished and people
        else {}
    )
    week_sum: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    unit_sum: dict[int | None, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    counted: dict[date, int] = defaultdict(int)
    for pk, emp_tz, cal_id, cal_tz, attendances, company_id, profile_unit in people:
        unit_id = profile_unit or company_units.get(company_id)
        if unit_ids is not None and unit_id not in unit_ids:
            continue
        raw = json.dumps(attendances or [], sort_keys=True)
        for monday in finished:
            expected = _expected_cached(str(cal_id), emp_tz or cal_tz, monday, raw)
            if expected <= 0:
                continue
            done = min(logged.get((pk, monday), Decimal(0)), expected)
            for bucket in (week_sum[monday], unit_sum[unit_id]):
                bucket[0] += done
                bucket[1] += expected
            counted[monday] += 1

    def pct(pair: list[Decimal] | None) -> Decimal | None:
        if not pair or pair[1] <= 0:
            return None
        return (pair[0] * 100 / pair[1]).quantize(Decimal("0.1"))

    kpi.weekly = [Point(week_label(w), pct(week_sum.get(w)), counted.get(w, 0), w) for w in weeks]
    kpi.by_unit = sorted(
        (
            Point(units.get(u, NO_UNIT) if u else NO_UNIT, pct(pair), 0)
            for u, pair in unit_sum.items()
        ),
        key=lambda p: p.label,
    )
    total = [sum((p[0] for p in week_sum.values()), Decimal(0)),
             sum((p[1] for p in week_sum.values()), Decimal(0))]  # fmt: skip
    kpi.value = pct(total)
    kpi.count = sum(counted.values())
    kpi.note = "employee-weeks"
    return kpi
