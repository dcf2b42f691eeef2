from __future__ import annotations

from datetime import timedelta

from portal.odoo.backoff import BACKOFF_SECONDS, TOTAL_WINDOW_SECONDS, next_delay


def test_backoff_starts_at_ten_seconds_and_grows_to_four_hours() -> None:
    assert next_delay(1) == timedelta(seconds=10)
    assert next_delay(2) == timedelta(seconds=30)
    assert next_delay(10) == timedelta(hours=4)
    assert next_delay(20) == timedelta(hours=4)


def test_backoff_window_is_the_total_written_in_the_comment() -> None:
    assert sum(BACKOFF_SECONDS) == TOTAL_WINDOW_SECONDS
    assert timedelta(hours=47) < timedelta(seconds=TOTAL_WINDOW_SECONDS) <= timedelta(hours=48)


def test_backoff_gives_up_after_the_twentieth_retry() -> None:
    assert next_delay(21) is None
