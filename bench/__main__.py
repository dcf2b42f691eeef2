"""Run every benchmark and record the results: `make bench` (or `python -m bench NAME…`)."""

from __future__ import annotations

import importlib
import os
import sys
import time

import django

from bench.report import Report

SUITES = ["sync", "outbox", "webhooks", "inbox", "staffing", "dashboards"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    wanted = argv or SUITES
    report = Report()
    failed = []
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            print(f"- {name}: not available", flush=True)  # noqa: T201
            continue
        except ImportError as exc:
            failed.append(name)
            print(f"- {name}: cannot be imported: {exc}", flush=True)  # noqa: T201
            continue
        print(f"- {name}", flush=True)  # noqa: T201
        started = time.perf_counter()
        try:
            module.run(report)
        except Exception as exc:  # noqa: BLE001 (one suite failing must not hide the others)
            failed.append(name)
            print(f"  {name} failed: {exc!r}", flush=True)  # noqa: T201
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)  # noqa: T201
    report.write()
    print(f"Wrote {len(report.rows)} rows to docs/benchmarks.md; failed: {failed or 'none'}")  # noqa: T201
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
