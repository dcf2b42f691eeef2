"""`manage.py odoo_sandbox [serve] [options]`: run the Odoo sandbox as its own process.

Every argument is passed through to `python -m odoo_sandbox` (see `python -m odoo_sandbox
serve --help`). The portal never imports the sandbox (DESIGN §4); this command only
starts it, forwards SIGINT/SIGTERM to it and exits with its exit status.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

SUBCOMMANDS = {"serve"}


def sandbox_command(args: list[str]) -> list[str]:
    """The command line that starts the sandbox; `serve` is implied when omitted."""
    if not args or (args[0] not in SUBCOMMANDS and args[0] not in {"-h", "--help"}):
        args = ["serve", *args]
    return [sys.executable, "-m", "odoo_sandbox", *args]


class Command(BaseCommand):
    help = "Run the Odoo sandbox (python -m odoo_sandbox serve …) with the given options."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sandbox_args", nargs="*", help="passed to python -m odoo_sandbox")

    def run_from_argv(self, argv: list[str]) -> None:
        # Django's parser would reject the sandbox's own options, so pass them through raw.
        sys.exit(self.launch(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:
        code = self.launch(list(options["sandbox_args"]))
        if code:
            sys.exit(code)

    def launch(self, args: list[str]) -> int:
        # Its own process group: a terminal's Ctrl-C (or a group kill) reaches the sandbox
        # once, through us, instead of twice.
        child = subprocess.Popen(sandbox_command(args), start_new_session=True)  # noqa: S603

        def forward(signum: int, frame: FrameType | None) -> None:
            child.send_signal(signum)

        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            return child.wait()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
