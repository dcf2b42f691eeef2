"""Client-side records owned by the portal: which projects a client may see."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
