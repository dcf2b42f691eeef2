"""The approval engine's tables: policies and their versions, requests, steps,
assignments (who may act on a step), decisions, delegations and sent notifications.

Requests and steps carry denormalised copies of what the inbox lists (title, amount,
client, project, unit, requester name), so the inbox reads one join and never loads
subjects.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.core.models import BusinessUnit


class Status(models.TextChoices):
    NEEDS_ROUTING = "needs_routing", "Needs routing"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (Status.NEEDS_ROUTING, Status.PENDING)


class StepStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for earlier steps"
    PENDING = "pending", "Pending"
    NEEDS_ROUTING = "needs_routing", "Needs routing"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class ContractType(models.TextChoices):
    FIXED_FEE = "fixed_fee", "Fixed fee"
    TIME_AND_MATERIALS = "time_and_materials", "Time and materials"
    RETAINER = "retainer", "Retainer"


class ApprovalPolicy(models.Model):
    """The approval matrix for one subject kind in one scope (unit x contract type).

    An empty business unit means every unit; an empty contract type means every type.
    The steps live in versions; exactly one version is active at a time.
    """

    kind = models.CharField(max_length=40)
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contract_type = models.CharField(
        max_length=32, blank=True, choices=ContractType.choices, default=""
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "business_unit__name", "contract_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "business_unit", "contract_type"], name="unique_policy_scope"
            ),
            models.UniqueConstraint(
                fields=["kind", "contract_type"],
                condition=Q(business_unit__isnull=True),
                name="unique_global_policy_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_label(self) -> str:
        unit = self.business_unit.name if self.business_unit else "All units"
        ctype = ContractType(self.contract_type).label if self.contract_type else "any contract"
        return f"{unit} · {ctype}"


class PolicyVersion(models.Model):
    """One immutable version of a policy's steps.

    A new version is `pending` until a second operator activates it; the previous active
    version becomes `superseded`. Requests point at the version that routed them.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending activation"
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"
        DISCARDED = "discarded", "Discarded"

    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # [{"order", "name", "approver_type": "role"|"person", "role", "person_id",
    #   "mode": "any"|"all"|"n", "n", "conditions": [{"field", "op", "value"}],
    #   "sla_hours", "escalation_roles": [...]}]
    steps = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="unique_policy_version"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(state="active"), name="one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number} ({self.state})"


class ApprovalRequestQuerySet(models.QuerySet["ApprovalRequest"]):
    def for_subject(self, subject: models.Model) -> ApprovalRequestQuerySet:
        return self.filter(
            subject_type=subject._meta.label_lower, subject_id=str(subject.pk)
        ).order_by("-id")

    def open(self) -> ApprovalRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def raised_by(self, user: Any) -> ApprovalRequestQuerySet:
        return self.filter(requester_id=user.pk)

    def needing_routing(self) -> ApprovalRequestQuerySet:
        return self.filter(status=Status.NEEDS_ROUTING)

    def visible_to(self, user: Any) -> ApprovalRequestQuerySet:
        """Requests the user raised, was ever assigned to, or decided; operators see all."""
        from portal.core.access import has_role

        if has_role(user, "operator") or user.is_superuser:
            return self
        return self.filter(
            Q(requester_id=user.pk)
            | Q(assignments__user_id=user.pk)
            | Q(decisions__actor_id=user.pk)
        ).distinct()


class ApprovalRequest(models.Model):
    """One request for approval of one subject; one open request per subject."""

    kind = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=80)  # "commercial.discountrequest"
    subject_id = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Bumped on every transition; a form posts the version it showed (409 when stale).
    version = models.PositiveIntegerField(default=1)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    # Denormalised for the inbox (filters and list columns without touching subjects).
    title = models.CharField(max_length=300)
    requester_name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    client_id = models.IntegerField(null=True, blank=True)
    client_name = models.CharField(max_length=255, blank=True)
    project_id = models.IntegerField(null=True, blank=True)
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_url = models.CharField(max_length=300, blank=True)
    summary_lines = models.JSONField(default=list, blank=True)
    facts = models.JSONField(default=dict, blank=True)  # snapshot at the last (re)submission
    last_diff = models.JSONField(default=list, blank=True)  # [[fact, before, after], ...]
    round = models.PositiveIntegerField(default=1)  # incremented on resubmission / reset
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    routing_problem = models.CharField(max_length=300, blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["requester", "status", "submitted_at"]),
            models.Index(fields=["status", "submitted_at"]),
            # Per-project look-ups (risk dashboard's stalled steps, inbox project filter)
            # would otherwise scan every pending step of the firm once per project.
            models.Index(fields=["project_id", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=Q(status__in=["needs_routing", "pending", "changes_requested"]),
                name="one_open_request_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def reference(self) -> str:
        return f"APR-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ApprovalStep(models.Model):
    """A step of one request, materialised from the policy version at routing time."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField()
    position = models.PositiveIntegerField(default=0)  # index in the policy's step list
    name = models.CharField(max_length=120)
    approver_type = models.CharField(max_length=10)  # "role" | "person"
    role = models.CharField(max_length=32, blank=True)
    person_id = models.IntegerField(null=True, blank=True)
    mode = models.CharField(max_length=4, default="any")  # any | all | n
    required = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=StepStatus.choices)
    sla_hours = models.PositiveIntegerField(default=16)
    escalation_roles = models.JSONField(default=list, blank=True)
    escalation_level = models.PositiveIntegerField(default=0)
    activated_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)  # the original due time; kept
    decided_at = models.DateTimeField(null=True, blank=True)
    round = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["order", "position"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.order}:{self.name}"


class Assignment(models.Model):
    """A person who may act on a pending step, materialised at routing time.

    `on_behalf_of` is set when the person acts as someone's delegate. The inbox reads
    these rows through the (user, active) index; routing, delegation, role loss and
    escalation keep them current.
    """

    class Source(models.TextChoices):
        POLICY = "policy", "Policy"
        FALLBACK = "fallback", "Fallback"
        DELEGATION = "delegation", "Delegation"
        ESCALATION = "escalation", "Escalation"
        OPERATOR = "operator", "Operator"

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="assignments")
    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approval_assignments"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.POLICY)
    active = models.BooleanField(default=True)
    # Denormalised from the request so the inbox sorts on the index alone.
    submitted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["user", "submitted_at"],
                condition=Q(active=True),
                name="assignment_inbox_idx",
            ),
            models.Index(fields=["step", "active"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "user"], condition=Q(active=True), name="one_active_per_step_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on step {self.step_id}"


class Decision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        REQUEST_CHANGES = "request_changes", "Changes requested"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_decisions"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    comment = models.TextField(blank=True)
    round = models.PositiveIntegerField(default=1)
    superseded = models.BooleanField(default=False)  # reset by a material edit
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["actor", "created_at"])]
        constraints = [
            # The database's last word on double submits: one live decision per person
            # per step and round.
            models.UniqueConstraint(
                fields=["step", "actor", "round"],
                condition=Q(superseded=False),
                name="one_decision_per_actor_step_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.outcome} by {self.actor_id} on {self.step_id}"


class Delegation(models.Model):
    """While `delegator` is away (dates inclusive), `delegate` may act for them."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_received"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["delegator", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.delegator_id} → {self.delegate_id} {self.starts_on}..{self.ends_on}"


class Notification(models.Model):
    """One notification owed to one person; the unique key makes sending idempotent."""

    class Kind(models.TextChoices):
        NEW_STEP = "new_step", "New item to decide"
        REMINDER = "reminder", "Reminder"
        DUE = "due", "Due now"
        ESCALATION = "escalation", "Escalation"
        ROUTING = "routing", "Needs routing"
        OUTCOME = "outcome", "Outcome"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DIGESTED = "digested", "Sent in a digest"

    key = models.CharField(max_length=160, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approval_notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    request = models.ForeignKey(
        ApprovalRequest, null=True, on_delete=models.CASCADE, related_name="notifications"
    )
    step = models.ForeignKey(ApprovalStep, null=True, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "state", "created_at"])]

    def __str__(self) -> str:
        return self.key
