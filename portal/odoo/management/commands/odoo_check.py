"""`manage.py odoo_check`: can the portal reach and log in to Odoo?"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.odoo.connection import check_odoo, describe_settings


class Command(BaseCommand):
    help = "Probe the Odoo connection in settings and say what was found."

    def handle(self, *args: Any, **options: Any) -> None:
        ok, message = check_odoo()
        if not ok:
            raise CommandError(f"Odoo not usable ({describe_settings()}): {message}")
        self.stdout.write(self.style.SUCCESS(f"OK: {message}"))
