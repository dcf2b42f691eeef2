"""Prepare one Office Design milestone with evidence, so a user can try the billing flow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.core.models import User
from portal.milestones import services
from portal.odoo.models import Milestone

DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    b"% Demo acceptance letter for the delivery portal\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


class Command(BaseCommand):
    help = "Attach a demo acceptance letter to Office Design's next open milestone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", default="Office Design")
        parser.add_argument(
            "--amount", default="1500.00", help="Amount to bill when the milestone has no line."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        milestone = (
            Milestone.objects.filter(
                project__name=options["project"], is_reached=False, deleted_in_odoo=False
            )
            .select_related("project")
            .order_by("deadline", "pk")
            .first()
        )
        if milestone is None:
            raise CommandError(
                f"No open milestone of {options['project']!r} in the mirror; sync Odoo first."
            )
        project = milestone.project
        actor = (
            User.objects.filter(odoo_user_id=project.manager_id).first() if project else None
        ) or User.objects.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError("Create the project's manager (or a superuser) first.")

        record = services.ensure_record(milestone)
        if milestone.sale_line_id is None and record.manual_amount is None:
            services.update_billing(
                record.pk,
                actor=actor,
                contract_type_override="",
                manual_amount=Decimal(options["amount"]),
                manual_currency="",
            )
        if not record.evidence.exists():
            services.add_evidence(
                record.pk,
                actor=actor,
                slot_key="acceptance_document",
                files=[SimpleUploadedFile("acceptance-letter.pdf", DEMO_PDF, "application/pdf")],
                note="Demo acceptance letter",
            )
        self.stdout.write(
            f"Milestone {milestone.name!r} ({milestone.pk}) of {project} has evidence; "
            f"open /milestones/{milestone.pk}/ as {actor.email} and mark it ready."
        )
