"""`manage.py dashboards_backfill`: weekly risk snapshots for past weeks (the trend)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.dashboards.snapshots import TREND_WEEKS, backfill


class Command(BaseCommand):
    help = "Write risk snapshots for the last N finished ISO weeks (default 12)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weeks", type=int, default=TREND_WEEKS)

    def handle(self, *args: Any, weeks: int, **options: Any) -> None:
        if weeks < 1 or weeks > 104:
            self.stderr.write("--weeks must be between 1 and 104.")
            return
        rows = backfill(weeks)
        self.stdout.write(f"Wrote {rows} snapshot rows for {weeks} weeks.")
