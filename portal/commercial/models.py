"""Discount and write-off requests: the commercial subjects of the approval engine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.core.models import BusinessUnit


class Adjustment(models.Model):
    """A requested discount on a line not yet invoiced, or a write-off of a residual."""

    class Type(models.TextChoices):
        DISCOUNT = "discount", "Discount"
        WRITE_OFF = "write_off", "Write-off"

    class Target(models.TextChoices):
        SALE_LINE = "sale_line", "Sale order line"
        INVOICE_LINE = "invoice_line", "Draft invoice line"
        INVOICE = "invoice", "Posted invoice"

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"

    type = models.CharField(max_length=10, choices=Type.choices)
    target = models.CharField(max_length=12, choices=Target.choices)
    sale_line_id = models.IntegerField(null=True, blank=True)  # mirror ids (Odoo ids)
    invoice_line_id = models.IntegerField(null=True, blank=True)
    invoice_id = models.IntegerField(null=True, blank=True)
    order_id = models.IntegerField(null=True, blank=True)
    partner_id = models.IntegerField(null=True, blank=True)
    project_id = models.IntegerField(null=True, blank=True)
    discount_pct = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # value in `currency`
    base_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    currency = models.CharField(max_length=3)
    contract_type = models.CharField(max_length=32, blank=True)
    margin_pct = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    label = models.CharField(max_length=300)
    client_name = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjustments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.label}"

    @property
    def reference(self) -> str:
        return f"ADJ-{self.pk}"

    def visible_to_user(self, user: Any) -> bool:
        from portal.core.access import has_role

        if user.pk == self.requested_by_id or user.is_superuser:
            return True
        return has_role(user, VIEWER_ROLES, self.business_unit)


# Who sees discount and write-off requests of their units, in lists and on detail pages alike.
VIEWER_ROLES = ["account_manager", "finance", "practice_leader", "operator", "delivery_leader"]


class AdjustmentQuerySet(models.QuerySet[Adjustment]):
    pass


def visible_adjustments(user: Any) -> models.QuerySet[Adjustment]:
    from portal.core.access import unit_filter

    scope = unit_filter(user, VIEWER_ROLES)
    own = Q(requested_by_id=user.pk)
    if scope is None:
        return Adjustment.objects.filter(own)
    return Adjustment.objects.filter(own | scope)
