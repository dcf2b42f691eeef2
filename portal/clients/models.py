"""Client-side records owned by the portal.

Which projects a client may see (publications), who was invited, the weekly status
summaries written for clients, the requests clients raise and the conversation on them,
the routing rules for those requests, and the log of what each client user looked at.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ProjectPublicationQuerySet(models.QuerySet["ProjectPublication"]):
    def live(self) -> ProjectPublicationQuerySet:
        return self.filter(unpublished_at__isnull=True)


class ProjectPublication(models.Model):
    """An account manager's decision to show a project to its client's contacts."""

    project = models.OneToOneField(
        "odoo.Project", on_delete=models.CASCADE, related_name="publication", db_constraint=False
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)

    objects = ProjectPublicationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"project {self.project_id} published"


# -- invitations --------------------------------------------------------------------------


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A single-use, expiring invitation for one address to join one client.

    Only a hash of the secret is stored; the signed link in the email is the only copy.
    """

    email = models.EmailField()
    client_partner_id = models.IntegerField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation of {self.email} to client {self.client_partner_id}"

    @property
    def state(self) -> str:
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


# -- status summaries ---------------------------------------------------------------------


class HealthStatus(models.TextChoices):
    # The values are Odoo's project.update status keys, so they go to Odoo unchanged.
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class SummaryState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class StatusSummaryQuerySet(models.QuerySet["StatusSummary"]):
    def published(self) -> StatusSummaryQuerySet:
        return self.filter(state=SummaryState.PUBLISHED)

    def drafts(self) -> StatusSummaryQuerySet:
        return self.filter(state=SummaryState.DRAFT)

    def visible_to(self, user: Any) -> StatusSummaryQuerySet:
        from portal.clients.access import visible_summaries

        return visible_summaries(user, self)  # type: ignore[return-value]


class StatusSummary(models.Model):
    """One week's status of a project, written by its PM or delivery leader for the client."""

    project = models.ForeignKey(
        "odoo.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    state = models.CharField(
        max_length=16, choices=SummaryState.choices, default=SummaryState.DRAFT
    )
    status = models.CharField(
        max_length=16, choices=HealthStatus.choices, default=HealthStatus.ON_TRACK
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The figures the draft was pre-filled from, kept so the page can show them again.
    facts = models.JSONField(default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StatusSummaryQuerySet.as_manager()

    class Meta:
        ordering = ["-iso_year", "-iso_week", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "iso_year", "iso_week"], name="one_summary_per_project_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.iso_year}-W{self.iso_week:02d})"

    @property
    def week_label(self) -> str:
        return f"{self.iso_year}-W{self.iso_week:02d}"

    @property
    def outbox_key(self) -> str:
        return f"clients.status_summary:{self.pk}"


# -- client requests ----------------------------------------------------------------------


class Urgency(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class RequestStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_FOR_CLIENT = "waiting_for_client", "Waiting for your answer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_REQUEST_STATUSES = (
    RequestStatus.NEW,
    RequestStatus.IN_PROGRESS,
    RequestStatus.WAITING_FOR_CLIENT,
)


class ClientRequestQuerySet(models.QuerySet["ClientRequest"]):
    def open(self) -> ClientRequestQuerySet:
        return self.filter(status__in=OPEN_REQUEST_STATUSES)

    def waiting_for_client(self) -> ClientRequestQuerySet:
        return self.filter(status=RequestStatus.WAITING_FOR_CLIENT)

    def visible_to(self, user: Any) -> ClientRequestQuerySet:
        from portal.clients.access import visible_requests

        return visible_requests(user, self)  # type: ignore[return-value]


class ClientRequest(models.Model):
    """Something a client asks for on one of its projects; becomes a task in Odoo."""

    project = models.ForeignKey(
        "odoo.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The client company, copied at submission so scoping needs no join through Odoo data.
    client_partner_id = models.IntegerField(db_index=True)
    subject = models.CharField(max_length=200)
    description = models.TextField()
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(
        max_length=24, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.CharField(max_length=64, blank=True)
    route_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["assignee", "status"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def reference(self) -> str:
        return f"REQ-{self.pk:05d}"

    @property
    def outbox_key(self) -> str:
        return f"clients.request:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class RequestMessage(models.Model):
    """One message on a request: a reply both sides see, or a note only staff see."""

    request = models.ForeignKey(ClientRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    internal = models.BooleanField(default=False)
    from_client = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.request_id}"


class RequestAttachment(models.Model):
    """A file on a request, validated like milestone evidence and stored outside the web root."""

    request = models.ForeignKey(ClientRequest, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        RequestMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    original_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=255, unique=True)  # under PRIVATE_FILES_ROOT
    content_type = models.CharField(max_length=120)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def internal(self) -> bool:
        return self.message is not None and self.message.internal


class RouteTarget(models.TextChoices):
    PROJECT_MANAGER = "project_manager", "The project's manager"
    DELIVERY_LEADER = "delivery_leader", "The unit's delivery leader"
    PERSON = "person", "A named person"


class RoutingRule(models.Model):
    """A row of the routing table: which requests go to whom.

    Empty project or urgency matches any. The most specific matching rule wins (project
    beats urgency beats nothing), then the lowest `order`.
    """

    project = models.ForeignKey(
        "odoo.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    urgency = models.CharField(max_length=16, choices=Urgency.choices, blank=True)
    target = models.CharField(max_length=24, choices=RouteTarget.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    queue = models.CharField(max_length=64, blank=True, help_text="Queue name shown to staff.")
    order = models.IntegerField(default=50)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="person") | Q(person__isnull=False),
                name="routing_rule_person_needs_person",
            )
        ]

    def __str__(self) -> str:
        where = f"project {self.project_id}" if self.project_id else "any project"
        return f"{where}, {self.urgency or 'any urgency'} → {self.get_target_display()}"


# -- access log ---------------------------------------------------------------------------


class AccessAction(models.TextChoices):
    VIEWED = "viewed", "Viewed"
    DOWNLOADED = "downloaded", "Downloaded"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    UPLOADED = "uploaded", "Uploaded"
    SUBMITTED = "submitted", "Submitted"
    REPLIED = "replied", "Replied"


class ClientAccessLog(models.Model):
    """What a client user viewed, downloaded, accepted or rejected, and when."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_partner_id = models.IntegerField(db_index=True)
    # A verb ("viewed") or a dotted "<thing>.<verb>" ("evidence.downloaded"); see `verb`.
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    label = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client_partner_id", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.object_type}:{self.object_id}"

    @property
    def verb(self) -> str:
        return self.action.rsplit(".", 1)[-1]

    @property
    def verb_label(self) -> str:
        verb = self.verb
        return AccessAction(verb).label if verb in AccessAction.values else verb.replace("_", " ")
