"""Staffing: consultant profiles, skills, rate cards, requests and bookings.

People come from the Odoo mirror (`odoo.Employee`, `odoo.OdooUser`); the portal owns what
Odoo does not hold: job family, skill levels, utilisation target and ceiling, rate cards,
and the requests and bookings themselves. A booking's hours are also stored per ISO week
(`BookingWeek`) so that capacity and matching are sums in the database, never loops over
bookings in Python.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from portal.core.models import BusinessUnit, User


def _hours(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


def _rate(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def _percent(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=6, decimal_places=2, **kwargs)


class JobRole(models.Model):
    """A job family a consultant is staffed as ("Senior consultant")."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    name = models.CharField(max_length=120, unique=True)
    category = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnitStaffingSettings(models.Model):
    """Per-unit staffing settings (the unit itself belongs to core)."""

    business_unit = models.OneToOneField(
        BusinessUnit, on_delete=models.CASCADE, related_name="staffing_settings"
    )
    always_require_approval = models.BooleanField(
        default=False, help_text="Every booking in this unit goes to approval, even a clean one."
    )

    class Meta:
        verbose_name_plural = "unit staffing settings"

    def __str__(self) -> str:
        return f"Staffing settings of {self.business_unit}"


class ConsultantProfileQuerySet(models.QuerySet["ConsultantProfile"]):
    def active(self) -> ConsultantProfileQuerySet:
        return self.filter(is_active=True)

    def in_units_of(self, user: User, roles: list[str]) -> ConsultantProfileQuerySet:
        """Profiles in units where `user` holds one of `roles` (firm-wide: all)."""
        from portal.core.access import unit_filter

        scope = unit_filter(user, roles)
        return self.none() if scope is None else self.filter(scope)


class ConsultantProfile(models.Model):
    """What the portal knows about a person it can staff, beside the Odoo employee."""

    employee = models.OneToOneField(
        "odoo.Employee",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="consultant_profile",
    )
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="consultant_profile"
    )
    name = models.CharField(max_length=255, help_text="Copied from the employee for sorting.")
    job_role = models.ForeignKey(
        JobRole, null=True, blank=True, on_delete=models.PROTECT, related_name="profiles"
    )
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="consultants"
    )
    utilisation_target_pct = _percent(default=Decimal("80"))
    utilisation_ceiling_pct = _percent(default=Decimal("100"))
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsultantProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["business_unit", "is_active", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(utilisation_target_pct__gte=0)
                & Q(utilisation_ceiling_pct__gte=models.F("utilisation_target_pct")),
                name="staffing_target_below_ceiling",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ConsultantSkill(models.Model):
    profile = models.ForeignKey(ConsultantProfile, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "skill"], name="staffing_one_level_per_skill"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5), name="staffing_skill_level_1_5"
            ),
        ]
        indexes = [models.Index(fields=["skill", "level"])]

    def __str__(self) -> str:
        return f"{self.skill} {self.level}/5"


class RateCardQuerySet(models.QuerySet["RateCard"]):
    def effective_on(self, day: date) -> RateCardQuerySet:
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class RateCard(models.Model):
    """Bill and cost rate of a role in one currency from a date; optionally for one client.

    A card with `client_partner_id` overrides the general card for that client (the Odoo
    partner id of the client company).
    """

    job_role = models.ForeignKey(JobRole, on_delete=models.CASCADE, related_name="rate_cards")
    currency = models.CharField(max_length=3)
    bill_rate = _rate()
    cost_rate = _rate()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    client_partner_id = models.IntegerField(null=True, blank=True)

    objects = RateCardQuerySet.as_manager()

    class Meta:
        ordering = ["job_role", "currency", "-valid_from"]
        indexes = [models.Index(fields=["job_role", "currency", "valid_from"])]

    def __str__(self) -> str:
        who = f" for client {self.client_partner_id}" if self.client_partner_id else ""
        return f"{self.job_role} {self.bill_rate} {self.currency}{who} from {self.valid_from}"


class BookingType(models.TextChoices):
    SOFT = "soft", "Soft hold"
    FIRM = "firm", "Firm booking"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING_APPROVAL = "pending_approval", "Waiting for approval"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"


class StaffingRequestQuerySet(models.QuerySet["StaffingRequest"]):
    def open(self) -> StaffingRequestQuerySet:
        return self.filter(status__in=[RequestStatus.OPEN, RequestStatus.PENDING_APPROVAL])

    def visible_to(self, user: Any) -> StaffingRequestQuerySet:
        """Requests the user may see (rules in `portal.staffing.access`)."""
        from portal.staffing.access import request_scope

        # A subquery: the scope joins bookings, which would repeat rows.
        return self.filter(pk__in=StaffingRequest.objects.filter(request_scope(user)).values("pk"))


class StaffingRequest(models.Model):
    """A project manager's ask for one person of a role, with skills, dates and hours."""

    project = models.ForeignKey(
        "odoo.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    job_role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="requests")
    start_date = models.DateField()
    end_date = models.DateField()
    hours_per_week = _hours()
    total_hours = _hours()
    bill_rate = _rate()
    currency = models.CharField(max_length=3)
    booking_type = models.CharField(
        max_length=8, choices=BookingType.choices, default=BookingType.SOFT
    )
    notes = models.TextField(blank=True)
    task_ids = models.JSONField(
        default=list, blank=True, help_text="Odoo task ids to assign; empty means all open tasks."
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StaffingRequestQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["status", "business_unit"])]

    def __str__(self) -> str:
        return f"SR-{self.pk}: {self.job_role} on {self.project_id}"

    @property
    def reference(self) -> str:
        return f"SR-{self.pk}"


class RequestSkill(models.Model):
    request = models.ForeignKey(
        StaffingRequest, on_delete=models.CASCADE, related_name="skill_needs"
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    required = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "skill"], name="staffing_skill_once")
        ]

    def __str__(self) -> str:
        kind = "required" if self.required else "optional"
        return f"{self.skill} ≥{self.min_level} ({kind})"


class BookingStatus(models.TextChoices):
    PLANNED = "planned", "Placeholder"
    PENDING_APPROVAL = "pending_approval", "Waiting for approval"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


# Bookings that take capacity: a pending exception holds the hours while it is decided.
LOADING_STATUSES = (BookingStatus.PENDING_APPROVAL, BookingStatus.CONFIRMED)


class BookingQuerySet(models.QuerySet["Booking"]):
    def loading(self) -> BookingQuerySet:
        return self.filter(status__in=LOADING_STATUSES)


class Booking(models.Model):
    """One consultant (or a placeholder for a role) on a project for a period."""

    request = models.ForeignKey(
        StaffingRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    consultant = models.ForeignKey(
        ConsultantProfile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text="Empty for a placeholder (an unnamed role booking for planning).",
    )
    project = models.ForeignKey(
        "odoo.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    job_role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="bookings")
    start_date = models.DateField()
    end_date = models.DateField()
    hours_per_week = _hours()
    total_hours = _hours()
    bill_rate = _rate()
    currency = models.CharField(max_length=3)
    booking_type = models.CharField(max_length=8, choices=BookingType.choices)
    status = models.CharField(max_length=20, choices=BookingStatus.choices)
    # The rule check at proposal time, as shown to the approver (see validation.py).
    violations = models.JSONField(default=list, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    # Odoo tasks this booking added the consultant to (not those they were already on),
    # so cancelling removes exactly these.
    assigned_task_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["consultant", "status"])]

    def __str__(self) -> str:
        who = self.consultant.name if self.consultant else f"Placeholder {self.job_role}"
        return f"B-{self.pk}: {who} on {self.project_id}"

    @property
    def reference(self) -> str:
        return f"B-{self.pk}"

    @property
    def is_placeholder(self) -> bool:
        return self.consultant_id is None

    @property
    def amount(self) -> Decimal:
        return (self.total_hours * self.bill_rate).quantize(Decimal("0.01"))


class BookingWeek(models.Model):
    """The hours of one loading booking in one ISO week (week_start is a Monday).

    Rows exist only while the booking loads capacity; they are deleted when it is
    rejected or cancelled, so sums need no join to the booking's status.
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="weeks")
    consultant = models.ForeignKey(
        ConsultantProfile, on_delete=models.CASCADE, related_name="booking_weeks"
    )
    week_start = models.DateField()
    hours = _hours()
    firm = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "week_start"], name="staffing_week_once")
        ]
        indexes = [models.Index(fields=["consultant", "week_start"])]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.week_start}: {self.hours} h"
