"""Demo data of the client portal: published projects and one published status summary.

Run after `seed_demo` (the demo runner calls it when present). Idempotent: a project
already published, or a week already summarised, is left as it is.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from portal.clients import services
from portal.clients.access import can_edit_summary, can_publish
from portal.clients.models import ProjectPublication, StatusSummary, SummaryState
from portal.core.access import users_with_role
from portal.core.models import Role, RoleMembership, User
from portal.odoo.models import Project

PROJECTS_PER_CLIENT = 2
SUMMARY_PROJECT = "Office Design"


class Command(BaseCommand):
    help = "Publish demo projects to the demo client contacts and one status summary."

    def handle(self, *args: Any, **options: Any) -> None:
        contacts = list(User.objects.filter(client_partner_id__isnull=False, is_active=True))
        managers = list(
            User.objects.filter(
                is_active=True,
                memberships__in=RoleMembership.objects.filter(role=Role.ACCOUNT_MANAGER),
            ).distinct()
        )
        if not contacts or not managers:
            self.stdout.write("No client contacts or account managers yet: run seed_demo first.")
            return
        for company in sorted({c.client_partner_id for c in contacts}):  # type: ignore[type-var]
            self.publish_for(company, managers)  # type: ignore[arg-type]
        self.summary()

    def publish_for(self, company: int, managers: list[User]) -> None:
        projects = (
            Project.objects.active()
            .filter(partner__commercial_partner_id=company)
            .order_by("name")[:PROJECTS_PER_CLIENT]
        )
        for project in projects:
            if ProjectPublication.objects.filter(project=project).exists():
                continue  # published, or unpublished on purpose by an account manager
            manager = next((m for m in managers if can_publish(m, project)), None)
            if manager is None:
                self.stdout.write(f"{project.name}: no account manager of its unit; skipped.")
                continue
            services.publish_project(project, actor=manager)
            self.stdout.write(f"Published {project.name!r} to its client's contacts.")

    def summary(self) -> None:
        project = (
            Project.objects.filter(name=SUMMARY_PROJECT, publication__unpublished_at__isnull=True)
            .filter(publication__isnull=False)
            .first()
        )
        if project is None:
            self.stdout.write(f"{SUMMARY_PROJECT!r} is not published; no status summary.")
            return
        if StatusSummary.objects.filter(project=project, state=SummaryState.PUBLISHED).exists():
            return
        draft, _ = services.draft_summary(project)
        editors = [draft.assignee] if draft.assignee else []
        editors += users_with_role(Role.DELIVERY_LEADER, project.business_unit_id)
        editor = next((e for e in editors if e is not None and can_edit_summary(e, project)), None)
        if editor is None:
            self.stdout.write(f"Nobody may publish {project.name}'s summary; left as a draft.")
            return
        with transaction.atomic():
            services.publish_summary(
                draft,
                actor=editor,
                title=f"{project.name}: design phase on plan",
                body=draft.body,
                status="on_track",
            )
        self.stdout.write(f"Published this week's status summary of {project.name!r}.")
