"""Settings for benchmarks: the portal's, with a database of their own under var/bench."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault(
    "PORTAL_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench")
)

from portal.settings import *  # noqa: F403

DEBUG = False
