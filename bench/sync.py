"""Benchmark: the read mirror's sync through odoorpc against a generated firm.

A sandbox with 200 projects, 5,000 tasks and about 100,000 timesheet lines (scaled by
BENCH_SCALE) runs as its own process; its state file is cached under var/bench. Rows:
full sync (records/s, Odoo calls, peak memory), incremental sync after 1% of timesheets
and tasks changed, and in the same run the naive baseline: one `read` per record for a
sample of 1,000 records, extrapolated to the whole firm.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.report import Report, scale, scaled

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 1000


def start_sandbox(state: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start (or reuse the cached state of) the bench sandbox; return the process and URL."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [sys.executable, "-m", "odoo_sandbox", "serve", "--port", str(port),
            "--state", str(state), "--scenario", "demo",
            "--consultants", str(scaled(400)), "--projects", str(scaled(200)),
            "--tasks-per-project", "25", "--timesheet-weeks", "27"]  # fmt: skip
    log = state.with_suffix(".log").open("wb")
    # The project's own sandbox, with arguments built here.
    process = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 1200  # generating 100,000 lines takes a while once
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox exited; see {state.with_suffix('.log')}")
        try:
            body = {"jsonrpc": "2.0", "method": "call", "params": {}}
            if httpx.post(f"{url}/web/webclient/version_info", json=body, timeout=2).is_success:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the bench sandbox did not start")


def control(url: str, op: str, **body: Any) -> Any:
    response = httpx.post(f"{url}/sandbox/{op}", json=body, timeout=120)
    response.raise_for_status()
    return response.json()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(report: Report) -> None:
    from portal.odoo import models as m
    from portal.odoo.connection import connect
    from portal.odoo.mirror import SPECS
    from portal.odoo.sync import sync_all

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / f"sandbox-sync-{scale():g}.json.gz"
    process, url = start_sandbox(state)
    try:
        client = connect(url, "sandbox", "admin", "admin", "jsonrpc", timeout=300)
        for spec in SPECS:
            spec.model.objects.all().delete()
        m.SyncState.objects.all().delete()
        m.SyncIssue.objects.all().delete()
        total = sum(
            client.search_count(s.key, [list(leaf) for leaf in s.domain], {"active_test": False})
            for s in SPECS
        )
        size = (
            f"{client.search_count('project.project', [])} "
            f"projects, {client.search_count('project.task', []):,} tasks, "
            f"{client.search_count('account.analytic.line', [['project_id', '!=', False]]):,} "
            f"timesheet lines ({total:,} records)"
        )

        # Baseline: the per-record way, one read per id for a sample, extrapolated.
        ids = client.search("account.analytic.line", [["project_id", "!=", False]], limit=SAMPLE)
        fields = next(s for s in SPECS if s.key == "account.analytic.line").fields
        started = time.perf_counter()
        for rid in ids:
            client.read("account.analytic.line", [rid], list(fields))
        per_record = (time.perf_counter() - started) / max(1, len(ids))
        baseline = per_record * total

        control(url, "reset_stats")
        started = time.perf_counter()
        results = sync_all(client, full=True)
        full_seconds = time.perf_counter() - started
        calls = control(url, "stats")["total"]
        changed = sum(r.changed for r in results)
        failed = [r.error for r in results if r.status != "ok"]
        report.add_row(
            name="Mirror sync, full (odoorpc)",
            size=size,
            figure=f"{changed / full_seconds:,.0f} records/s ({full_seconds:.1f} s, "
            f"{calls:,} Odoo calls, peak RSS {peak_rss_mb():.0f} MB)",
            baseline=f"{baseline:.0f} s one read per record (sample of {len(ids)})",
            ratio=f"{baseline / full_seconds:.0f}x faster",
            note="; ".join(failed),
        )

        # 1% of timesheets and tasks change in Odoo; the incremental run picks them up.
        changes = 0
        for model in ("account.analytic.line", "project.task"):
            all_ids = client.search(model, [], order="id")
            picked = all_ids[::100] or all_ids[:1]
            control(url, "touch", model=model, ids=picked, vals={"name": "Changed for bench"})
            changes += len(picked)
        control(url, "reset_stats")
        started = time.perf_counter()
        results = sync_all(client)
        inc_seconds = time.perf_counter() - started
        calls = control(url, "stats")["total"]
        report.add_row(
            name="Mirror sync, incremental after 1% changed",
            size=f"{changes:,} changed of {total:,}",
            figure=f"{inc_seconds:.1f} s, {calls:,} Odoo calls, "
            f"{sum(r.changed for r in results):,} records applied",
            baseline=f"{full_seconds:.1f} s full sync",
            ratio=f"{full_seconds / max(inc_seconds, 0.001):.0f}x faster",
        )
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":  # pragma: no cover - `python -m bench sync` is the entry point
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.exit("run it as: python -m bench sync")
