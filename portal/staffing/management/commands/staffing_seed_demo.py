"""`manage.py staffing_seed_demo`: profiles, skills, rate cards, bookings, one open request.

Deterministic (the same mirror gives the same data) and idempotent. Run after the mirror
sync and `seed_demo`, so employees, projects and the demo users exist.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.core.models import BusinessUnit, Role, RoleMembership, User
from portal.odoo.models import Employee, Project
from portal.staffing.capacity import (
    monday,
    spread_weekly,
    weekly_hours_by_calendar,
    weekly_loads,
)
from portal.staffing.matching import rank_candidates
from portal.staffing.models import (
    Booking,
    BookingWeek,
    ConsultantProfile,
    ConsultantSkill,
    JobRole,
    RateCard,
    RequestSkill,
    Skill,
    StaffingRequest,
)
from portal.staffing.policy_seed import seed_default_policy

ROLES = [
    ("Consultant", Decimal("95"), Decimal("45")),
    ("Senior consultant", Decimal("130"), Decimal("62")),
    ("Principal consultant", Decimal("175"), Decimal("85")),
    ("Project manager", Decimal("140"), Decimal("70")),
]
SKILLS = [
    ("Python", "Engineering"),
    ("Django", "Engineering"),
    ("PostgreSQL", "Engineering"),
    ("Odoo", "ERP"),
    ("Accounting", "ERP"),
    ("Kubernetes", "Operations"),
    ("UX design", "Design"),
    ("Change management", "Delivery"),
]
DEMO_MARK = "Seeded by staffing_seed_demo."
REQUEST_WEEKS = 6
REQUEST_HOURS = Decimal("24")
CEILING = Decimal("85")  # the top candidate's utilisation ceiling

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Create staffing demo data for the mirrored employees (deterministic, idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        with transaction.atomic():
            roles = self.seed_roles(today)
            skills = [
                Skill.objects.get_or_create(name=n, defaults={"category": c})[0] for n, c in SKILLS
            ]
            profiles = self.seed_profiles(roles, skills)
            projects = list(Project.objects.active().order_by("id")[:4])
            creator = self.resource_manager()
            if creator is None or not projects or not profiles:
                self.stdout.write("No resource manager, project or employee: run seed_demo first.")
                return
            self.seed_bookings(profiles, projects, creator, today)
            self.seed_open_request(roles["Senior consultant"], skills, profiles, creator, today)
        version, _ = seed_default_policy()
        self.stdout.write(
            f"Staffing demo: {len(profiles)} profiles, {len(roles)} roles, {len(skills)} skills; "
            f"policy {version}."
        )

    def seed_roles(self, today: Any) -> dict[str, JobRole]:
        # Cards in every unit's own currency: requests and approvals then need no conversion.
        currencies = sorted(set(BusinessUnit.objects.values_list("currency_code", flat=True)))
        roles = {}
        for name, bill, cost in ROLES:
            role, _ = JobRole.objects.get_or_create(name=name)
            for currency in currencies or ["EUR"]:
                RateCard.objects.get_or_create(
                    job_role=role,
                    currency=currency,
                    client_partner_id=None,
                    valid_from=today.replace(month=1, day=1),
                    defaults={"bill_rate": bill, "cost_rate": cost},
                )
            roles[name] = role
        return roles

    def seed_profiles(
        self, roles: dict[str, JobRole], skills: list[Skill]
    ) -> list[ConsultantProfile]:
        role_list = list(roles.values())
        users_by_employee = dict(
            User.objects.filter(odoo_employee_id__isnull=False).values_list(
                "odoo_employee_id", "pk"
            )
        )
        profiles = []
        for i, employee in enumerate(Employee.objects.active().order_by("id")):
            unit_id = (
                Project.objects.filter(company_id=employee.company_id, business_unit__isnull=False)
                .values_list("business_unit_id", flat=True)
                .first()
            )
            profile, _ = ConsultantProfile.objects.update_or_create(
                employee=employee,
                defaults={
                    "name": employee.name,
                    "job_role": role_list[i % len(role_list)],
                    "business_unit_id": unit_id,
                    "user_id": users_by_employee.get(employee.pk),
                    "utilisation_target_pct": Decimal("80"),
                    "utilisation_ceiling_pct": Decimal("100"),
                },
            )
            for k in range(3):
                skill = skills[(i * 3 + k) % len(skills)]
                ConsultantSkill.objects.update_or_create(
                    profile=profile, skill=skill, defaults={"level": 1 + (i + k * 2) % 5}
                )
            profiles.append(profile)
        return profiles

    def resource_manager(self) -> User | None:
        membership = (
            RoleMembership.objects.filter(role=Role.RESOURCE_MANAGER)
            .select_related("user")
            .order_by("id")
            .first()
        )
        return membership.user if membership else None

    def seed_bookings(
        self, profiles: list[ConsultantProfile], projects: list[Project], creator: User, today: Any
    ) -> None:
        """Every other person gets a booking; a few are soft holds. Kept once created."""
        if Booking.objects.filter(request__isnull=True, created_by=creator).exists():
            return
        start = monday(today)
        for i, profile in enumerate(profiles[::2]):
            project = projects[i % len(projects)]
            weeks = 4 + i % 6
            end = start + timedelta(weeks=weeks, days=-3)
            hours = Decimal(16 + (i * 8) % 24)
            assert profile.job_role_id is not None  # seed_profiles gives everyone a role
            booking = Booking.objects.create(
                consultant=profile,
                project=project,
                job_role_id=profile.job_role_id,
                start_date=start,
                end_date=end,
                hours_per_week=hours,
                total_hours=hours * weeks,
                bill_rate=Decimal("130"),
                currency=_currency(project),
                booking_type="soft" if i % 3 == 2 else "firm",
                status="confirmed",
                created_by=creator,
            )
            BookingWeek.objects.bulk_create(
                [
                    BookingWeek(
                        booking=booking,
                        consultant=profile,
                        week_start=week,
                        hours=h,
                        firm=booking.booking_type == "firm",
                    )
                    for week, h in spread_weekly(start, end, hours).items()
                ]
            )

    def seed_open_request(
        self,
        role: JobRole,
        skills: list[Skill],
        profiles: list[ConsultantProfile],
        creator: User,
        today: date,
    ) -> None:
        """The walk-through's request: a senior consultant for six weeks from next Monday.

        Its top candidate fits every rule but the utilisation ceiling, so booking them sends
        the exception to a delivery leader with the numbers.
        """
        if StaffingRequest.objects.filter(notes=DEMO_MARK).exists():
            return
        start = monday(today) + timedelta(weeks=1)
        end = start + timedelta(weeks=REQUEST_WEEKS, days=-3)  # Friday of the sixth week
        project = self.demo_project(creator, start, end)
        if project is None:
            self.stdout.write("No active project of the resource manager's unit covers six weeks.")
            return
        pm = (
            User.objects.filter(odoo_user_id=project.manager_id).first()
            if project.manager_id
            else None
        ) or User.objects.filter(memberships__role=Role.PROJECT_MANAGER).order_by("id").first()
        if pm is None:
            return
        currency = _currency(project)
        card = RateCard.objects.filter(job_role=role, currency=currency).first()
        request = StaffingRequest.objects.create(
            project=project,
            business_unit_id=project.business_unit_id,
            requested_by=pm,
            job_role=role,
            start_date=start,
            end_date=end,
            hours_per_week=REQUEST_HOURS,
            total_hours=REQUEST_HOURS * REQUEST_WEEKS,
            bill_rate=card.bill_rate if card else Decimal("130"),
            currency=currency,
            booking_type="firm",
            notes=DEMO_MARK,
        )
        django, postgres, kubernetes = skills[1], skills[2], skills[5]
        RequestSkill.objects.bulk_create(
            [
                RequestSkill(request=request, skill=django, min_level=4),
                RequestSkill(request=request, skill=postgres, min_level=4),
                RequestSkill(request=request, skill=kubernetes, min_level=2, required=False),
            ]
        )
        top = self.seed_top_candidate(request, role, [django, postgres, kubernetes], profiles)
        if top is None:
            self.stdout.write("No consultant with an Odoo user has room for the demo request.")
            return
        ranked = rank_candidates(request, today=today, limit=1)
        if not ranked or ranked[0].profile_id != top.pk:
            logger.warning("Demo request %s: %s is not the top candidate", request.pk, top.name)

    def demo_project(self, creator: User, start: date, end: date) -> Project | None:
        """An active project of the resource manager's unit whose dates cover [start, end]
        (open dates count as covering); the demo PM's own projects first."""
        units = RoleMembership.objects.filter(user=creator, role=Role.RESOURCE_MANAGER)
        unit_ids = list(units.values_list("business_unit_id", flat=True))
        projects = Project.objects.active().filter(business_unit__isnull=False)
        if None not in unit_ids:  # a firm-wide resource manager staffs every unit
            projects = projects.filter(business_unit_id__in=unit_ids)
        projects = projects.filter(Q(date_start__isnull=True) | Q(date_start__lte=start)).filter(
            Q(date__isnull=True) | Q(date__gte=end)
        )
        pm_odoo_ids = list(
            User.objects.filter(
                memberships__role=Role.PROJECT_MANAGER, odoo_user_id__isnull=False
            ).values_list("odoo_user_id", flat=True)
        )
        return (
            projects.filter(manager_id__in=pm_odoo_ids).order_by("id").first()
            or projects.order_by("id").first()
        )

    def seed_top_candidate(
        self,
        request: StaffingRequest,
        role: JobRole,
        skills: list[Skill],
        profiles: list[ConsultantProfile],
    ) -> ConsultantProfile | None:
        """Make one consultant the clear best fit and book them just below full capacity.

        Their ceiling (85 %) is below what the request brings them to, while no week runs
        over capacity: the only rule the booking breaks is the ceiling. Odoo task load
        counts, as the booking check counts it.
        """
        new = spread_weekly(request.start_date, request.end_date, request.hours_per_week)
        weeks = sorted(new)
        today = timezone.localdate()
        portal_odoo_users = set(
            User.objects.filter(
                memberships__role__in=[
                    Role.DELIVERY_LEADER,
                    Role.PROJECT_MANAGER,
                    Role.RESOURCE_MANAGER,
                ],
                odoo_user_id__isnull=False,
            ).values_list("odoo_user_id", flat=True)
        )
        people = [
            p
            for p in profiles
            if p.employee.user_id is not None and p.employee.user_id not in portal_odoo_users
        ] or [p for p in profiles if p.employee.user_id is not None]
        loads = weekly_loads({p.pk: p.employee.user_id for p in people}, weeks, today)
        capacity = weekly_hours_by_calendar({p.employee.calendar_id for p in people})
        for profile in people:
            weekly_cap = capacity.get(profile.employee.calendar_id, capacity[None])
            load = loads[profile.pk]
            room = min(weekly_cap - load[w] - new[w] for w in weeks)
            extra = room.to_integral_value(rounding=ROUND_FLOOR)
            total = sum(load.values(), Decimal(0)) + extra * len(weeks) + sum(new.values())
            if extra < 0 or total * 100 <= CEILING * weekly_cap * len(weeks):
                continue
            profile.job_role = role
            profile.utilisation_target_pct = CEILING - 10
            profile.utilisation_ceiling_pct = CEILING
            profile.save()
            for skill, level in zip(skills, (5, 5, 4), strict=True):
                ConsultantSkill.objects.update_or_create(
                    profile=profile, skill=skill, defaults={"level": level}
                )
            # Nobody else meets both required levels: the walk-through's top candidate is
            # this one person, whatever the mirrored employees are.
            strong_postgres = ConsultantSkill.objects.filter(skill=skills[1], level__gte=4).values(
                "profile_id"
            )
            ConsultantSkill.objects.filter(
                skill=skills[0], level__gte=4, profile_id__in=strong_postgres
            ).exclude(profile=profile).update(level=3)
            if extra > 0:
                self.book(profile, request, extra)
            return profile
        return None

    def book(self, profile: ConsultantProfile, request: StaffingRequest, hours: Decimal) -> None:
        """A confirmed booking elsewhere over the request's weeks, `hours` a week."""
        other = (
            Project.objects.active().exclude(pk=request.project_id).order_by("id").first()
            or request.project
        )
        assert profile.job_role_id is not None
        booking = Booking.objects.create(
            consultant=profile,
            project=other,
            job_role_id=profile.job_role_id,
            start_date=request.start_date,
            end_date=request.end_date,
            hours_per_week=hours,
            total_hours=hours * REQUEST_WEEKS,
            bill_rate=request.bill_rate,
            currency=_currency(other),
            booking_type="firm",
            status="confirmed",
            created_by=request.requested_by,
        )
        BookingWeek.objects.bulk_create(
            [
                BookingWeek(booking=booking, consultant=profile, week_start=w, hours=h, firm=True)
                for w, h in spread_weekly(booking.start_date, booking.end_date, hours).items()
            ]
        )


def _currency(project: Project) -> str:
    unit = project.business_unit
    return unit.currency_code if unit else "EUR"
