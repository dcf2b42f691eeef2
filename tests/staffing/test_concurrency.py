"""Two resource managers book the last free hours of one person at the same time."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from portal.core.errors import Conflict
from portal.staffing.models import Booking, BookingStatus
from portal.staffing.services import book_candidate
from tests.staffing.conftest import ask
from tests.staffing.factories import ProjectFactory, existing_booking


@pytest.mark.postgres
def test_only_one_of_two_simultaneous_bookings_gets_the_last_free_hours(
    postgres, transactional_db, pm, rm, rm2, project, senior, team, start
):
    # Ana has 20 h a week free; each request wants exactly those 20 h.
    existing_booking(team.ana, ProjectFactory(), start, start + timedelta(weeks=6), "20")
    first = ask(pm, project, senior, start)
    second = ask(pm, project, senior, start)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def book(name: str, actor, request_id: int) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            outcomes[name] = book_candidate(
                actor,
                request_id=request_id,
                profile_id=team.ana.pk,
                seen_free_hours=Decimal("120"),
            ).booking.status
        except Conflict as error:
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=book, args=("rm", rm, first.pk)),
        threading.Thread(target=book, args=("rm2", rm2, second.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(str(v) for v in outcomes.values() if not isinstance(v, Conflict))
    refusals = [v for v in outcomes.values() if isinstance(v, Conflict)]
    assert statuses == [BookingStatus.CONFIRMED]
    assert len(refusals) == 1
    assert "capacity of Ana Alves changed" in refusals[0].message
    assert (
        Booking.objects.filter(consultant=team.ana, status="confirmed").count() == 2
    )  # + the old one
