"""C16 on PostgreSQL: two people decide the same step at the same instant."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from portal.approvals import services
from portal.approvals.models import Decision, Status
from portal.core.errors import DomainError
from portal.odoo.models import OutboxMessage
from tests.approvals.factories import make_adjustment, make_policy, step
from tests.factories import person

pytestmark = [pytest.mark.postgres]


def race(request_id, deciders):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(deciders))
    outcomes: list[str] = []

    def run(user, decision):  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            services.decide(request_id, actor=user, decision=decision, comment="now")
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(f"{exc.status_code}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=d) for d in deciders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(outcomes)


@pytest.fixture
def last_step(postgres, transactional_db, unit, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("portal.approvals.notifications._send_soon", lambda: None)
    monkeypatch.setattr("portal.odoo.outbox._wake_worker", lambda: None)
    am = person("am@example.com", "account_manager", unit)
    p1 = person("p1@example.com", "finance", unit)
    p2 = person("p2@example.com", "finance", unit)
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    return req, p1, p2


def test_two_simultaneous_approvals_make_one_decision(last_step):
    req, p1, p2 = last_step
    assert race(req.pk, [(p1, "approve"), (p2, "approve")]) == ["409", "ok"]
    req.refresh_from_db()
    assert req.status == Status.APPROVED
    assert Decision.objects.filter(request=req).count() == 1
    assert OutboxMessage.objects.filter(key__startswith="commercial.adjustment").count() == 1


def test_approve_and_reject_at_once_one_outcome_wins(last_step):
    req, p1, p2 = last_step
    assert race(req.pk, [(p1, "approve"), (p2, "reject")]) == ["409", "ok"]
    req.refresh_from_db()
    assert req.status in (Status.APPROVED, Status.REJECTED)
    assert Decision.objects.filter(request=req).count() == 1
