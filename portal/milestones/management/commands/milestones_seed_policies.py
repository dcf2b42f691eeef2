"""Create the default approval policy for milestone billing validation (safe to run twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.milestones.policy_seed import seed_default_policy


class Command(BaseCommand):
    help = "Create the default milestone_acceptance approval policy if none is active."

    def handle(self, *args: Any, **options: Any) -> None:
        version, created = seed_default_policy()
        verb = "Created" if created else "Kept"
        self.stdout.write(f"{verb} {version} for milestone billing validation.")
