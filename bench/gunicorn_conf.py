"""gunicorn settings for the webhook benchmark: each worker reports its group commits."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def worker_exit(server: Any, worker: Any) -> None:
    from portal.odoo.webhooks import GROUP

    path = os.environ.get("BENCH_GROUP_STATS")
    if path:
        with Path(path).open("a") as out:
            out.write(json.dumps({"batches": GROUP.batches, "items": GROUP.items}) + "\n")
