"""`manage.py odoo_reconcile`: compare the mirror and delivered decisions with Odoo now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.odoo.reconcile import run_reconciliation


class Command(BaseCommand):
    help = "Report drift between the portal and Odoo (missing, extra, different) per model."

    def handle(self, *args: Any, **options: Any) -> None:
        run = run_reconciliation(trigger="command", progress=self.stdout.write)
        if run.error:
            raise CommandError(f"Reconciliation stopped: {run.error}")
        if not run.summary:
            self.stdout.write(self.style.SUCCESS("No drift: the portal and Odoo agree."))
            return
        for model, counts in sorted(run.summary.items()):
            parts = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
            self.stdout.write(f"{model}: {parts}")
        self.stdout.write(f"Fix each drift on /odoo/reconcile/ (run {run.pk}).")
