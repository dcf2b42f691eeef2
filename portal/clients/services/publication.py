"""Publishing a project to its client's contacts, and taking it back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.clients.access import can_publish
from portal.clients.models import ProjectPublication
from portal.core import audit
from portal.core.errors import DomainError, NotAllowed
from portal.core.models import User
from portal.odoo.models import Project


def publish_project(project: Project, *, actor: User) -> ProjectPublication:
    """Show `project` to its client's contacts (account managers of its unit)."""
    if not can_publish(actor, project):
        raise NotAllowed("Only an account manager of the project's unit can publish it.")
    if project.partner_id is None:
        raise DomainError("This project has no client in Odoo, so there is nobody to show it to.")
    with transaction.atomic():
        publication, created = ProjectPublication.objects.select_for_update().get_or_create(
            project=project, defaults={"published_by": actor}
        )
        if not created and publication.unpublished_at is None:
            return publication  # already visible; publishing twice changes nothing
        if not created:
            publication.unpublished_at = None
            publication.published_by = actor
            publication.published_at = timezone.now()
            publication.save(update_fields=["unpublished_at", "published_by", "published_at"])
        audit.record(
            "clients.project.published",
            actor=actor,
            obj=("odoo.project", project.pk),
            data={"client_partner_id": project.partner_id},
        )
    return publication


def unpublish_project(project: Project, *, actor: User) -> ProjectPublication | None:
    """Hide `project` from its client again; what the client already saw stays logged."""
    if not can_publish(actor, project):
        raise NotAllowed("Only an account manager of the project's unit can unpublish it.")
    with transaction.atomic():
        publication = ProjectPublication.objects.select_for_update().filter(project=project).first()
        if publication is None or publication.unpublished_at is not None:
            return publication
        publication.unpublished_at = timezone.now()
        publication.save(update_fields=["unpublished_at"])
        audit.record(
            "clients.project.unpublished",
            actor=actor,
            obj=("odoo.project", project.pk),
            data={"client_partner_id": project.partner_id},
        )
    return publication
