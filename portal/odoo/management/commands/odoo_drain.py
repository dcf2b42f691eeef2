"""`manage.py odoo_drain`: deliver every due outbox row now, in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.odoo.delivery import drain
from portal.odoo.models_outbox import OutboxControl, OutboxMessage


class Command(BaseCommand):
    help = "Deliver every outbox row that is due now (with --all, also those waiting to retry)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Also rows waiting for their backoff (after an outage).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if OutboxControl.get().paused:
            self.stderr.write("Delivery is paused (Odoo refused the credentials); resume it first.")
            return
        handled = drain(
            include_waiting=options["all"],
            progress=lambda totals: self.stdout.write(
                ", ".join(f"{k} {v}" for k, v in sorted(totals.items()))
            ),
        )
        left = OutboxMessage.objects.pending().count()
        dead = OutboxMessage.objects.dead_letters().count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Handled {handled} rows; {left} still waiting, {dead} dead letters."
            )
        )
