"""Health checks: database, broker and Odoo, each answering (ok, what was found).

The Odoo probe runs in a thread bounded by `HEALTH_ODOO_TIMEOUT` seconds and its answer
is kept for `HEALTH_ODOO_CACHE_SECONDS`, so a load balancer polling `/health/` every
second costs Odoo one call per ten seconds, and an Odoo that hangs costs a few seconds,
not the gateway's 30-second RPC timeout.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

QUEUE_NAME = "celery"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    checked_at: float  # time.time() of the probe

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, f"{type(exc).__name__}: {exc}", time.time())
    return Check("database", True, connection.vendor, time.time())


def broker_url() -> str:
    return str(settings.CELERY_BROKER_URL)


def _broker_folder() -> Path:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    # The worker fixture and the demo may point the producer elsewhere at runtime.
    from portal.celery import app

    live = app.conf.broker_transport_options or options
    return Path(live.get("data_folder_in") or options.get("data_folder_in") or "")


def check_broker() -> Check:
    url = broker_url()
    if url.startswith("filesystem://"):
        folder = _broker_folder()
        ok = folder.is_dir() and os.access(folder, os.W_OK)
        detail = f"filesystem queue {folder}" if ok else f"queue folder {folder} is not writable"
        return Check("broker", ok, detail, time.time())
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            client.ping()
        except redis.RedisError as exc:
            return Check("broker", False, f"Redis: {exc}", time.time())
        return Check("broker", True, "Redis answers", time.time())
    return Check("broker", True, "not checked for this transport", time.time())


def queue_depth() -> int | None:
    """Messages waiting in the default queue; None when it cannot be read."""
    url = broker_url()
    try:
        if url.startswith("filesystem://"):
            folder = _broker_folder()
            return sum(1 for entry in folder.iterdir() if entry.is_file())
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            return int(client.llen(QUEUE_NAME))
    except (OSError, ValueError) as exc:
        logger.warning("Queue depth unreadable: %s", exc)
    except Exception as exc:  # noqa: BLE001 - redis errors vary by version; logged, not raised
        logger.warning("Queue depth unreadable: %s", exc)
    return None


_odoo_lock = threading.Lock()
_odoo_cached: Check | None = None
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-odoo")


def _probe_odoo() -> tuple[bool, str]:
    # The gateway owns the probe; dashboards sit on top of it (DESIGN §4).
    from portal.odoo.connection import check_odoo

    return check_odoo()


def check_odoo_cached(max_age: float | None = None) -> Check:
    """The Odoo probe, at most one every `max_age` seconds per process."""
    global _odoo_cached
    max_age = settings_float("HEALTH_ODOO_CACHE_SECONDS", 10.0) if max_age is None else max_age
    timeout = settings_float("HEALTH_ODOO_TIMEOUT", 5.0)
    with _odoo_lock:
        cached = _odoo_cached
        if cached is not None and time.time() - cached.checked_at < max_age:
            return cached
        future = _executor.submit(_probe_odoo)
        try:
            ok, detail = future.result(timeout=timeout)
        except FutureTimeout:
            ok, detail = False, f"no answer within {timeout:g} s"
        except Exception as exc:  # noqa: BLE001 - any failure of the probe means "down"
            logger.warning("Odoo health probe failed: %s", exc)
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        _odoo_cached = Check("odoo", ok, detail, time.time())
        return _odoo_cached


def forget_odoo_check() -> None:
    """Drop the cached Odoo answer (tests; an operator's "check now")."""
    global _odoo_cached
    with _odoo_lock:
        _odoo_cached = None


def settings_float(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def run_checks() -> list[Check]:
    return [check_database(), check_broker(), check_odoo_cached()]
