from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
