from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.core import audit
from portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_entries_chain_to_each_other():
    first = audit.record("core.test.first", data={"n": 1})
    second = audit.record("core.test.second", data={"n": 2})

    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert audit.verify_chain() == (2, None)


def test_verify_reports_first_tampered_entry():
    audit.record("core.test.a")
    tampered = audit.record("core.test.b", data={"amount": "100.00"})
    audit.record("core.test.c")
    AuditEvent.objects.filter(pk=tampered.pk).update(data={"amount": "1.00"})

    _, broken = audit.verify_chain()

    assert broken is not None
    assert broken.event_id == tampered.pk
    with pytest.raises(CommandError, match=f"entry {tampered.pk}"):
        call_command("verify_audit")


def test_deleting_the_newest_entry_is_detected():
    audit.record("core.test.a")
    last = audit.record("core.test.b")
    AuditEvent.objects.filter(pk=last.pk).delete()

    _, broken = audit.verify_chain()

    assert broken is not None
    assert "missing" in broken.reason


def test_events_cannot_be_edited_through_the_model():
    event = audit.record("core.test.a")
    event.action = "core.test.changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
