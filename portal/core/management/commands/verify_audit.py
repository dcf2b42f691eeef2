from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first tampered entry."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at entry {broken.event_id}: {broken.reason} "
                f"({checked} entries checked)."
            )
        self.stdout.write(f"Audit trail intact: {checked} entries verified, none tampered.")
