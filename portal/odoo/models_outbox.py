"""Outbox rows and their delivery attempts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Delivered"
    DEAD = "dead", "Dead letter"
    RESOLVED = "resolved", "Resolved by an operator"


class OutboxQuerySet(models.QuerySet["OutboxMessage"]):
    def due(self, now: object | None = None) -> OutboxQuerySet:
        return self.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now or timezone.now())

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
    resolution_note = models.TextField(blank=True)

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
    outcome = models.CharField(max_length=24)  # delivered, retry, dead, paused
    odoo_model = models.CharField(max_length=64, blank=True)
    odoo_method = models.CharField(max_length=64, blank=True)
    error_class = models.CharField(max_length=120, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.outcome}"
