"""`manage.py odoo_sync [--model X] [--full]`: bring the read mirror up to date."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.odoo.client import OdooError
from portal.odoo.connection import describe_settings, get_client
from portal.odoo.mirror import SPECS, spec_for
from portal.odoo.sync import SyncResult, sync_all


class Command(BaseCommand):
    verbosity = 1
    help = "Sync the portal's read mirror from Odoo (incremental unless --full)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--model",
            action="append",
            dest="models",
            help="an Odoo model (project.task) or mirror name (task); repeatable. "
            f"Default: all {len(SPECS)}.",
        )
        parser.add_argument(
            "--full", action="store_true", help="re-read everything and re-check deletions"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        models = options["models"] or None
        self.verbosity = int(options["verbosity"])
        try:
            for name in models or []:
                spec_for(name)
        except KeyError as exc:
            raise CommandError(exc.args[0]) from exc
        started = time.perf_counter()
        try:
            client = get_client()
        except OdooError as exc:
            raise CommandError(
                f"Odoo not reachable ({describe_settings()}): {exc.message}"
            ) from exc
        self.stdout.write(f"Odoo {client.version} at {client.url} ({client.transport})")

        results = sync_all(
            client,
            full=options["full"],
            models_to_sync=models,
            progress=self._progress,
            on_result=self._report,
        )

        failed = [r for r in results if r.status != "ok"]
        summary = (
            f"Synced {len(results) - len(failed)} models: "
            f"{sum(r.changed for r in results):,} records changed in "
            f"{time.perf_counter() - started:.1f} s, {sum(r.calls for r in results):,} Odoo "
            f"calls, {sum(r.issues for r in results):,} issues"
        )
        if failed:
            raise CommandError(f"{summary}; {len(failed)} failed: {failed[0].error}")
        self.stdout.write(self.style.SUCCESS(summary))

    def _report(self, r: SyncResult) -> None:
        line = (
            f"  {r.model:<24} {r.changed:>9,} changed {r.deleted:>6,} deleted "
            f"{r.issues:>4} issues {r.calls:>5} calls {r.seconds:7.1f} s"
        )
        if r.status != "ok":
            line += f"  FAILED: {r.error}"
        self.stdout.write(line)

    def _progress(self, message: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(f"    {message}")
