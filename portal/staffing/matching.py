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

from django.db.models import (
    DecimalField,
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
) -> QuerySet[ConsultantProfile]:
    """One query: every active profile with its load, skill levels and client hours."""
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
    rows = ConsultantProfile.objects.active().select_related("job_role", "employee")
    rows = rows.annotate(
        booked_hours=Coalesce(
            Subquery(booked, output_field=money), Value(ZERO), output_field=money
        ),
        client_hours=Coalesce(
            Subquery(worked, output_field=money), Value(ZERO), output_field=money
        ),
    )
    for skill_id, _name, _min, _required in needs:
        level = ConsultantSkill.objects.filter(profile_id=OuterRef("pk"), skill_id=skill_id)
        rows = rows.annotate(
            **{
                f"skill_{skill_id}": Coalesce(
                    Subquery(level.values("level")[:1], output_field=IntegerField()), Value(0)
                )
            }
        )
    return rows


def skill_needs(request: StaffingRequest) -> list[tuple[int, str, int, bool]]:
    return [
        (need.skill_id, need.skill.name, need.min_level, need.required)
        for need in request.skill_needs.select_related("skill").order_by("-required", "skill__name")
    ]


def rank_candidates(
    request: StaffingRequest, *, today: date, limit: int | None = 20
) -> list[Candidate]:
    """Candidates for `request`, best first, each with the reasons for its place."""
    new = spread_weekly(request.start_date, request.end_date, request.hours_per_week)
    weeks = sorted(new)
    needed = sum(new.values(), ZERO)
    needs = skill_needs(request)
    rows = list(candidate_rows(request, weeks, needs))

    capacity_of = weekly_hours_by_calendar({r.employee.calendar_id for r in rows})
    tasks = task_load(None, weeks, today)
    client = client_id_of(request.project)
    cards = _cards(request, client)

    candidates = [
        _score(request, row, weeks, needed, needs, capacity_of, tasks, cards) for row in rows
    ]
    candidates.sort(key=lambda c: (-c.score, c.name, c.profile_id))
    return candidates[:limit] if limit else candidates


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


def _score(
    request: StaffingRequest,
    row: ConsultantProfile,
    weeks: list[date],
    needed: Decimal,
    needs: list[tuple[int, str, int, bool]],
    capacity_of: dict[int | None, Decimal],
    tasks: dict[int, dict[date, Decimal]],
    cards: dict[int, Decimal],
) -> Candidate:
    reasons: list[Reason] = []

    # Skills: a required skill weighs twice an optional one; levels above the minimum
    # earn a little, below it half credit at most.
    weight_sum = Decimal(0)
    credit = Decimal(0)
    missing: list[str] = []
    shown: list[str] = []
    for skill_id, name, min_level, required in needs:
        level = int(getattr(row, f"skill_{skill_id}"))
        weight = Decimal(2 if required else 1)
        weight_sum += weight
        if level >= min_level:
            credit += weight * min(
                Decimal(1) + Decimal("0.05") * (level - min_level), Decimal("1.1")
            )
            shown.append(f"{name} {level}/5 (≥{min_level})")
        else:
            credit += weight * Decimal(level) / min_level / 2
            shown.append(f"{name} {level}/5 (needs {min_level})")
            if required:
                missing.append(f"{name} ≥{min_level}")
    skill_fit = credit / weight_sum / Decimal("1.1") if weight_sum else Decimal(1)
    if needs:
        tone = "bad" if missing else "ok"
        reasons.append(Reason("Skills", "; ".join(shown), tone))

    # Capacity over the request's weeks: calendar hours minus bookings and task load.
    weekly = capacity_of.get(row.employee.calendar_id, capacity_of[None])
    capacity = weekly * len(weeks)
    user_load = tasks.get(row.employee.user_id or -1, {})
    task_hours = sum((user_load.get(w, ZERO) for w in weeks), ZERO)
    load = (row.booked_hours + task_hours).quantize(Decimal("0.01"))  # type: ignore[attr-defined]
    free = max(capacity - load, ZERO)
    availability = min(free / needed, Decimal(1)) if needed else Decimal(1)
    reasons.append(
        Reason(
            "Capacity",
            f"{free:.0f} h free of {capacity:.0f} h over {len(weeks)} weeks; needs {needed:.0f} h",
            "ok" if free >= needed else ("warn" if free > 0 else "bad"),
        )
    )

    utilisation = _pct(load + needed, capacity) if capacity else Decimal("999")
    ceiling_ok = utilisation <= row.utilisation_ceiling_pct
    reasons.append(
        Reason(
            "Utilisation after booking",
            f"{fmt_pct(utilisation)} (target {fmt_pct(row.utilisation_target_pct)}, "
            f"ceiling {fmt_pct(row.utilisation_ceiling_pct)})",
            "ok"
            if utilisation <= row.utilisation_target_pct
            else ("warn" if ceiling_ok else "bad"),
        )
    )

    role_match = row.job_role_id == request.job_role_id
    reasons.append(
        Reason("Role", str(row.job_role or "no role set"), "ok" if role_match else "warn")
    )

    card = cards.get(row.job_role_id or request.job_role_id)
    deviation = _pct(request.bill_rate - card, card) if card else None
    rate_ok = card is None or request.bill_rate >= card
    if card is None:
        reasons.append(Reason("Rate", f"no rate card in {request.currency}", "warn"))
    else:
        reasons.append(
            Reason(
                "Rate",
                f"proposed {request.bill_rate:.2f} vs card {card:.2f} {request.currency} "
                f"({'+' if deviation and deviation > 0 else ''}{fmt_pct(deviation or ZERO)})",
                "ok" if rate_ok else "bad",
            )
        )

    client_hours = row.client_hours  # type: ignore[attr-defined]
    if client_hours > 0:
        reasons.append(Reason("Client", f"worked {client_hours:.0f} h for this client", "ok"))

    score = (
        W_SKILLS * skill_fit
        + W_AVAILABILITY * availability
        + (W_ROLE if role_match else 0)
        + (W_CLIENT if client_hours > 0 else 0)
        + (W_CEILING if ceiling_ok else 0)
        + (W_RATE if rate_ok else 0)
        - MISSING_REQUIRED_PENALTY * len(missing)
    )
    return Candidate(
        profile_id=row.pk,
        name=row.name,
        job_role=str(row.job_role or ""),
        score=Decimal(score).quantize(Decimal("0.1")),
        capacity_hours=capacity,
        load_hours=load,
        needed_hours=needed,
        free_hours=free,
        utilisation_after_pct=utilisation,
        ceiling_pct=row.utilisation_ceiling_pct,
        missing_required=missing,
        worked_with_client_hours=client_hours,
        card_rate=card,
        rate_deviation_pct=deviation,
        reasons=reasons,
    )
