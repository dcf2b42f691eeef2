"""Candidate matching: rank consultants for a staffing request and say why.

The heavy part is done by the database: booked hours over the request's weeks, skill
levels and hours worked for the client are correlated subqueries on one profile query,
so the cost does not grow with the number of bookings per person. Python then scores
one row per candidate. Odoo task load comes from one query over open task assignments
(see `capacity.task_load`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from portal.odoo.models import Project, Timesheet
from portal.staffing.capacity import (
    ZERO,
    spread_weekly,
    task_load,
    weekly_hours_by_calendar,
)
from portal.staffing.models import (
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


def candidate_rows(
    request: StaffingRequest, weeks: list[date], needs: list[tuple[int, str, int, bool]]
) -> QuerySet[ConsultantProfile, dict[str, Any]]:
    """One query: every active profile with its load, skill levels and client hours.

    Plain rows (dicts), not model instances: building 2,000 instances with their joined
    employee and role costs more than the query itself.
    """
    money = DecimalField(max_digits=12, decimal_places=2)
    booked = (
        BookingWeek.objects.filter(consultant_id=OuterRef("pk"), week_start__in=weeks)
        .exclude(booking__request_id=request.pk)
        .values("consultant_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    client_projects = sorted(set(_client_project_ids(request.project)))
    worked = (
        Timesheet.objects.filter(
            employee_id=OuterRef("employee_id"), project_id__in=client_projects
        )
        .values("employee_id")
        .annotate(total=Sum("unit_amount"))
        .values("total")
    )
    skill_levels = {
        f"skill_{skill_id}": Coalesce(
            Subquery(
                ConsultantSkill.objects.filter(profile_id=OuterRef("pk"), skill_id=skill_id).values(
                    "level"
                )[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        )
        for skill_id, _name, _min, _required in needs
    }
    return (
        ConsultantProfile.objects.active()
        .annotate(
            booked_hours=Coalesce(
                Subquery(booked, output_field=money), Value(ZERO), output_field=money
            ),
            client_hours=Coalesce(
                Subquery(worked, output_field=money), Value(ZERO), output_field=money
            ),
            role_name=F("job_role__name"),
            calendar_id=F("employee__calendar_id"),
            odoo_user_id=F("employee__user_id"),
            **skill_levels,
        )
        .values(
            "pk",
            "name",
            "job_role_id",
            "role_name",
            "calendar_id",
            "odoo_user_id",
            "utilisation_target_pct",
            "utilisation_ceiling_pct",
            "booked_hours",
            "client_hours",
            *skill_levels,
        )
    )


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
    needed: Decimal
    needs: list[tuple[int, str, int, bool]]
    capacity_of: dict[int | None, Decimal]
    tasks: dict[int, dict[date, Decimal]]
    cards: dict[int, Decimal]


def rank_candidates(
    request: StaffingRequest, *, today: date, limit: int | None = 20
) -> list[Candidate]:
    """Candidates for `request`, best first, each with the reasons for its place.

    Every profile gets a quick numeric score; only the `limit` shown are explained.
    """
    new = spread_weekly(request.start_date, request.end_date, request.hours_per_week)
    weeks = sorted(new)
    needs = skill_needs(request)
    rows = list(candidate_rows(request, weeks, needs))
    ctx = _Context(
        request=request,
        weeks=weeks,
        needed=sum(new.values(), ZERO),
        needs=needs,
        capacity_of=weekly_hours_by_calendar({r["calendar_id"] for r in rows}),
        tasks=task_load(None, weeks, today),
        cards=_cards(request, client_id_of(request.project)),
    )
    scored = sorted((-_measure(row, ctx).score, row["name"], row["pk"], row) for row in rows)
    chosen = scored[:limit] if limit else scored
    return [_explain(row, ctx) for *_, row in chosen]


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
    skill_fit: float
    missing: list[str]
    capacity: Decimal
    load: Decimal
    free: Decimal
    utilisation: Decimal
    role_match: bool
    card: Decimal | None


def _measure(row: dict[str, Any], ctx: _Context) -> _Measures:
    """The numbers that place one candidate; cheap, as it runs for every profile."""
    # Skills: a required skill weighs twice an optional one; levels above the minimum
    # earn a little, below it half credit at most.
    weight_sum = credit = 0.0
    missing: list[str] = []
    for skill_id, name, min_level, required in ctx.needs:
        level = row[f"skill_{skill_id}"]
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
    weekly = ctx.capacity_of.get(row["calendar_id"], ctx.capacity_of[None])
    capacity = weekly * len(ctx.weeks)
    user_load = ctx.tasks.get(row["odoo_user_id"] or -1)
    task_hours = sum((user_load.get(w, ZERO) for w in ctx.weeks), ZERO) if user_load else ZERO
    load = row["booked_hours"] + task_hours
    free = max(capacity - load, ZERO)
    needed = ctx.needed
    availability = float(min(free / needed, Decimal(1))) if needed else 1.0
    utilisation = _pct(load + needed, capacity) if capacity else Decimal("999")

    role_match = row["job_role_id"] == ctx.request.job_role_id
    card = ctx.cards.get(row["job_role_id"] or ctx.request.job_role_id)
    rate_ok = card is None or ctx.request.bill_rate >= card
    score = (
        W_SKILLS * skill_fit
        + W_AVAILABILITY * availability
        + (W_ROLE if role_match else 0)
        + (W_CLIENT if row["client_hours"] > 0 else 0)
        + (W_CEILING if utilisation <= row["utilisation_ceiling_pct"] else 0)
        + (W_RATE if rate_ok else 0)
        - MISSING_REQUIRED_PENALTY * len(missing)
    )
    return _Measures(
        round(score, 1), skill_fit, missing, capacity, load, free, utilisation, role_match, card
    )


def _explain(row: dict[str, Any], ctx: _Context) -> Candidate:
    """A shown candidate: its measures and the reasons behind them, in words."""
    m = _measure(row, ctx)
    request = ctx.request
    reasons: list[Reason] = []
    if ctx.needs:
        shown = []
        for skill_id, name, min_level, _required in ctx.needs:
            level = row[f"skill_{skill_id}"]
            verdict = f"≥{min_level}" if level >= min_level else f"needs {min_level}"
            shown.append(f"{name} {level}/5 ({verdict})")
        reasons.append(Reason("Skills", "; ".join(shown), "bad" if m.missing else "ok"))

    needed = ctx.needed
    reasons.append(
        Reason(
            "Capacity",
            f"{m.free:.0f} h free of {m.capacity:.0f} h over {len(ctx.weeks)} weeks; "
            f"needs {needed:.0f} h",
            "ok" if m.free >= needed else ("warn" if m.free > 0 else "bad"),
        )
    )
    target, ceiling = row["utilisation_target_pct"], row["utilisation_ceiling_pct"]
    reasons.append(
        Reason(
            "Utilisation after booking",
            f"{fmt_pct(m.utilisation)} (target {fmt_pct(target)}, ceiling {fmt_pct(ceiling)})",
            "ok" if m.utilisation <= target else ("warn" if m.utilisation <= ceiling else "bad"),
        )
    )
    reasons.append(
        Reason("Role", row["role_name"] or "no role set", "ok" if m.role_match else "warn")
    )
    deviation = _pct(request.bill_rate - m.card, m.card) if m.card else None
    if m.card is None:
        reasons.append(Reason("Rate", f"no rate card in {request.currency}", "warn"))
    else:
        sign = "+" if deviation and deviation > 0 else ""
        reasons.append(
            Reason(
                "Rate",
                f"proposed {request.bill_rate:.2f} vs card {m.card:.2f} {request.currency} "
                f"({sign}{fmt_pct(deviation or ZERO)})",
                "ok" if request.bill_rate >= m.card else "bad",
            )
        )
    if row["client_hours"] > 0:
        reasons.append(
            Reason("Client", f"worked {row['client_hours']:.0f} h for this client", "ok")
        )

    return Candidate(
        profile_id=row["pk"],
        name=row["name"],
        job_role=row["role_name"] or "",
        score=Decimal(str(m.score)),
        capacity_hours=m.capacity,
        load_hours=m.load.quantize(Decimal("0.01")),
        needed_hours=needed,
        free_hours=m.free.quantize(Decimal("0.01")),
        utilisation_after_pct=m.utilisation,
        ceiling_pct=ceiling,
        missing_required=m.missing,
        worked_with_client_hours=row["client_hours"],
        card_rate=m.card,
        rate_deviation_pct=deviation,
        reasons=reasons,
    )
