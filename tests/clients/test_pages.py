"""The client's pages, publishing, preview and the access log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.clients.models import ClientAccessLog, ProjectPublication
from portal.core.models import AuditEvent
from tests.clients.factories import MilestoneFactory, ProjectFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def test_client_home_lists_only_the_contacts_published_projects(
    client, contact1, project1, project2
):  # type: ignore[no-untyped-def]
    hidden = ProjectFactory(name="Not yet published", partner=project1.partner)
    client.force_login(contact1)

    response = client.get(reverse("clients:home"))

    assert response.status_code == 200
    assert project1.name in response.content.decode()
    assert project2.name not in response.content.decode()
    assert hidden.name not in response.content.decode()


def test_client_home_shows_latest_published_summary_and_milestone_timeline(
    client, contact1, project1
):  # type: ignore[no-untyped-def]
    SummaryFactory(project=project1, iso_week=3, title="Older week")
    SummaryFactory(project=project1, iso_week=4, title="Week four is green")
    SummaryFactory(project=project1, iso_week=5, title="Secret draft", state="draft")
    MilestoneFactory(project=project1, name="Design signed")
    client.force_login(contact1)

    body = client.get(reverse("clients:home")).content.decode()

    assert "Week four is green" in body
    assert "Secret draft" not in body
    assert "Design signed" in body


def test_client_timeline_shows_a_milestone_reached_in_odoo_as_reached_not_due(
    client, contact1, project1
):  # type: ignore[no-untyped-def]
    from portal.milestones.models import MilestoneRecord

    reached = MilestoneFactory(project=project1, name="Design signed", is_reached=True)
    # The milestones app keeps a "not ready" record for milestones reached before it.
    MilestoneRecord.objects.get_or_create(milestone=reached)
    client.force_login(contact1)

    body = client.get(reverse("clients:home")).content.decode()

    assert "Reached</span>" in body
    assert ">Due</span>" not in body


def test_client_home_query_count_is_fixed(
    client, contact1, project1, django_assert_max_num_queries
):  # type: ignore[no-untyped-def]
    for week in range(1, 4):
        SummaryFactory(project=project1, iso_week=week)
        MilestoneFactory(project=project1)
    client.force_login(contact1)
    # session, user; suspended check; published ids (contacts, active company, projects);
    # projects; summaries; open requests; milestones; milestone records; the milestones
    # app's sign-offs (published ids again: 3, records); questions; menu roles.
    # The count does not grow with projects, summaries or milestones.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("clients:home"))
    assert response.status_code == 200


def test_archived_client_sees_nothing_and_a_clear_message(client, contact1, project1):  # type: ignore[no-untyped-def]
    project1.partner.active = False
    project1.partner.save()
    client.force_login(contact1)

    body = client.get(reverse("clients:home")).content.decode()

    assert "access to the project portal is currently closed" in body
    assert project1.name not in body
    assert client.get(reverse("clients:project", args=[project1.pk])).status_code == 404


def test_staff_get_404_on_client_only_pages(client, pm, project1):  # type: ignore[no-untyped-def]
    client.force_login(pm)
    assert client.get(reverse("clients:project", args=[project1.pk])).status_code == 404


def test_viewing_a_summary_is_in_the_access_log(client, contact1, project1):  # type: ignore[no-untyped-def]
    summary = SummaryFactory(project=project1)
    client.force_login(contact1)

    assert client.get(reverse("clients:summary", args=[summary.pk])).status_code == 200

    entry = ClientAccessLog.objects.get()
    assert (entry.user, entry.action, entry.object_id) == (contact1, "viewed", str(summary.pk))


def test_account_manager_sees_the_access_log_of_their_clients(
    client, account_manager, contact1, project1
):  # type: ignore[no-untyped-def]
    ClientAccessLog.objects.create(
        user=contact1,
        client_partner_id=contact1.client_partner_id,
        action="evidence.downloaded",
        object_type="milestones.evidence",
        object_id="7",
        label="handover.pdf",
    )
    client.force_login(account_manager)

    response = client.get(reverse("clients:access_log"), {"contact": contact1.pk})

    assert response.status_code == 200
    assert "handover.pdf" in response.content.decode()
    assert "Downloaded" in response.content.decode()


def test_staff_without_account_manager_role_get_403_on_the_client_pages(client, pm, project1):  # type: ignore[no-untyped-def]
    client.force_login(pm)
    assert client.get(reverse("clients:manage")).status_code == 403
    assert client.get(reverse("clients:access_log")).status_code == 403


def test_account_manager_publishes_and_unpublishes_with_audit(
    client, account_manager, contact1, client1, unit
):  # type: ignore[no-untyped-def]
    project = ProjectFactory(partner=client1, business_unit=unit, name="Fresh project")
    client.force_login(account_manager)
    url = reverse("clients:publication", args=[project.pk])

    client.post(url, {"action": "publish"})
    client.force_login(contact1)
    assert client.get(reverse("clients:project", args=[project.pk])).status_code == 200

    client.force_login(account_manager)
    client.post(url, {"action": "unpublish"})
    client.force_login(contact1)
    assert client.get(reverse("clients:project", args=[project.pk])).status_code == 404
    assert list(
        AuditEvent.objects.filter(object_id=str(project.pk)).values_list("action", flat=True)
    ) == ["clients.project.published", "clients.project.unpublished"]


def test_account_manager_of_another_unit_cannot_publish(client, other_am, client1, unit):  # type: ignore[no-untyped-def]
    project = ProjectFactory(partner=client1, business_unit=unit)
    client.force_login(other_am)

    response = client.post(reverse("clients:publication", args=[project.pk]))

    assert response.status_code == 404
    assert not ProjectPublication.objects.filter(project=project).exists()


def test_preview_shows_the_contacts_view_with_a_banner_and_is_audited(
    client, account_manager, contact1, project1, project2
):  # type: ignore[no-untyped-def]
    client.force_login(account_manager)

    response = client.get(reverse("clients:preview_home", args=[contact1.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Preview:" in body and contact1.email in body
    assert project1.name in body and project2.name not in body
    assert '<form method="post" enctype' not in body
    assert AuditEvent.objects.filter(action="clients.preview.viewed").count() == 1
    assert not ClientAccessLog.objects.exists()


def test_preview_of_a_contact_of_another_managers_client_is_404(
    client, other_am, contact1, project1
):  # type: ignore[no-untyped-def]
    client.force_login(other_am)
    assert client.get(reverse("clients:preview_home", args=[contact1.pk])).status_code == 404


def test_client_contact_cannot_preview(client, contact1, contact2, project1, project2):  # type: ignore[no-untyped-def]
    client.force_login(contact1)
    assert client.get(reverse("clients:preview_home", args=[contact1.pk])).status_code == 404


def test_clients_seed_demo_publishes_projects_and_one_summary_once(
    account_manager, pm, contact1, client1, unit, pm_odoo
):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    from portal.clients.models import StatusSummary

    ProjectFactory(name="Office Design", partner=client1, business_unit=unit, manager=pm_odoo)

    call_command("clients_seed_demo")
    call_command("clients_seed_demo")

    assert ProjectPublication.objects.live().count() == 1
    assert StatusSummary.objects.published().count() == 1
