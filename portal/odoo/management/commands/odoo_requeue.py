"""`manage.py odoo_requeue`: dead letters back to the queue, by id, kind or all."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.core.errors import DomainError
from portal.odoo.operations import requeue_dead_letters


class Command(BaseCommand):
    help = "Put dead letters back in the outbox (audited as odoo.outbox.requeued)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Outbox row ids.")
        parser.add_argument("--kind", default="", help="Every dead letter of this kind.")
        parser.add_argument("--all", action="store_true", help="Every dead letter.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = requeue_dead_letters(
                actor=None, ids=options["ids"], kind=options["kind"], every=options["all"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Requeued {count} dead letters."))
