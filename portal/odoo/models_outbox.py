"""Outbox rows and their delivery attempts, inbound webhook events, reconciliation runs."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Delivered"
    DEAD = "dead", "Dead letter"
    RESOLVED = "resolved", "Resolved by an operator"


class OutboxQuerySet(models.QuerySet["OutboxMessage"]):
    def due(self, now: object | None = None) -> OutboxQuerySet:
        return self.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now or timezone.now())

    def claimable(self, now: object | None = None) -> OutboxQuerySet:
        """Due rows no live worker holds, that no earlier row of the same record waits for."""
        now = now or timezone.now()
        earlier_pending = OutboxMessage.objects.filter(
            ordering_key=OuterRef("ordering_key"),
            status=OutboxStatus.PENDING,
            pk__lt=OuterRef("pk"),
        )
        return (
            self.due(now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .exclude(Q(ordering_key__gt="") & Exists(earlier_pending))
        )

    def pending(self) -> OutboxQuerySet:
        return self.filter(status=OutboxStatus.PENDING)

    def dead_letters(self) -> OutboxQuerySet:
        return self.filter(status=OutboxStatus.DEAD)


class OutboxMessage(models.Model):
    """One operation that must reach Odoo exactly once."""

    kind = models.CharField(max_length=64, db_index=True)
    key = models.CharField(max_length=200, unique=True)
    ordering_key = models.CharField(max_length=120, blank=True, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_class = models.CharField(max_length=120, blank=True)
    resolution_note = models.TextField(blank=True)
    # The Odoo model the row touches, copied from the payload for the operators' filter.
    odoo_model = models.CharField(max_length=64, blank=True, db_index=True)
    # A lease, not a lock: a worker killed mid-delivery leaves the row claimable again
    # once `claimed_until` passes. `claim_token` stops a late worker from overwriting
    # the outcome recorded by the one that re-claimed the row after the lease ran out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"


class OutboxAttempt(models.Model):
    """One try at delivering an outbox row."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    started_at = models.DateTimeField()
    duration_ms = models.IntegerField(default=0)
    # started (still running, or interrupted when the lease ran out), delivered,
    # already_done (a retry found the effect in Odoo), retry, dead, paused.
    outcome = models.CharField(max_length=24)
    odoo_model = models.CharField(max_length=64, blank=True)
    odoo_method = models.CharField(max_length=64, blank=True)
    error_class = models.CharField(max_length=120, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.outcome}"


class OutboxControl(models.Model):
    """The queue-wide switch: paused after a credential failure until an operator resumes.

    One row (pk=1). A paused queue keeps every row pending; nothing is lost or retried
    in a loop that could lock the integration account.
    """

    paused = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return "paused" if self.paused else "running"

    @classmethod
    def get(cls) -> OutboxControl:
        control, _ = cls.objects.get_or_create(pk=1)
        return control


class EchoMark(models.Model):
    """A change the portal itself caused in Odoo, so its webhook echo is not re-processed."""

    model = models.CharField(max_length=64)
    res_id = models.IntegerField()
    write_date = models.CharField(max_length=32)  # Odoo's string, compared as it arrives
    message = models.ForeignKey(OutboxMessage, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["model", "res_id", "write_date"])]

    def __str__(self) -> str:
        return f"{self.model}:{self.res_id}@{self.write_date}"


def new_url_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookIntegration(models.Model):
    """A sender of inbound webhooks: an Odoo automation rule, or n8n signing its calls."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    secret = models.CharField(max_length=100, default=new_url_secret)
    # Standard Webhooks secret ("whsec_…"); when set, every call must be signed with it.
    signing_secret = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InboundStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the worker"
    APPLIED = "applied", "Applied"
    ECHO = "echo", "Ignored: the portal's own change"
    STALE = "stale", "Ignored: older than the mirror"
    FAILED = "failed", "Failed"


class InboundEvent(models.Model):
    """One webhook call as received; the worker applies it later."""

    integration = models.ForeignKey(
        WebhookIntegration, on_delete=models.CASCADE, related_name="events"
    )
    dedupe_key = models.CharField(max_length=200)
    model = models.CharField(max_length=64, blank=True)
    odoo_id = models.IntegerField(null=True, blank=True)
    action = models.CharField(max_length=200, blank=True)
    write_date = models.CharField(max_length=32, blank=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=InboundStatus.choices, default=InboundStatus.PENDING
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "dedupe_key"], name="inbound_event_once_per_key"
            )
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.model}:{self.odoo_id} {self.status}"


class ReconciliationRun(models.Model):
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=16, default="schedule")  # schedule, manual, command
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"reconciliation {self.pk} {self.started_at:%Y-%m-%d %H:%M}"


class DriftKind(models.TextChoices):
    MISSING = "missing", "Missing in Odoo"
    EXTRA = "extra", "In Odoo, not in the mirror"
    DIFFERENT = "different", "Different"


class DriftStatus(models.TextChoices):
    OPEN = "open", "Open"
    REAPPLIED = "reapplied", "Re-applied"
    ACCEPTED = "accepted", "Odoo's value accepted"


class Drift(models.Model):
    """One difference between what the portal believes and what Odoo holds."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="drifts")
    model = models.CharField(max_length=64)
    odoo_id = models.IntegerField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=DriftKind.choices)
    field = models.CharField(max_length=64, blank=True)
    portal_value = models.TextField(blank=True)
    odoo_value = models.TextField(blank=True)
    message = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=DriftStatus.choices, default=DriftStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["model", "odoo_id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.model}:{self.odoo_id} {self.field}"
