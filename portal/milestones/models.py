"""Portal-side records of Odoo milestones: evidence, sign-offs and billing state.

Odoo owns the milestone itself (deadline, reached flag, sale-order line, percentage);
the portal owns what happens between "work delivered" and "invoice posted": the files
that prove it, the client's acceptance, finance's validation and the times of each step.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

from portal.odoo.models import Milestone


class BillingState(models.TextChoices):
    NOT_READY = "not_ready", "Not ready"
    READY = "ready", "Ready for client review"
    CLIENT_ACCEPTED = "client_accepted", "Accepted by client"
    CLIENT_REJECTED = "client_rejected", "Rejected by client"
    VALIDATED = "validated", "Validated by finance"
    REACHED_IN_ODOO = "reached_in_odoo", "Reached in Odoo"
    INVOICE_DRAFTED = "invoice_drafted", "Draft invoice"
    INVOICE_POSTED = "invoice_posted", "Invoice posted"


class ContractType(models.TextChoices):
    FIXED_FEE = "fixed_fee", "Fixed fee"
    TIME_AND_MATERIALS = "time_and_materials", "Time and materials"
    RETAINER = "retainer", "Retainer"


# States in which the client's acceptance stands; evidence or milestone changes undo it.
SIGNED_STATES = (BillingState.CLIENT_ACCEPTED,)
# States after finance validation: Odoo has been (or is being) told; nothing is undone.
BILLED_STATES = (
    BillingState.VALIDATED,
    BillingState.REACHED_IN_ODOO,
    BillingState.INVOICE_DRAFTED,
    BillingState.INVOICE_POSTED,
)


class EvidenceSlot(models.Model):
    """A kind of document a milestone can carry (deliverable, acceptance letter, ...)."""

    key = models.SlugField(max_length=40, primary_key=True)
    label = models.CharField(max_length=120)
    order = models.IntegerField(default=50)

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.label


class EvidenceRequirement(models.Model):
    """A slot that must hold evidence before a milestone of a contract type is ready.

    The checklist is data (seeded by a migration, edited in the admin), not code.
    """

    contract_type = models.CharField(max_length=24, choices=ContractType.choices)
    slot = models.ForeignKey(EvidenceSlot, on_delete=models.CASCADE, related_name="requirements")

    class Meta:
        ordering = ["contract_type", "slot__order"]
        constraints = [
            models.UniqueConstraint(fields=["contract_type", "slot"], name="unique_requirement")
        ]

    def __str__(self) -> str:
        return f"{self.get_contract_type_display()}: {self.slot_id}"


class MilestoneRecordQuerySet(models.QuerySet["MilestoneRecord"]):
    def in_billing(self) -> MilestoneRecordQuerySet:
        """Records somewhere between "ready" and "invoice posted"."""
        return self.exclude(state=BillingState.INVOICE_POSTED)

    def waiting_for_client(self) -> MilestoneRecordQuerySet:
        return self.filter(state=BillingState.READY)

    def signed_off(self) -> MilestoneRecordQuerySet:
        return self.filter(state__in=SIGNED_STATES)


class MilestoneRecord(models.Model):
    """The portal's side of one Odoo milestone, keyed by the Odoo milestone id."""

    milestone = models.OneToOneField(
        Milestone,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="record",
    )
    state = models.CharField(
        max_length=24, choices=BillingState.choices, default=BillingState.NOT_READY
    )
    # Blank means "derived from the sale-order line's service policy".
    contract_type_override = models.CharField(
        max_length=24, choices=ContractType.choices, blank=True
    )
    # Amount to bill when the milestone has no sale-order line (invoice.draft_move).
    manual_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    manual_currency = models.CharField(max_length=3, blank=True)

    ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_request_id = models.IntegerField(null=True, blank=True)
    invoice_id = models.IntegerField(null=True, blank=True, db_index=True)
    # What the client accepted: milestone facts at sign-off, compared on every sync.
    signed_snapshot = models.JSONField(default=dict, blank=True)
    last_note = models.TextField(blank=True)

    # Billing lag: the time of each step (the KPI is computed from these).
    due_date = models.DateField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    client_accepted_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    reached_at = models.DateTimeField(null=True, blank=True)
    invoice_drafted_at = models.DateTimeField(null=True, blank=True)
    invoice_posted_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MilestoneRecordQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["state", "state_changed_at"])]

    def __str__(self) -> str:
        return f"milestone {self.pk} ({self.state})"

    @property
    def billing_lag(self) -> timedelta | None:
        """Reached in Odoo → draft invoice (DESIGN §7's billing-lag KPI)."""
        if self.reached_at is None or self.invoice_drafted_at is None:
            return None
        return self.invoice_drafted_at - self.reached_at


class Evidence(models.Model):
    """One uploaded file; a new upload to the same slot is the slot's next version."""

    record = models.ForeignKey(MilestoneRecord, on_delete=models.CASCADE, related_name="evidence")
    slot = models.ForeignKey(EvidenceSlot, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=255, unique=True)  # under PRIVATE_FILES_ROOT
    content_type = models.CharField(max_length=120)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_client = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot__order", "-version", "id"]
        indexes = [models.Index(fields=["record", "slot", "version"])]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.version})"


class Decision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class SignOff(models.Model):
    """A client contact's acceptance or rejection of a milestone's evidence."""

    record = models.ForeignKey(MilestoneRecord, on_delete=models.CASCADE, related_name="signoffs")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.TextField(blank=True)
    typed_name = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    signed_at = models.DateTimeField()
    evidence_ids = models.JSONField(default=list)  # the versions the client saw
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidated_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.decision} by {self.typed_name}"


STEP_LABELS = {
    "evidence_uploaded": "Evidence uploaded",
    "ready": "Marked ready",
    "client_accepted": "Accepted by the client",
    "client_rejected": "Rejected by the client",
    "submitted_to_finance": "Sent to finance",
    "validated": "Validated by finance",
    "finance_rejected": "Not validated by finance",
    "signoff_invalidated": "Sign-off undone",
    "reached_in_odoo": "Reached in Odoo",
    "invoice_drafted": "Draft invoice",
    "invoice_posted": "Invoice posted",
}


class TimelineEntry(models.Model):
    """One step of a milestone's history, shown on its page with its time."""

    record = models.ForeignKey(MilestoneRecord, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    step = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.step, self.step.replace("_", " ").capitalize())
