"""Run the escalation job now, or at a given time (the demo "moves the clock")."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.approvals import escalation, notifications


class Command(BaseCommand):
    help = "Send approval reminders and escalate overdue steps as of now or --at."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help='Local time, e.g. "2026-12-10 09:00" (settings.TIME_ZONE)')
        parser.add_argument("--send", action="store_true", help="Also send queued emails now")

    def handle(self, *args: Any, **options: Any) -> None:
        at = timezone.now()
        if options.get("at"):
            try:
                naive = dt.datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f'--at: {exc}; write e.g. "2026-12-10 09:00"') from exc
            at = naive if naive.tzinfo else naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
        result = escalation.run(at)
        sent = notifications.send_due(at) if options.get("send") else 0
        self.stdout.write(
            f"At {at.isoformat()}: {result.reminders} reminders, {result.due} due notices, "
            f"{result.escalations} escalations, {result.rerouted} re-routed, {sent} emails sent."
        )
