"""Benchmark: decisions reaching Odoo (DESIGN §11), batched outbox vs the per-record way.

A sandbox with Odoo's demo data runs as its own process with 20 ms added to every call.
100 decisions are approved in one bulk action; each posts an internal note on its task
and sets the task's priority (the same value for all, as a bulk approval does). The
outbox delivers them; the sandbox counts every request (look-ups, the echo read and
retries included). In the same run, the per-record way: per decision a look-up, a
`message_post`, a `write` and a read of `write_date`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.report import Report, scaled

ROOT = Path(__file__).resolve().parent.parent
LATENCY_MS = 20


def start_sandbox(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    state = folder / "sandbox-outbox.json.gz"
    args = [
        sys.executable,
        "-m",
        "odoo_sandbox",
        "serve",
        "--port",
        str(port),
        "--demo",
        "--state",
        str(state),
    ]
    log = (folder / "sandbox-outbox.log").open("wb")
    process = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            body = {"jsonrpc": "2.0", "method": "call", "params": {}}
            if httpx.post(f"{url}/web/webclient/version_info", json=body, timeout=2).is_success:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the outbox bench sandbox did not start")


def control(url: str, op: str, **body: Any) -> Any:
    response = httpx.post(f"{url}/sandbox/{op}", json=body, timeout=60)
    response.raise_for_status()
    return response.json()


def run(report: Report) -> None:
    from django.conf import settings
    from django.db import transaction

    from portal.odoo.connection import get_client, reset_client
    from portal.odoo.delivery import drain
    from portal.odoo.models_outbox import OutboxMessage, OutboxStatus
    from portal.odoo.outbox import enqueue

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    process, url = start_sandbox(folder)
    try:
        settings.ODOO_URL, settings.ODOO_DB, settings.ODOO_TRANSPORT = url, "sandbox", "jsonrpc"
        settings.ODOO_USER = settings.ODOO_PASSWORD = "admin"  # noqa: S105 - the sandbox demo login
        reset_client()
        client = get_client()
        count = scaled(100)
        tasks = client.search("project.task", [], limit=count)
        while len(tasks) < count:  # the demo has fewer tasks than a full run needs
            tasks += tasks[: count - len(tasks)]
        control(url, "faults", latency_ms=LATENCY_MS)

        # The outbox way.
        OutboxMessage.objects.all().delete()
        stamp = time.time_ns()
        control(url, "reset_stats")
        started = time.perf_counter()
        with transaction.atomic():
            for n, task in enumerate(tasks):
                key = f"bench:{stamp}:{n}"
                enqueue(
                    "chatter.post",
                    f"{key}:note",
                    {"model": "project.task", "res_id": task, "body": f"<p>Approved {n}</p>"},
                    ordering_key=f"project.task:{task}",
                )
                enqueue(
                    "record.write",
                    f"{key}:write",
                    {"model": "project.task", "ids": [task], "values": {"priority": "1"}},
                    ordering_key=f"project.task:{task}",
                )
        while OutboxMessage.objects.exclude(status=OutboxStatus.DONE).exists():
            if not drain():
                break
        batched_seconds = time.perf_counter() - started
        batched_calls = control(url, "stats")["total"]
        left = OutboxMessage.objects.exclude(status=OutboxStatus.DONE).count()

        # The per-record way, same decisions.
        control(url, "reset_stats")
        started = time.perf_counter()
        for n, task in enumerate(tasks):
            marker = f"naive:{stamp}:{n}"
            client.search(
                "mail.message",
                [["model", "=", "project.task"], ["res_id", "=", task], ["body", "ilike", marker]],
                limit=1,
            )
            client.call(
                "project.task",
                "message_post",
                [task],
                body=f"<p>{marker}</p>",
                body_is_html=True,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            client.write("project.task", [task], {"priority": "1"})
            client.read("project.task", [task], ["write_date"])
        naive_seconds = time.perf_counter() - started
        naive_calls = control(url, "stats")["total"]
    finally:
        process.terminate()
        process.wait(timeout=10)

    per_decision = batched_calls / count
    naive_per_decision = naive_calls / count
    report.add_row(
        "Odoo requests per decision (bulk approval, 20 ms per call)",
        f"{count} decisions (note + write each)",
        f"{per_decision:.2f} requests/decision ({batched_calls} requests)",
        f"per-record way {naive_per_decision:.2f} requests/decision",
        f"{per_decision / naive_per_decision:.3f}",
        "≤ 1.1 vs ≥ 3",
        f"{left} not delivered" if left else "all delivered once",
    )
    report.add_row(
        "Time until all decisions are applied in Odoo",
        f"{count} decisions",
        f"{batched_seconds:.2f} s",
        f"per-record way {naive_seconds:.2f} s",
        f"{batched_seconds / naive_seconds:.3f}",
        "",
        "in-process drain; a worker adds one broker hop",
    )
