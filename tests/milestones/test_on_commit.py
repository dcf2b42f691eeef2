"""C10: work after an upload is queued only after commit; a rollback leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail

from portal.milestones import services
from portal.milestones.models import Evidence
from tests.milestones.files import pdf

pytestmark = pytest.mark.django_db


def test_notify_task_is_sent_only_after_commit_and_finds_the_row(
    ms, pm, sent_tasks, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = services.add_evidence(
            ms.record.pk, actor=pm, slot_key="deliverable", files=[pdf()]
        )
        assert sent_tasks == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()

    assert sent_tasks == [("portal.milestones.tasks.notify_evidence_added", ([created[0].pk],))]
    assert [m.to for m in mail.outbox] == [["pm@example.com"]]


def test_a_rollback_after_the_insert_sends_nothing_and_leaves_no_file(
    ms, pm, sent_tasks, private_files: Path, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(services.audit, "record", fail)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        services.add_evidence(ms.record.pk, actor=pm, slot_key="deliverable", files=[pdf()])

    assert callbacks == []
    assert sent_tasks == []
    assert Evidence.objects.count() == 0
    assert [p for p in private_files.rglob("*") if p.is_file()] == []
