"""When a row that Odoo could not take is tried again, and when the outbox gives up."""

from __future__ import annotations

from datetime import timedelta

# Seconds to wait after the 1st, 2nd, … failed attempt. Ten quickening steps cover short
# outages (a restart, a deploy); then every 4 h. Total window: 172,120 s = 47 h 48 min,
# so the 21st failed attempt, about 48 h after the first, turns the row into a dead
# letter ("gave up after 48 h").
BACKOFF_SECONDS: tuple[int, ...] = (
    10,
    30,
    60,
    120,
    300,
    600,
    1_800,
    3_600,
    7_200,
    14_400,
    14_400,
    14_400,
    14_400,
    14_400,
    14_400,
    14_400,
    14_400,
    14_400,
    14_400,
    14_400,
)
TOTAL_WINDOW_SECONDS = 172_120
GAVE_UP_MESSAGE = "Gave up after 48 h of retries; the last error was: {error}"


def next_delay(failed_attempts: int) -> timedelta | None:
    """The wait before the next try after `failed_attempts` failures; None means give up."""
    if failed_attempts < 1:
        return timedelta(0)
    if failed_attempts > len(BACKOFF_SECONDS):
        return None
    return timedelta(seconds=BACKOFF_SECONDS[failed_attempts - 1])
