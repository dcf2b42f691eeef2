"""The decision note posted to Odoo's chatter reads as paragraphs, with a quiet reference."""

from __future__ import annotations

import pytest

from portal.approvals import services
from portal.odoo.kinds import ref_token, with_marker
from portal.odoo.models import OutboxMessage
from tests.approvals.factories import make_adjustment, make_policy, step

pytestmark = pytest.mark.django_db


def test_decision_chatter_body_is_one_paragraph_per_sentence(unit, am, fin):  # type: ignore[no-untyped-def]
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)

    services.decide(req.pk, actor=fin, decision="approve", comment="OK, goodwill accepted")

    body = OutboxMessage.objects.get(kind="chatter.post", key__startswith="approvals.decision:")
    html = body.payload["body"]
    assert "<p>Comment: “OK, goodwill accepted”</p><p>The request is approved.</p>" in html
    assert html.startswith(f"<p>Approval {req.reference}")
    assert "<!--" not in html


def test_portal_reference_is_its_own_small_labelled_paragraph() -> None:
    marked = with_marker("<p>Hello.</p>", "approvals.decision:7")

    assert marked == (
        '<p>Hello.</p><p class="portal-ref"><small>Portal reference: '
        f"{ref_token('approvals.decision:7')}</small></p>"
    )
