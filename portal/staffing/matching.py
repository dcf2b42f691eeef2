"""Candidate matching: rank consultants for a staffing request and say why.

The database does the summing: one grouped query each for booked hours over the
request's weeks, the levels of the skills asked for and the hours worked for the client,
beside one query for the active profiles. Rows arrive as tuples of floats (cast in SQL),
not model instances or Decimals: every profile is scored, and for 2,000 profiles the
conversions cost more than the queries. Only the candidates shown are explained, in
Decimal. Odoo task load comes from one query over open task assignments
(see `capacity.task_hours`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import F, FloatField, Q, Sum
from django.db.models.functions import Cast

from portal.odoo.models import Project, Timesheet
from portal.staffing.capacity import (
    CENT,
    ZERO,
    spread_weekly,
    task_hours,
    weekly_hours_by_calendar,
    weekly_loads,
    weekly_overrun,
    weeks_text,
)
from portal.staffing.models import (
    Booking,
    BookingWeek,
    ConsultantProfile,
    ConsultantSkill,
    RateCard,
    StaffingRequest,
)
from portal.staffing.rules import _pct, client_id_of, fmt_pct

# Score weights (out of 100). Skills and availability dominate: a free person without
# the skills is no help, a perfect fit who is fully booked cannot start.
W_SKILLS = 35
W_AVAILABILITY = 25
W_ROLE = 15
W_CLIENT = 10
W_CEILING = 10
W_RATE = 5
MISSING_REQUIRED_PENALTY = 15


@dataclass(frozen=True)
class Reason:
    label: str
    text: str
    tone: str  # "ok", "warn", "bad" (shown with a word and an icon, never colour alone)


@dataclass
class Candidate:
    profile_id: int
    name: str
    job_role: str
    score: Decimal
    capacity_hours: Decimal
    load_hours: Decimal
    needed_hours: Decimal
    free_hours: Decimal
    utilisation_after_pct: Decimal
    ceiling_pct: Decimal
    missing_required: list[str]
    worked_with_client_hours: Decimal
    card_rate: Decimal | None
    rate_deviation_pct: Decimal | None
    overrun_hours: Decimal = ZERO
    has_odoo_user: bool = True
    reasons: list[Reason] = field(default_factory=list)

    @property
    def breaks_rules(self) -> bool:
        return any(r.tone == "bad" for r in self.reasons)


def _client_project_ids(project: Project) -> list[int]:
    client = client_id_of(project)
    if client is None:
        return []
    return list(
        Project.objects.filter(
            Q(partner_id=client) | Q(partner__commercial_partner_id=client)
        ).values_list("pk", flat=True)
    )


class CandidateRow(NamedTuple):
    """One active profile with what places it; hours and percentages as floats."""

    pk: int
    name: str
    job_role_id: int | None
    role_name: str | None
    calendar_id: int | None
    odoo_user_id: int | None
    target_pct: float
    ceiling_pct: float
    booked_hours: float
    client_hours: float
    levels: tuple[int, ...]  # one per skill need, in the order of `needs`


def _as_float(field_name: str) -> Cast:
    return Cast(field_name, FloatField())


def candidate_rows(
    request: StaffingRequest, weeks: list[date], needs: list[tuple[int, str, int, bool]]
) -> list[CandidateRow]:
    """Every active profile with its load, skill levels and client hours (four queries).

    Grouped sums over the whole table instead of one correlated subquery per profile and
    measure: each is one index or sequential scan, whatever the number of profiles.
    """
    profiles = list(
        ConsultantProfile.objects.active()
        .order_by()
        .annotate(
            target=_as_float("utilisation_target_pct"),
            ceiling=_as_float("utilisation_ceiling_pct"),
        )
        .values_list(
            "pk",
            "name",
            "job_role_id",
            F("job_role__name"),
            F("employee__calendar_id"),
            F("employee__user_id"),
            "target",
            "ceiling",
            "employee_id",
        )
    )
    # The request's own bookings do not count against it (re-ranking after a booking).
    booked = dict(
        BookingWeek.objects.filter(week_start__in=weeks)
        .exclude(booking_id__in=Booking.objects.filter(request_id=request.pk).values("pk"))
        .values("consultant_id")
        .annotate(total=Sum(_as_float("hours")))
        .values_list("consultant_id", "total")
    )
    levels: dict[tuple[int, int], int] = {}
    if needs:
        levels = {
            (profile_id, skill_id): level
            for profile_id, skill_id, level in ConsultantSkill.objects.filter(
                skill_id__in=[skill_id for skill_id, *_ in needs]
            ).values_list("profile_id", "skill_id", "level")
        }
    client_projects = sorted(set(_client_project_ids(request.project)))
    worked: dict[int, float] = {}
    if client_projects:
        worked = dict(
            Timesheet.objects.filter(project_id__in=client_projects)
            .order_by()
            .values("employee_id")
            .annotate(total=Sum(_as_float("unit_amount")))
            .values_list("employee_id", "total")
        )
    skill_ids = [skill_id for skill_id, *_ in needs]
    return [
        CandidateRow(
            pk,
            name,
            role_id,
            role_name,
            calendar_id,
            user_id,
            target,
            ceiling,
            booked.get(pk) or 0.0,
            worked.get(employee_id) or 0.0,
            tuple(levels.get((pk, s), 0) for s in skill_ids),
        )
        for pk, name, role_id, role_name, calendar_id, user_id, target, ceiling, employee_id in (
            profiles
        )
    ]


def skill_needs(request: StaffingRequest) -> list[tuple[int, str, int, bool]]:
    return [
        (need.skill_id, need.skill.name, need.min_level, need.required)
        for need in request.skill_needs.select_related("skill").order_by("-required", "skill__name")
    ]


@dataclass(frozen=True)
class _Context:
    """What every candidate is measured against, computed once per request."""

    request: StaffingRequest
    weeks: list[date]
    new: dict[date, Decimal]  # the request's hours per week
    needed: Decimal
    needed_f: float
    needs: list[tuple[int, str, int, bool]]
    capacity_of: dict[int | None, Decimal]
    capacity_f: dict[int | None, float]  # over the request's weeks, per calendar
    tasks: dict[int, float]  # Odoo task hours over the request's weeks, per Odoo user
    cards: dict[int, Decimal]
    cards_f: dict[int, float]


def rank_candidates(
    request: StaffingRequest, *, today: date, limit: int | None = 20
) -> list[Candidate]:
    """Candidates for `request`, best first, each with the reasons for its place.

    Every profile gets a quick numeric score in floats; only the `limit` shown are
    explained (in Decimal, as the booking rules count).
    """
    new = spread_weekly(request.start_date, request.end_date, request.hours_per_week)
    weeks = sorted(new)
    needs = skill_needs(request)
    rows = candidate_rows(request, weeks, needs)
    capacity_of = weekly_hours_by_calendar({r.calendar_id for r in rows})
    needed = sum(new.values(), ZERO)
    cards = _cards(request, client_id_of(request.project))
    ctx = _Context(
        request=request,
        weeks=weeks,
        new=new,
        needed=needed,
        needed_f=float(needed),
        needs=needs,
        capacity_of=capacity_of,
        capacity_f={k: float(v) * len(weeks) for k, v in capacity_of.items()},
        tasks={
            user_id: sum(load.get(w, 0.0) for w in weeks)
            for user_id, load in task_hours(None, weeks, today).items()
        },
        cards=cards,
        cards_f={k: float(v) for k, v in cards.items()},
    )
    scored = sorted((-_measure(row, ctx).score, row.name, row.pk, row) for row in rows)
    chosen = [row for *_, row in (scored[:limit] if limit else scored)]
    # The shown candidates are counted exactly as the booking check counts (Decimal, week
    # by week), so what the panel says is what booking them will find.
    loads = weekly_loads(
        {row.pk: row.odoo_user_id for row in chosen}, weeks, today, exclude_request_id=request.pk
    )
    return [_explain(row, ctx, loads[row.pk]) for row in chosen]


def _cards(request: StaffingRequest, client: int | None) -> dict[int, Decimal]:
    """Bill rate per job role in the request's currency on its start date (one query)."""
    best: dict[int, tuple[bool, date, Decimal]] = {}
    for role_id, partner, valid_from, rate in (
        RateCard.objects.filter(currency=request.currency)
        .effective_on(request.start_date)
        .values_list("job_role_id", "client_partner_id", "valid_from", "bill_rate")
    ):
        if partner is not None and partner != client:
            continue
        key = (partner is not None, valid_from, rate)
        if role_id not in best or key[:2] > best[role_id][:2]:
            best[role_id] = key
    return {role_id: key[2] for role_id, key in best.items()}


@dataclass(frozen=True)
class _Measures:
    score: float
    missing: list[str]
    capacity: float
    load: float
    free: float
    role_match: bool


def _measure(row: CandidateRow, ctx: _Context) -> _Measures:
    """The numbers that place one candidate; cheap (floats), as it runs for every profile."""
    # Skills: a required skill weighs twice an optional one; levels above the minimum
    # earn a little, below it half credit at most.
    weight_sum = credit = 0.0
    missing: list[str] = []
    for (_skill_id, name, min_level, required), level in zip(ctx.needs, row.levels, strict=True):
        weight = 2.0 if required else 1.0
        weight_sum += weight
        if level >= min_level:
            credit += weight * min(1 + 0.05 * (level - min_level), 1.1)
        else:
            credit += weight * level / min_level / 2
            if required:
                missing.append(f"{name} ≥{min_level}")
    skill_fit = credit / weight_sum / 1.1 if weight_sum else 1.0

    # Capacity over the request's weeks: calendar hours minus bookings and task load.
    capacity = ctx.capacity_f.get(row.calendar_id, ctx.capacity_f[None])
    load = row.booked_hours + ctx.tasks.get(row.odoo_user_id or -1, 0.0)
    free = max(capacity - load, 0.0)
    needed = ctx.needed_f
    availability = min(free / needed, 1.0) if needed else 1.0
    # Rounded as `_pct` rounds, so the ceiling test agrees with the explained figure.
    utilisation = round((load + needed) * 100 / capacity, 1) if capacity else 999.0

    role_match = row.job_role_id == ctx.request.job_role_id
    card = ctx.cards_f.get(row.job_role_id or ctx.request.job_role_id)
    rate_ok = card is None or float(ctx.request.bill_rate) >= card
    score = (
        W_SKILLS * skill_fit
        + W_AVAILABILITY * availability
        + (W_ROLE if role_match else 0)
        + (W_CLIENT if row.client_hours > 0 else 0)
        + (W_CEILING if utilisation <= row.ceiling_pct else 0)
        + (W_RATE if rate_ok else 0)
        - MISSING_REQUIRED_PENALTY * len(missing)
    )
    return _Measures(round(score, 1), missing, capacity, load, free, role_match)


def _hours(value: float) -> Decimal:
    """A float of hours as the Decimal it stands for (sums of 2-decimal hours)."""
    return Decimal(f"{value:.2f}")


NO_ODOO_USER = "no Odoo user: will not be assigned in Odoo"


def _explain(row: CandidateRow, ctx: _Context, per_week: dict[date, Decimal]) -> Candidate:
    """A shown candidate: its measures and the reasons behind them, in words (Decimal)."""
    m = _measure(row, ctx)
    request = ctx.request
    reasons: list[Reason] = []
    if ctx.needs:
        shown = []
        for (_skill_id, name, min_level, _required), level in zip(
            ctx.needs, row.levels, strict=True
        ):
            verdict = f"≥{min_level}" if level >= min_level else f"needs {min_level}"
            shown.append(f"{name} {level}/5 ({verdict})")
        reasons.append(Reason("Skills", "; ".join(shown), "bad" if m.missing else "ok"))

    needed = ctx.needed
    weekly_cap = ctx.capacity_of.get(row.calendar_id, ctx.capacity_of[None])
    capacity = weekly_cap * len(ctx.weeks)
    load = sum(per_week.values(), ZERO).quantize(CENT)
    free = max(capacity - load, ZERO)
    overrun, weeks_over = weekly_overrun(per_week, ctx.new, weekly_cap)
    utilisation = _pct(load + needed, capacity) if capacity else Decimal("999")
    text = f"{free:.0f} h free of {capacity:.0f} h over {weeks_text(len(ctx.weeks))}; "
    text += f"needs {needed:.0f} h"
    if overrun > 0:
        text += f"; exceeded by {overrun:.0f} h in {weeks_text(weeks_over)}"
    # No week over capacity means the request fits; any week over is what the booking
    # check refuses without approval.
    reasons.append(Reason("Capacity", text, "bad" if overrun > 0 else "ok"))
    target, ceiling = _hours(row.target_pct), _hours(row.ceiling_pct)
    reasons.append(
        Reason(
            "Utilisation after booking",
            f"{fmt_pct(utilisation)} (target {fmt_pct(target)}, ceiling {fmt_pct(ceiling)})",
            "ok" if utilisation <= target else ("warn" if utilisation <= ceiling else "bad"),
        )
    )
    reasons.append(Reason("Role", row.role_name or "no role set", "ok" if m.role_match else "warn"))
    card = ctx.cards.get(row.job_role_id or request.job_role_id)
    deviation = _pct(request.bill_rate - card, card) if card else None
    if card is None:
        reasons.append(Reason("Rate", f"no rate card in {request.currency}", "warn"))
    else:
        sign = "+" if deviation and deviation > 0 else ""
        reasons.append(
            Reason(
                "Rate",
                f"proposed {request.bill_rate:.2f} vs card {card:.2f} {request.currency} "
                f"({sign}{fmt_pct(deviation or ZERO)})",
                "ok" if request.bill_rate >= card else "bad",
            )
        )
    client_hours = _hours(row.client_hours)
    if row.client_hours > 0:
        reasons.append(Reason("Client", f"worked {client_hours:.0f} h for this client", "ok"))
    if row.odoo_user_id is None:
        reasons.append(Reason("Odoo", NO_ODOO_USER, "warn"))

    return Candidate(
        profile_id=row.pk,
        name=row.name,
        job_role=row.role_name or "",
        score=Decimal(str(m.score)),
        capacity_hours=capacity,
        load_hours=load,
        needed_hours=needed,
        free_hours=free,
        utilisation_after_pct=utilisation,
        ceiling_pct=ceiling,
        missing_required=m.missing,
        worked_with_client_hours=client_hours,
        card_rate=card,
        rate_deviation_pct=deviation,
        overrun_hours=overrun,
        has_odoo_user=row.odoo_user_id is not None,
        reasons=reasons,
    )
