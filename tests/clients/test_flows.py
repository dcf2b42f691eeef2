"""Status summaries, requests and invitations: the services behind the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.clients import services
from portal.clients.models import (
    ClientRequest,
    Invitation,
    RequestAttachment,
    RouteTarget,
    RoutingRule,
    StatusSummary,
)
from portal.core.adapters import INVITATION_SESSION_KEY
from portal.core.models import Role, User
from portal.odoo.models import OutboxMessage
from tests.clients.factories import MilestoneFactory, TaskFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


# -- status summaries ---------------------------------------------------------------------


def test_weekly_drafts_are_prefilled_and_created_once_per_project_and_week(project1, pm):  # type: ignore[no-untyped-def]
    today = dt.date(2026, 3, 4)
    TaskFactory(project=project1, state="1_done")
    TaskFactory(project=project1, date_deadline=timezone.now() - dt.timedelta(days=3))
    MilestoneFactory(project=project1, name="Go-live", deadline=today + dt.timedelta(days=5))

    assert services.create_weekly_drafts(today) == 1
    assert services.create_weekly_drafts(today) == 0

    draft = StatusSummary.objects.get()
    assert (draft.iso_year, draft.iso_week, draft.state) == (2026, 10, "draft")
    assert draft.assignee == pm
    assert "1 of 2 tasks done" in draft.body
    assert "Go-live" in draft.body
    assert draft.status == "at_risk"  # an overdue task


def test_draft_counts_tasks_in_an_unfolded_done_stage_as_done(project1, pm):  # type: ignore[no-untyped-def]
    from portal.odoo.models import TaskStage

    done = TaskStage.objects.create(id=9101, name="Done", fold=False)
    cancelled = TaskStage.objects.create(id=9102, name="Cancelled", fold=False)
    TaskFactory(project=project1, stage=done, state="01_in_progress")
    TaskFactory(project=project1, stage=cancelled)
    TaskFactory(project=project1)

    draft, _ = services.draft_summary(project1, dt.date(2026, 3, 4))

    assert "2 of 3 tasks done" in draft.body


def test_publishing_a_summary_shows_it_mails_contacts_and_posts_a_project_update(
    client, project1, pm, contact1, contact2, project2, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    draft, _ = services.draft_summary(project1, dt.date(2026, 3, 4))
    client.force_login(pm)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("clients:summary_edit", args=[draft.pk]),
            {
                "title": "Week 10: on plan",
                "status": "on_track",
                "body": "Design done.",
                "publish": "1",
            },
        )

    assert response.status_code == 302
    outbox = OutboxMessage.objects.get(kind="project_update.create")
    assert outbox.payload["project_id"] == project1.pk
    assert outbox.payload["status"] == "on_track"
    assert [m.to for m in mail.outbox] == [[contact1.email]]
    client.force_login(contact1)
    assert "Week 10: on plan" in client.get(reverse("clients:home")).content.decode()


def test_a_published_summary_cannot_be_published_again(project1, pm):  # type: ignore[no-untyped-def]
    draft, _ = services.draft_summary(project1, dt.date(2026, 3, 4))
    services.publish_summary(draft, actor=pm, title="T", body="B", status="at_risk")

    with pytest.raises(services.summaries.Conflict):
        services.publish_summary(draft, actor=pm, title="T", body="B", status="at_risk")
    assert OutboxMessage.objects.filter(kind="project_update.create").count() == 1


def test_a_consultant_cannot_edit_a_summary(client, project1, unit):  # type: ignore[no-untyped-def]
    from tests.factories import person

    consultant = person("c@firm.example", Role.PROJECT_MANAGER, None)
    consultant.memberships.all().delete()
    person("c@firm.example", Role.ACCOUNT_MANAGER, unit)
    draft, _ = services.draft_summary(project1, dt.date(2026, 3, 4))
    client.force_login(consultant)

    assert client.get(reverse("clients:summary_edit", args=[draft.pk])).status_code == 403


def test_client_never_sees_a_draft(client, contact1, project1):  # type: ignore[no-untyped-def]
    draft, _ = services.draft_summary(project1, dt.date(2026, 3, 4))
    client.force_login(contact1)
    assert client.get(reverse("clients:summary", args=[draft.pk])).status_code == 404


# -- requests -----------------------------------------------------------------------------


def _submit(client, project, **extra):  # type: ignore[no-untyped-def]
    data = {
        "subject": "Export fails",
        "description": "The CSV export times out.",
        "urgency": "normal",
    }
    data.update(extra)
    return client.post(reverse("clients:request_new", args=[project.pk]), data)


def test_a_request_is_routed_to_the_pm_and_becomes_an_odoo_task(client, contact1, project1, pm):  # type: ignore[no-untyped-def]
    client.force_login(contact1)

    response = _submit(client, project1, attachments=[SimpleUploadedFile("log.pdf", PDF)])

    request = ClientRequest.objects.get()
    assert response.status_code == 302
    assert request.assignee == pm
    assert request.attachments.count() == 1
    task = OutboxMessage.objects.get(kind="task.create")
    assert task.payload["project_id"] == project1.pk
    assert task.payload["partner_id"] == contact1.client_partner_id
    client.force_login(pm)
    assert "Export fails" in client.get(reverse("clients:queue")).content.decode()


def test_a_routing_rule_by_urgency_sends_urgent_requests_to_the_delivery_leader(
    client, contact1, project1, pm, leader
):  # type: ignore[no-untyped-def]
    RoutingRule.objects.create(urgency="urgent", target=RouteTarget.DELIVERY_LEADER)
    client.force_login(contact1)

    _submit(client, project1, urgency="urgent")
    _submit(client, project1, urgency="low")

    assert {r.urgency: r.assignee for r in ClientRequest.objects.all()} == {
        "urgent": leader,
        "low": pm,
    }


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", HTML),
        ("photo.png", HTML),
        ("scope.pdf", b"<html>" + PDF),
        ("d.svg", b"<svg/>"),
    ],
)
def test_active_content_attachments_refuse_the_whole_request(
    client, contact1, project1, name, content
):  # type: ignore[no-untyped-def]
    client.force_login(contact1)

    response = _submit(client, project1, attachments=[SimpleUploadedFile(name, content)])

    assert response.status_code == 400
    assert name in response.content.decode()
    assert not ClientRequest.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_oversized_attachment_is_refused_with_its_name(client, contact1, project1, settings):  # type: ignore[no-untyped-def]
    settings.UPLOAD_MAX_BYTES = 50
    client.force_login(contact1)

    response = _submit(client, project1, attachments=[SimpleUploadedFile("big.pdf", PDF)])

    assert response.status_code == 400
    assert "big.pdf" in response.content.decode()
    assert not ClientRequest.objects.exists()


def test_two_files_in_one_field_are_each_checked(client, contact1, project1):  # type: ignore[no-untyped-def]
    client.force_login(contact1)
    files = [SimpleUploadedFile("evil.html", HTML), SimpleUploadedFile("ok.pdf", PDF)]

    response = _submit(client, project1, attachments=files)

    assert response.status_code == 400
    assert not RequestAttachment.objects.exists()


def test_attachments_download_as_files_never_inline(client, contact1, project1):  # type: ignore[no-untyped-def]
    client.force_login(contact1)
    _submit(client, project1, attachments=[SimpleUploadedFile("log.pdf", PDF)])
    attachment = RequestAttachment.objects.get()

    response = client.get(reverse("clients:attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_internal_notes_never_reach_the_client(client, contact1, project1, pm):  # type: ignore[no-untyped-def]
    client.force_login(contact1)
    _submit(client, project1)
    request = ClientRequest.objects.get()
    services.add_reply(
        request,
        actor=pm,
        body="Budget is tight on this client",
        internal=True,
        files=[SimpleUploadedFile("internal.pdf", PDF)],
    )
    services.add_reply(request, actor=pm, body="We are on it.")
    note_file = RequestAttachment.objects.get(message__internal=True)

    body = client.get(reverse("clients:request", args=[request.pk])).content.decode()

    assert "We are on it." in body
    assert "Budget is tight" not in body and "internal.pdf" not in body
    assert client.get(reverse("clients:attachment", args=[note_file.pk])).status_code == 404


def test_client_reply_reopens_a_request_waiting_for_them(client, contact1, project1, pm):  # type: ignore[no-untyped-def]
    client.force_login(contact1)
    _submit(client, project1)
    request = ClientRequest.objects.get()
    services.change_request_status(request, actor=pm, status="waiting_for_client")
    assert "Answer our question" in client.get(reverse("clients:home")).content.decode()

    client.post(reverse("clients:request", args=[request.pk]), {"body": "Here it is."})

    request.refresh_from_db()
    assert request.status == "in_progress"


# -- invitations --------------------------------------------------------------------------


def _invite(account_manager, client1, email="carol@client1.example"):  # type: ignore[no-untyped-def]
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        _invitation, link = services.invite_contact(
            actor=account_manager, email=email, client_partner_id=client1.pk
        )
    return link.removeprefix("http://testserver")


def _signup(client, email):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": "a long passphrase 91", "password2": "a long passphrase 91"},
    )


def test_invited_contact_signs_up_with_a_verified_address_and_sees_their_client(
    client, account_manager, client1, project1
):  # type: ignore[no-untyped-def]
    path = _invite(account_manager, client1)
    assert re.search(r"/client/invitation/", mail.outbox[0].body)

    assert client.get(path).url == reverse("account_signup")
    _signup(client, "carol@client1.example")

    user = User.objects.get(email="carol@client1.example")
    assert user.client_partner_id == client1.pk
    assert user.memberships.filter(role=Role.CLIENT_CONTACT).exists()
    assert EmailAddress.objects.get(user=user).verified
    assert Invitation.objects.get().used_by == user


def test_sign_up_address_is_fixed_to_the_invited_one(client, account_manager, client1, project1):  # type: ignore[no-untyped-def]
    client.get(_invite(account_manager, client1))

    response = _signup(client, "someone.else@example.com")

    assert "Use the address this invitation was sent to" in response.content.decode()
    assert not User.objects.filter(email="someone.else@example.com").exists()


def test_a_used_invitation_cannot_be_used_again(client, account_manager, client1, project1):  # type: ignore[no-untyped-def]
    path = _invite(account_manager, client1)
    client.get(path)
    _signup(client, "carol@client1.example")
    client.logout()

    response = client.get(path)

    assert response.status_code == 400
    assert "already been used" in response.content.decode()


def test_an_expired_invitation_says_so(client, account_manager, client1, project1):  # type: ignore[no-untyped-def]
    path = _invite(account_manager, client1)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = client.get(path)

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert INVITATION_SESSION_KEY not in client.session


def test_a_tampered_invitation_link_is_refused(client, account_manager, client1, project1):  # type: ignore[no-untyped-def]
    path = _invite(account_manager, client1)
    response = client.get(path[:-3] + "abc/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_an_invitation_opened_by_a_signed_in_user_exposes_nothing(
    client, account_manager, client1, contact2, project1
):  # type: ignore[no-untyped-def]
    path = _invite(account_manager, client1)
    client.force_login(contact2)

    response = client.get(path)

    assert response.status_code == 400
    assert "carol" not in response.content.decode()


def test_sign_up_without_an_invitation_is_closed(client):  # type: ignore[no-untyped-def]
    response = _signup(client, "walkin@example.com")
    assert not User.objects.filter(email="walkin@example.com").exists()
    assert response.status_code in (200, 302)


def test_an_account_manager_cannot_invite_for_another_units_client(other_am, client1, project1):  # type: ignore[no-untyped-def]
    with pytest.raises(services.invitations.NotAllowed):
        services.invite_contact(
            actor=other_am, email="x@client1.example", client_partner_id=client1.pk
        )
