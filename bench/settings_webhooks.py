"""Bench settings plus the no-op baseline URL (never part of the portal's own URLs)."""

from __future__ import annotations

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.webhook_urls"
