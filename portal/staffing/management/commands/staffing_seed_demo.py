"""`manage.py staffing_seed_demo`: profiles, skills, rate cards, bookings, one open request.

Deterministic (the same mirror gives the same data) and idempotent. Run after the mirror
sync and `seed_demo`, so employees, projects and the demo users exist.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from portal.core.models import Role, RoleMembership, User
from portal.odoo.models import Employee, Project
from portal.staffing.capacity import monday, spread_weekly
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
            self.seed_open_request(projects[0], roles["Senior consultant"], skills, today)
        version, _ = seed_default_policy()
        self.stdout.write(
            f"Staffing demo: {len(profiles)} profiles, {len(roles)} roles, {len(skills)} skills; "
            f"policy {version}."
        )

    def seed_roles(self, today: Any) -> dict[str, JobRole]:
        roles = {}
        for name, bill, cost in ROLES:
            role, _ = JobRole.objects.get_or_create(name=name)
            RateCard.objects.get_or_create(
                job_role=role,
                currency="EUR",
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
                currency="EUR",
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
        self, project: Project, role: JobRole, skills: list[Skill], today: Any
    ) -> None:
        if StaffingRequest.objects.filter(notes=DEMO_MARK).exists():
            return
        pm = (
            User.objects.filter(odoo_user_id=project.manager_id).first()
            if project.manager_id
            else None
        ) or User.objects.filter(memberships__role=Role.PROJECT_MANAGER).order_by("id").first()
        if pm is None:
            return
        start = monday(today) + timedelta(weeks=2)
        request = StaffingRequest.objects.create(
            project=project,
            business_unit_id=project.business_unit_id,
            requested_by=pm,
            job_role=role,
            start_date=start,
            end_date=start + timedelta(weeks=6, days=-3),
            hours_per_week=Decimal("24"),
            total_hours=Decimal("144"),
            bill_rate=Decimal("130"),
            currency="EUR",
            booking_type="firm",
            notes=DEMO_MARK,
        )
        RequestSkill.objects.bulk_create(
            [
                RequestSkill(request=request, skill=skills[1], min_level=3),
                RequestSkill(request=request, skill=skills[2], min_level=2),
                RequestSkill(request=request, skill=skills[5], min_level=2, required=False),
            ]
        )
