"""`python -m odoo_sandbox serve`: startup line, API key, state saved on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import odoorpc

from odoo_sandbox.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_serve_announces_answers_and_saves_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "state.json.gz"
    command = [
        sys.executable,
        "-m",
        "odoo_sandbox",
        "serve",
        "--no-demo",
        "--port",
        "0",
        "--state",
        str(state),
        "--api-key",
        "cli-key",
        "--odoo-version",
        "17.0",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(
            r"Odoo sandbox 17\.0 listening on http://127\.0\.0\.1:(\d+) \(db sandbox\)\n", line
        )
        assert match, line
        odoo = odoorpc.ODOO("127.0.0.1", port=int(match.group(1)), timeout=5)
        odoo.login("sandbox", "admin", "cli-key")
        partner = odoo.env["res.partner"].create({"name": "Saved on exit"})
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)

    assert Store.load(state).get("res.partner", partner)["name"] == "Saved on exit"
