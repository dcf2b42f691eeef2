"""Benchmark: inbound webhook intake under gunicorn with Debian's wrk (DESIGN §11).

gunicorn serves the portal (bench settings: SQLite under var/bench, or PostgreSQL when
DATABASE_URL is set) on loopback; wrk posts Odoo-rule JSON with a distinct `_id` per
request for DURATION seconds. Figures: events/s and p99 latency; then the stored rows
are counted against wrk's completed requests (none lost), and one body posted 100 times
must be stored once. Baseline in the same run: a no-op view under the same server.
Processing is timed separately (the worker is not running here; events stay pending).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.report import Report, scale

ROOT = Path(__file__).resolve().parent.parent
DURATION = 10
LUA = """
local counter = 0
local thread_no = 0
local threads = {}
function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end
function init(args)
  thread_no = tonumber(wrk.thread:get("thread_no")) or 0
end
request = function()
  counter = counter + 1
  local id = thread_no * 100000000 + counter
  local body = string.format('{"_model":"project.task","_id":%d,"_action":"bench(#1)",'
    .. '"write_date":"2025-01-01 10:00:00"}', id)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wrk(url: str, script: Path) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - Debian's wrk from PATH
            "wrk",
            "-t2",
            "-c32",
            f"-d{max(2, int(DURATION * scale()))}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)] if p99 else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "total": total,
        "p99_ms": float(p99.group(1)) * unit if p99 else 0.0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def run(report: Report) -> None:
    from portal.odoo.models_outbox import InboundEvent, WebhookIntegration

    if not shutil.which("wrk"):
        report.add_row("Webhook intake", "-", "skipped", note="wrk is not installed")
        return
    InboundEvent.objects.all().delete()
    integration, _ = WebhookIntegration.objects.get_or_create(
        slug="bench", defaults={"name": "Bench"}
    )
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_webhooks",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{base}/bench/noop/", content=b"{}", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "post.lua"
            script.write_text(LUA)
            noop = _wrk(f"{base}/bench/noop/", script)
            intake = _wrk(f"{base}/odoo/webhooks/{integration.slug}/{integration.secret}/", script)
        stored = InboundEvent.objects.filter(integration=integration).count()
        body = b'{"_model":"project.task","_id":7,"write_date":"2025-01-01 10:00:00"}'
        path = f"{base}/odoo/webhooks/{integration.slug}/{integration.secret}/"
        for _ in range(100):
            httpx.post(path, content=body, headers={"Content-Type": "application/json"})
        duplicates = InboundEvent.objects.filter(integration=integration, odoo_id=7).count()
    finally:
        server.terminate()
        server.wait(timeout=10)

    answered = intake["total"] - intake["non2xx"]
    lost = max(0, answered - stored)  # requests in flight when wrk stops complete later
    report.add_row(
        "Webhook intake (2xx with the event committed)",
        f"wrk 2 threads, 32 connections, {int(DURATION * scale())} s",
        f"{intake['rps']:.0f} events/s, p99 {intake['p99_ms']:.1f} ms",
        f"no-op view {noop['rps']:.0f} req/s, p99 {noop['p99_ms']:.1f} ms",
        f"{intake['rps'] / noop['rps']:.2f}" if noop["rps"] else "",
        "≥ 2,000 events/s, p99 ≤ 50 ms (PostgreSQL, 2 cores)",
        f"{stored} stored of {answered} answered ({lost} lost); one body sent 100 times stored "
        f"{duplicates} times; {intake['non2xx']} non-2xx",
    )
