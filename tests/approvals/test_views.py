"""Inbox, detail panel, decisions over HTTP (C13, C16), badge, bulk approve, email links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from portal.approvals import notifications, services
from portal.approvals.models import ApprovalRequest, ApprovalStep, Assignment, Decision
from tests.approvals.factories import make_adjustment, make_policy, step

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pending(unit, am, fin):  # type: ignore[no-untyped-def]
    make_policy("discount", [step(1, "finance")])
    return services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)


def bulk_pending(user, unit, requester, count):  # type: ignore[no-untyped-def]
    """`count` pending items for `user`, inserted in bulk like the benchmark does."""
    now = timezone.now()
    reqs = ApprovalRequest.objects.bulk_create(
        ApprovalRequest(
            kind="discount",
            subject_type="commercial.adjustment",
            subject_id=f"b{i}",
            requester=requester,
            requester_name="Ann",
            title=f"Bulk {i}",
            amount=i,
            currency="EUR",
            business_unit=unit,
            submitted_at=now - dt.timedelta(minutes=i),
        )
        for i in range(count)
    )
    steps = ApprovalStep.objects.bulk_create(
        ApprovalStep(
            request=r,
            order=1,
            name="Finance",
            approver_type="role",
            role="finance",
            status="pending",
            due_at=now,
        )
        for r in reqs
    )
    Assignment.objects.bulk_create(
        Assignment(step=s, request=s.request, user=user, submitted_at=s.request.submitted_at)
        for s in steps
    )


def test_inbox_lists_items_awaiting_me(client, pending, fin):
    client.force_login(fin)
    response = client.get(reverse("approvals:inbox"))
    assert response.status_code == 200
    assert escape(pending.title) in response.content.decode()


def test_inbox_filters_by_amount(client, pending, fin):
    client.force_login(fin)
    response = client.get(reverse("approvals:inbox"), {"min_amount": "5000"})
    assert escape(pending.title) not in response.content.decode()


def test_inbox_filter_bar_shows_what_was_sent(client, pending, fin, unit):
    client.force_login(fin)
    response = client.get(
        reverse("approvals:inbox"), {"unit": str(unit.pk), "sort": "newest", "client": "7"}
    )
    body = response.content.decode()
    assert f'<option value="{unit.pk}" selected>{escape(unit.name)}</option>' in body
    assert '<option value="newest" selected>Newest first</option>' in body
    assert 'name="client" id="f-client" min="1" value="7"' in body


def test_an_invalid_filter_is_reported_and_the_valid_ones_still_apply(client, pending, fin):
    client.force_login(fin)
    response = client.get(reverse("approvals:inbox"), {"min_amount": "lots", "max_amount": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Min amount: Enter a number. (this filter is not applied)" in body
    assert escape(pending.title) not in body  # max_amount=1 still filters it out
    fragment = client.get(
        reverse("approvals:inbox"), {"older_than_days": "-3"}, HTTP_HX_TARGET="inbox-list", **HX
    )
    assert "Older than (days):" in fragment.content.decode()


def test_inbox_list_fragment_has_no_layout(client, pending, fin):
    client.force_login(fin)
    response = client.get(reverse("approvals:inbox"), HTTP_HX_TARGET="inbox-list", **HX)
    body = response.content.decode()
    assert escape(pending.title) in body and "<html" not in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("count", [10, 1000])
def test_inbox_query_count_is_fixed(client, unit, am, fin, count, django_assert_num_queries):
    bulk_pending(fin, unit, am, count)
    client.force_login(fin)
    client.get(reverse("approvals:inbox"))  # warm the session
    # 1 session, 2 user, 3 nav roles (context processor), 4 business units for the
    # filter, 5 page count, 6 the page of assignments joined to request, step, delegator
    with django_assert_num_queries(6):
        response = client.get(reverse("approvals:inbox"))
    assert response.status_code == 200


def test_detail_serves_page_and_fragment(client, pending, fin):
    client.force_login(fin)
    url = reverse("approvals:detail", args=[pending.pk])
    page = client.get(url).content.decode()
    fragment = client.get(url, **HX).content.decode()
    assert "<html" in page and "<html" not in fragment
    assert escape(pending.title) in fragment
    history = client.get(url, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX).content.decode()
    assert "<html" in history


def test_detail_is_404_for_outsiders(client, pending, outsider):
    client.force_login(outsider)
    assert client.get(reverse("approvals:detail", args=[pending.pk])).status_code == 404


def test_requester_sees_but_cannot_decide(client, pending, am):
    client.force_login(am)
    assert client.get(reverse("approvals:detail", args=[pending.pk])).status_code == 200
    response = client.post(reverse("approvals:decide", args=[pending.pk, "approve"]), **HX)
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_approve_button_records_the_decision(client, pending, fin):
    client.force_login(fin)
    response = client.post(
        reverse("approvals:decide", args=[pending.pk, "approve"]),
        {"version": pending.version},
        **HX,
    )
    assert response.status_code == 200
    assert "approvals:decided" in response["HX-Trigger"]
    assert Decision.objects.get().outcome == "approve"


def test_htmx_decision_shows_a_notice_in_the_fragment(client, pending, fin):
    client.force_login(fin)
    response = client.post(
        reverse("approvals:decide", args=[pending.pk, "approve"]),
        {"version": pending.version},
        **HX,
    )
    assert "You approved this step." in response.content.decode()
    assert "You approved this step." in response["HX-Trigger"]


def test_plain_decision_flashes_a_message_on_the_next_page(client, pending, fin):
    client.force_login(fin)
    response = client.post(
        reverse("approvals:decide", args=[pending.pk, "request-changes"]),
        {"version": pending.version, "comment": "Split the line"},
        follow=True,
    )
    assert "You asked for changes" in response.content.decode()


def test_timeline_shows_readable_labels_not_audit_action_names(client, pending, fin):
    client.force_login(fin)
    client.post(
        reverse("approvals:decide", args=[pending.pk, "approve"]),
        {"version": pending.version},
        **HX,
    )
    page = client.get(reverse("approvals:detail", args=[pending.pk])).content.decode()
    assert "approvals.request.submitted" not in page
    assert "Submitted by" in page
    assert f"approved by {escape(fin.display_name)}" in page


def test_inbox_rows_show_the_kind_label_not_its_key(client, pending, fin):
    from portal.approvals.registry import get_kind

    client.force_login(fin)
    page = client.get(reverse("approvals:inbox")).content.decode()
    label = get_kind("discount").label
    assert label != "discount"
    assert f'<div class="small muted">{escape(label)}' in page


def test_reject_without_comment_is_a_form_error(client, pending, fin):
    client.force_login(fin)
    response = client.post(reverse("approvals:decide", args=[pending.pk, "reject"]), **HX)
    assert response.status_code == 400
    assert "comment is required" in response.content.decode()
    assert not Decision.objects.exists()


def test_stale_page_gets_409(client, pending, fin):
    client.force_login(fin)
    response = client.post(
        reverse("approvals:decide", args=[pending.pk, "approve"]),
        {"version": pending.version - 1},
        **HX,
    )
    assert response.status_code == 409
    assert "changed since the page was loaded" in response.content.decode()


def test_c13_csrf_header_required_on_approve(pending, fin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(fin)
    url = reverse("approvals:decide", args=[pending.pk, "approve"])
    assert client.post(url, **HX).status_code == 403
    page = client.get(reverse("approvals:detail", args=[pending.pk]))
    token = page.context["csrf_token"]
    import json

    assert json.loads(page.content.decode().split("hx-headers='")[1].split("'")[0])["X-CSRFToken"]
    response = client.post(url, HTTP_X_CSRFTOKEN=str(token), **HX)
    assert response.status_code == 200
    assert Decision.objects.count() == 1


def test_c13_expired_session_gets_hx_redirect_and_records_nothing(client, pending):
    url = reverse("approvals:decide", args=[pending.pk, "approve"])
    detail = reverse("approvals:detail", args=[pending.pk])
    response = client.post(url, HTTP_HX_CURRENT_URL=f"http://testserver{detail}", **HX)
    assert 200 <= response.status_code < 300
    assert response["HX-Redirect"].startswith(reverse("account_login"))
    assert "next=" in response["HX-Redirect"]
    assert not Decision.objects.exists()


def test_bulk_approve_with_one_comment(client, unit, am, fin):
    make_policy("discount", [step(1, "finance")])
    reqs = [
        services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
        for _ in range(3)
    ]
    client.force_login(fin)
    response = client.post(
        reverse("approvals:bulk_approve"), {"ids": [r.pk for r in reqs], "comment": "Fine"}
    )
    assert response.status_code == 302
    assert Decision.objects.filter(comment="Fine").count() == 3


def test_badge_counts_pending_items(client, pending, fin):
    client.force_login(fin)
    response = client.get(reverse("approvals:badge"), **HX)
    assert '<span class="count">1</span>' in response.content.decode()


def test_signed_link_opens_the_item_for_its_owner(client, pending, fin):
    client.force_login(fin)
    response = client.get(notifications.signed_link_path(fin.pk, pending.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:detail", args=[pending.pk])


def test_signed_link_for_someone_else_shows_only_a_message(client, pending, fin, pm):
    client.force_login(pm)
    response = client.get(notifications.signed_link_path(fin.pk, pending.pk))
    assert response.status_code == 403
    body = response.content.decode()
    assert "sent to someone else" in body and escape(pending.title) not in body


def test_signed_link_requires_login(client, pending, fin):
    response = client.get(notifications.signed_link_path(fin.pk, pending.pk))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_expired_signed_link_is_refused(client, pending, fin, monkeypatch):
    client.force_login(fin)
    path = notifications.signed_link_path(fin.pk, pending.pk)
    monkeypatch.setattr(notifications, "LINK_MAX_AGE", dt.timedelta(seconds=-1))
    response = client.get(path)
    assert response.status_code == 410


def test_tampered_link_is_refused(client, fin):
    client.force_login(fin)
    token = signing.TimestampSigner(salt="other").sign("1:1")
    assert client.get(reverse("approvals:link", args=[token])).status_code == 400


def test_raised_and_decided_tabs(client, pending, am, fin):
    services.decide(pending.pk, actor=fin, decision="approve")
    client.force_login(am)
    assert (
        escape(pending.title)
        in client.get(reverse("approvals:inbox"), {"tab": "raised"}).content.decode()
    )
    client.force_login(fin)
    assert (
        escape(pending.title)
        in client.get(reverse("approvals:inbox"), {"tab": "decided"}).content.decode()
    )


def test_new_step_email_and_digest(unit, am, fin, mailoutbox, settings):
    make_policy("discount", [step(1, "finance")])
    services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert notifications.send_due() == 1
    assert "/approvals/link/" in mailoutbox[0].body
    for _ in range(6):
        services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    notifications.send_due()
    assert len(mailoutbox) <= 6  # batched once more than five are pending in the window
    assert notifications.send_digests() == 1
    assert "approval notifications" in mailoutbox[-1].subject
    assert notifications.send_digests() == 0  # nothing twice
