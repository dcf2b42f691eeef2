from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_settings({"PORTAL_ENV": "production"})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_names_the_missing_database_url():
    result = run_settings(
        {"PORTAL_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "portal.example"}
    )

    assert "DATABASE_URL must be set" in result.stderr


def database_settings(env: dict[str, str]) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_POOL"}}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, portal.settings as s; print(json.dumps(s.DATABASES['default']))",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_database_pool_borrows_connections_instead_of_keeping_one_per_thread():
    url = "postgres://portal:secret@db.example:5432/portal"
    pooled = database_settings({"DATABASE_URL": url, "DATABASE_POOL": "8"})
    kept = database_settings({"DATABASE_URL": url})

    assert pooled["CONN_MAX_AGE"] == 0  # a request gives its connection back when it ends
    assert pooled["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 8, "timeout": 10}
    assert kept["CONN_MAX_AGE"] == 60
    assert "pool" not in kept.get("OPTIONS", {})
