"""The staffing rules: what a request must say, and what a booking may not break.

Forms, services and the API all call these functions, so a rule lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q

from portal.odoo.models import Project
from portal.staffing.capacity import (
    ZERO,
    spread_weekly,
    weekly_hours_by_calendar,
    weekly_loads,
    weekly_overrun,
    weeks_text,
)
from portal.staffing.models import (
    ConsultantProfile,
    JobRole,
    RateCard,
    Skill,
)

PCT = Decimal("0.1")


@dataclass(frozen=True)
class SkillNeed:
    name: str
    min_level: int
    required: bool = True


@dataclass
class RequestInput:
    """What a project manager asks for; hours come as per week or as a total."""

    job_role: JobRole | None
    start_date: date | None
    end_date: date | None
    hours_per_week: Decimal | None = None
    total_hours: Decimal | None = None
    bill_rate: Decimal | None = None
    currency: str = ""
    booking_type: str = "soft"
    notes: str = ""
    skills: list[SkillNeed] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)


def client_id_of(project: Project) -> int | None:
    """The Odoo partner id of the project's client company."""
    partner = project.partner if project.partner_id else None
    if partner is None:
        return None
    return partner.commercial_partner_id or partner.pk


def rate_card_for(
    job_role_id: int, currency: str, day: date, client_id: int | None
) -> RateCard | None:
    """The card in force on `day`: the client's override first, then the general card."""
    cards = (
        RateCard.objects.filter(job_role_id=job_role_id, currency=currency)
        .effective_on(day)
        .filter(Q(client_partner_id__isnull=True) | Q(client_partner_id=client_id))
    )
    best = None
    for card in cards:
        if best is None or _card_key(card) > _card_key(best):
            best = card
    return best


def _card_key(card: RateCard) -> tuple[bool, date]:
    return (card.client_partner_id is not None, card.valid_from)


def parse_skills(text: str, *, required: bool) -> tuple[list[SkillNeed], list[str]]:
    """Parse "Django:4, PostgreSQL" (level defaults to 3) into needs, with errors."""
    needs: list[SkillNeed] = []
    errors: list[str] = []
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        name, _, level_text = raw.partition(":")
        level_text = level_text.strip() or "3"
        if not level_text.isdigit() or not 1 <= int(level_text) <= 5:
            errors.append(f"“{raw}”: the level after the colon must be a whole number from 1 to 5.")
            continue
        needs.append(SkillNeed(name.strip(), int(level_text), required))
    return needs, errors


def check_request_input(
    project: Project, data: RequestInput, *, today: date
) -> list[tuple[str | None, str]]:
    """Every problem with a request, as (field, message) pairs saying what to fix."""
    errors: list[tuple[str | None, str]] = []
    if not project.active or project.deleted_in_odoo:
        errors.append((None, f"Project “{project.name}” is archived; staff an active project."))
    if data.job_role is None:
        errors.append(("job_role", "Choose the role you need."))
    if data.start_date and data.start_date < today:
        errors.append(("start_date", f"The start date is in the past; use {today} or later."))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors.append(("end_date", "The end date is before the start date."))
    hours = data.hours_per_week if data.hours_per_week is not None else data.total_hours
    if hours is None:
        errors.append(("hours_per_week", "Give the hours per week or the total hours."))
    elif hours <= 0:
        name = "hours_per_week" if data.hours_per_week is not None else "total_hours"
        errors.append((name, "Hours must be more than zero."))
    elif data.hours_per_week is not None and data.hours_per_week > 80:
        errors.append(("hours_per_week", "More than 80 hours a week is not a plan; split it."))
    if data.bill_rate is not None and data.bill_rate < 0:
        errors.append(("bill_rate", "The bill rate cannot be negative."))
    if data.booking_type not in ("soft", "firm"):
        errors.append(("booking_type", "Choose a soft hold or a firm booking."))

    # The skill list is short (tens of names); compare without case in Python.
    known = {name.lower() for name in Skill.objects.values_list("name", flat=True)}
    for need in data.skills:
        if need.name.lower() not in known:
            field_name = "required_skills" if need.required else "optional_skills"
            errors.append((field_name, f"There is no skill called “{need.name}”; check the name."))

    if data.job_role is not None and data.currency and data.start_date:
        card = rate_card_for(
            data.job_role.pk, data.currency, data.start_date, client_id_of(project)
        )
        if card is None:
            currencies = sorted(
                set(
                    RateCard.objects.filter(job_role=data.job_role).values_list(
                        "currency", flat=True
                    )
                )
            )
            hint = f" (cards exist in {', '.join(currencies)})" if currencies else ""
            errors.append(
                (
                    "currency",
                    f"There is no rate card for {data.job_role} in {data.currency}"
                    f"{hint}; use a currency with a card or ask for a card first.",
                )
            )
    if data.task_ids:
        found = set(
            project.tasks.filter(pk__in=data.task_ids, deleted_in_odoo=False).values_list(
                "pk", flat=True
            )
        )
        missing = sorted(set(data.task_ids) - found)
        if missing:
            errors.append(("task_ids", f"Tasks {missing} are not tasks of this project."))
    return errors


# --- booking checks ----------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    code: str  # capacity, ceiling, skills, rate, dates
    label: str  # "Utilisation after booking"
    value: str  # "112% (ceiling 100%)"

    @property
    def message(self) -> str:
        return f"{self.label}: {self.value}"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "value": self.value}


@dataclass
class BookingCheck:
    """The numbers of one proposed booking and the rules it breaks."""

    hours: Decimal
    capacity_hours: Decimal
    load_hours: Decimal  # bookings and task load already there, in the booking's weeks
    overrun_hours: Decimal  # sum over weeks of the hours above capacity
    utilisation_pct: Decimal
    ceiling_pct: Decimal
    card_rate: Decimal | None
    rate_deviation_pct: Decimal | None
    missing_skills: list[str]
    outside_project_dates: bool
    violations: list[Violation]

    @property
    def free_hours(self) -> Decimal:
        return max(self.capacity_hours - self.load_hours, ZERO)

    @property
    def overrun_pct(self) -> Decimal:
        if not self.capacity_hours:
            return Decimal("100") if self.overrun_hours else ZERO
        return _pct(self.overrun_hours, self.capacity_hours)

    def as_facts(self) -> dict[str, Any]:
        return {
            "hours": str(self.hours),
            "capacity_hours": str(self.capacity_hours),
            "load_hours": str(self.load_hours),
            "free_hours": str(self.free_hours),
            "capacity_overrun_hours": str(self.overrun_hours),
            "overrun_pct": str(self.overrun_pct),
            "utilisation_pct": str(self.utilisation_pct),
            "ceiling_pct": str(self.ceiling_pct),
            "card_rate": None if self.card_rate is None else str(self.card_rate),
            "rate_deviation_pct": (
                None if self.rate_deviation_pct is None else str(self.rate_deviation_pct)
            ),
            "missing_skills": self.missing_skills,
            "outside_project_dates": self.outside_project_dates,
        }


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(PCT, rounding=ROUND_HALF_UP) if whole else ZERO


def fmt_pct(value: Decimal) -> str:
    return f"{value.normalize():f}%" if value == value.to_integral() else f"{value:.1f}%"


def check_booking(
    profile: ConsultantProfile,
    *,
    project: Project,
    job_role_id: int,
    start: date,
    end: date,
    hours_per_week: Decimal,
    bill_rate: Decimal,
    currency: str,
    skill_needs: list[tuple[int, str, int, bool]],  # (skill id, name, min level, required)
    today: date,
    exclude_request_id: int | None = None,
) -> BookingCheck:
    """Evaluate a booking of `profile` against every rule, week by week."""
    new = spread_weekly(start, end, hours_per_week)
    weeks = sorted(new)
    weekly_cap = weekly_hours_by_calendar([profile.employee.calendar_id])[
        profile.employee.calendar_id
    ]
    per_week = weekly_loads(
        {profile.pk: profile.employee.user_id},
        weeks,
        today,
        exclude_request_id=exclude_request_id,
    )[profile.pk]

    capacity = weekly_cap * len(weeks)
    load = sum(per_week.values(), ZERO).quantize(Decimal("0.01"))
    total_new = sum(new.values(), ZERO)
    overrun, _weeks_over = weekly_overrun(per_week, new, weekly_cap)
    utilisation = _pct(load + total_new, capacity) if capacity else Decimal("999")

    levels = dict(profile.skills.values_list("skill_id", "level"))
    missing = [
        f"{name} ≥{min_level}"
        for skill_id, name, min_level, required in skill_needs
        if required and levels.get(skill_id, 0) < min_level
    ]
    card = rate_card_for(job_role_id, currency, start, client_id_of(project))
    deviation = (
        None
        if card is None or not card.bill_rate
        else _pct(bill_rate - card.bill_rate, card.bill_rate)
    )
    outside = bool(
        (project.date_start and start < project.date_start) or (project.date and end > project.date)
    )

    violations: list[Violation] = []
    if overrun > 0:
        share = _pct(overrun, capacity) if capacity else Decimal(100)
        violations.append(
            Violation(
                "capacity",
                "Capacity exceeded",
                f"by {overrun} h over {weeks_text(len(weeks))} ({fmt_pct(share)} of capacity)",
            )
        )
    if utilisation > profile.utilisation_ceiling_pct:
        violations.append(
            Violation(
                "ceiling",
                "Utilisation after booking",
                f"{fmt_pct(utilisation)} (ceiling {fmt_pct(profile.utilisation_ceiling_pct)})",
            )
        )
    if missing:
        violations.append(
            Violation("skills", "Missing required skills", f"{len(missing)}: {', '.join(missing)}")
        )
    if card is not None and bill_rate < card.bill_rate:
        violations.append(
            Violation(
                "rate",
                "Bill rate below rate card",
                f"{bill_rate} {currency} vs {card.bill_rate} {currency} "
                f"({fmt_pct(deviation or ZERO)})",
            )
        )
    if outside:
        violations.append(
            Violation(
                "dates",
                "Outside the project's dates",
                f"{start} to {end} vs project {project.date_start or '…'} to {project.date or '…'}",
            )
        )
    return BookingCheck(
        hours=total_new.quantize(Decimal("0.01")),
        capacity_hours=capacity,
        load_hours=load,
        overrun_hours=overrun,
        utilisation_pct=utilisation,
        ceiling_pct=profile.utilisation_ceiling_pct,
        card_rate=None if card is None else card.bill_rate,
        rate_deviation_pct=deviation,
        missing_skills=missing,
        outside_project_dates=outside,
        violations=violations,
    )
