"""People, business units, roles per unit, and the hash-chained audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    DELIVERY_LEADER = "delivery_leader", "Delivery leader"
    PROJECT_MANAGER = "project_manager", "Project manager"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    RESOURCE_MANAGER = "resource_manager", "Resource manager"
    FINANCE = "finance", "Finance controller"
    PRACTICE_LEADER = "practice_leader", "Practice leader"
    CONSULTANT = "consultant", "Consultant"
    CLIENT_CONTACT = "client_contact", "Client contact"
    OPERATOR = "operator", "Operator"


class UserManager(DjangoUserManager["User"]):
    """Users log in by email; there is no username."""

    def _create_user_object(
        self, username: str | None, email: str | None, password: str | None, **extra: Any
    ) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: staff of the firm or a contact of one client.

    Staff are linked to an Odoo user and employee by verified email (operators can
    override the link). A client contact belongs to exactly one client, the Odoo partner
    company in `client_partner_id`, and holds no other role.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    odoo_user_id = models.IntegerField(null=True, blank=True, unique=True)
    odoo_employee_id = models.IntegerField(null=True, blank=True)
    odoo_link_overridden = models.BooleanField(
        default=False, help_text="Set by an operator; the email match no longer changes it."
    )
    client_partner_id = models.IntegerField(
        null=True, blank=True, db_index=True, help_text="Odoo partner id of the client company."
    )
    time_zone = models.CharField(max_length=64, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def is_client_contact(self) -> bool:
        return self.client_partner_id is not None


class BusinessUnit(models.Model):
    """A unit of the firm; by default one per Odoo company, refined by operators."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    odoo_company_id = models.IntegerField(null=True, blank=True, db_index=True)
    currency_code = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoleMembershipQuerySet(models.QuerySet["RoleMembership"]):
    def for_unit(self, unit: BusinessUnit | int | None) -> RoleMembershipQuerySet:
        """Memberships that apply in `unit`: those of the unit and firm-wide ones."""
        unit_id = unit.pk if isinstance(unit, BusinessUnit) else unit
        return self.filter(Q(business_unit_id=unit_id) | Q(business_unit__isnull=True))


class RoleMembership(models.Model):
    """A role a person holds in one business unit, or firm-wide when the unit is empty."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoleMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "business_unit"], name="unique_role_per_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(business_unit__isnull=True),
                name="unique_firm_wide_role",
            ),
        ]
        indexes = [models.Index(fields=["role", "business_unit"])]

    def __str__(self) -> str:
        where = self.business_unit.code if self.business_unit else "all units"
        return f"{self.user} · {self.get_role_display()} · {where}"


class AuditEvent(models.Model):
    """One line of the append-only audit trail.

    Each row carries the hash of the previous row, so editing or deleting any row breaks
    every hash after it; `manage.py verify_audit` finds the first broken row. People are
    referred to by id so erasing someone's personal data keeps the chain intact.
    """

    created_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=80, db_index=True)
    actor_id = models.IntegerField(null=True, blank=True, db_index=True)
    on_behalf_of_id = models.IntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")


class AuditHead(models.Model):
    """The single row holding the newest audit hash; locked while an entry is appended."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head #{self.count}"
