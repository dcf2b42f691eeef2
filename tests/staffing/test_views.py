"""Staffing pages: happy paths, outsiders (404), read-only roles (403), htmx fragments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.staffing.models import Booking, BookingStatus, StaffingRequest
from tests.factories import person
from tests.staffing.conftest import ask
from tests.staffing.factories import ProjectFactory, RateCardFactory, existing_booking

pytestmark = pytest.mark.django_db


def _form(start, **changes):  # type: ignore[no-untyped-def]
    data = {
        "job_role": "",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(weeks=6, days=-3)).isoformat(),
        "hours_per_week": "20",
        "bill_rate": "120",
        "currency": "EUR",
        "booking_type": "firm",
        "required_skills": "Django:4, PostgreSQL:3",
        "optional_skills": "Kubernetes:2",
    }
    data.update(changes)
    return data


def test_pm_raises_a_request_from_the_form(client, pm, project, senior, skills, start):
    client.force_login(pm)
    url = reverse("staffing:request_new") + f"?project_id={project.pk}"

    response = client.post(url, _form(start, job_role=senior.pk))

    created = StaffingRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staffing:request_detail", args=[created.pk])
    assert created.total_hours == Decimal("120.00")
    assert sorted(created.skill_needs.values_list("skill__name", "min_level", "required")) == [
        ("Django", 4, True),
        ("Kubernetes", 2, False),
        ("PostgreSQL", 3, True),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_date": "2000-01-01"}, "end_date", "The end date is before the start date."),
        ({"hours_per_week": "0"}, "hours_per_week", "Hours must be more than zero."),
        ({"hours_per_week": "-5"}, "hours_per_week", "Hours must be more than zero."),
        ({"required_skills": "Djngo:4"}, "required_skills", "There is no skill called “Djngo”"),
        ({"required_skills": "Django:9"}, "required_skills", "whole number from 1 to 5"),
        ({"currency": "USD"}, "currency", "There is no rate card for Senior consultant in USD"),
    ],
)
def test_request_form_says_what_to_fix(
    client, pm, project, senior, skills, start, changes, field, message
):
    client.force_login(pm)
    url = reverse("staffing:request_new") + f"?project_id={project.pk}"

    response = client.post(url, _form(start, job_role=senior.pk, **changes))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not StaffingRequest.objects.exists()


def test_request_form_refuses_past_dates(client, pm, project, senior, skills, today):
    client.force_login(pm)
    url = reverse("staffing:request_new") + f"?project_id={project.pk}"
    past = today - timedelta(days=14)

    response = client.post(url, _form(past, job_role=senior.pk))

    assert response.status_code == 400
    assert "The start date is in the past" in response.context["form"].errors["start_date"][0]


def test_request_form_refuses_an_archived_project(client, pm, project, senior, skills, start):
    project.active = False
    project.save()
    client.force_login(pm)
    url = reverse("staffing:request_new") + f"?project_id={project.pk}"

    response = client.post(url, _form(start, job_role=senior.pk))

    assert response.status_code == 400
    assert "is archived" in response.context["form"].non_field_errors()[0]


def test_client_specific_rate_card_allows_its_currency(client, pm, project, senior, skills, start):
    RateCardFactory(job_role=senior, currency="USD", client_partner_id=project.partner_id)
    client.force_login(pm)
    url = reverse("staffing:request_new") + f"?project_id={project.pk}"

    response = client.post(url, _form(start, job_role=senior.pk, currency="usd"))

    assert response.status_code == 302
    assert StaffingRequest.objects.get().currency == "USD"


def test_request_form_is_404_for_a_project_the_user_cannot_see(client, other_rm, project):
    client.force_login(other_rm)

    response = client.get(reverse("staffing:request_new") + f"?project_id={project.pk}")

    assert response.status_code == 404


def test_request_form_is_403_for_a_reader_who_is_not_the_pm(client, leader, project):
    client.force_login(leader)

    response = client.get(reverse("staffing:request_new") + f"?project_id={project.pk}")

    assert response.status_code == 403


def test_request_detail_shows_ranked_candidates_with_reasons(
    client, rm, pm, project, senior, team, start
):
    request = ask(pm, project, senior, start)
    client.force_login(rm)

    response = client.get(reverse("staffing:request_detail", args=[request.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Ana Alves") < body.index("Dan Diaz")
    assert "Utilisation after booking" in body
    assert "<html" in body


def test_candidates_panel_is_a_fragment_for_htmx(client, rm, pm, project, senior, team, start):
    request = ask(pm, project, senior, start)
    client.force_login(rm)

    response = client.get(
        reverse("staffing:request_detail", args=[request.pk]), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert 'id="candidates"' in body
    assert "<html" not in body


def test_request_detail_is_404_for_another_units_resource_manager(
    client, other_rm, pm, project, senior, team, start
):
    request = ask(pm, project, senior, start)
    client.force_login(other_rm)

    response = client.get(reverse("staffing:request_detail", args=[request.pk]))

    assert response.status_code == 404


def test_client_contact_sees_no_staffing_request(client, pm, project, senior, team, start):
    request = ask(pm, project, senior, start)
    contact = person(
        "contact@client.example", "client_contact", client_partner_id=project.partner_id
    )
    client.force_login(contact)

    response = client.get(reverse("staffing:request_detail", args=[request.pk]))

    assert response.status_code == 404


def test_pm_sees_the_request_but_cannot_book(client, pm, project, senior, team, start):
    request = ask(pm, project, senior, start)
    client.force_login(pm)

    page = client.get(reverse("staffing:request_detail", args=[request.pk]))
    response = client.post(reverse("staffing:book", args=[request.pk]), {"profile_id": team.ana.pk})

    assert page.status_code == 200
    assert "Book Ana" not in page.content.decode()
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_resource_manager_books_from_the_detail_page(client, rm, pm, project, senior, team, start):
    request = ask(pm, project, senior, start)
    client.force_login(rm)

    response = client.post(
        reverse("staffing:book", args=[request.pk]),
        {"profile_id": team.ana.pk, "seen_free_hours": "240"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("staffing:request_detail", args=[request.pk])
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_board_lists_open_requests_of_the_unit(client, rm, pm, project, senior, team, start):
    request = ask(pm, project, senior, start)
    client.force_login(rm)

    response = client.get(reverse("staffing:board"))

    assert response.status_code == 200
    assert request.reference in response.content.decode()


def test_board_is_403_without_a_staffing_role(client, outsider):
    client.force_login(outsider)

    assert client.get(reverse("staffing:board")).status_code == 403


def test_consultant_sees_their_assignments(client, unit, senior, team, start):
    consultant = person("ana@example.com", "consultant", unit)
    team.ana.user = consultant
    team.ana.save()
    project = ProjectFactory(name="Beacon")
    existing_booking(team.ana, project, start, start + timedelta(weeks=2), "16")
    client.force_login(consultant)

    response = client.get(reverse("staffing:my_assignments"))

    assert response.status_code == 200
    assert "Beacon" in response.content.decode()


def test_request_form_prefills_dates_in_iso_for_date_inputs(client, pm, project, senior, today):
    client.force_login(pm)

    response = client.get(reverse("staffing:request_new") + f"?project_id={project.pk}")

    assert f'value="{today.isoformat()}"' in response.content.decode()


def test_request_form_defaults_to_a_currency_that_has_rate_cards(
    client, pm, project, senior, skills, start
):
    # The unit works in USD, the cards are in EUR only: EUR, so the first submit passes.
    project.business_unit.currency_code = "USD"
    project.business_unit.save()
    client.force_login(pm)
    url = reverse("staffing:request_new") + f"?project_id={project.pk}"

    page = client.get(url).content.decode()
    response = client.post(url, _form(start, job_role=senior.pk, currency=""))

    assert 'name="currency" value="EUR"' in page
    assert response.status_code == 302
    assert StaffingRequest.objects.get().currency == "EUR"


def test_request_form_defaults_to_the_units_currency_when_it_has_cards(
    client, pm, project, senior, skills, start
):
    RateCardFactory(job_role=senior, currency="USD", bill_rate=Decimal("130"))
    project.business_unit.currency_code = "USD"
    project.business_unit.save()
    client.force_login(pm)
    url = reverse("staffing:request_new") + f"?project_id={project.pk}"

    page = client.get(url).content.decode()

    assert 'name="currency" value="USD"' in page


def test_request_form_lists_only_open_tasks(client, pm, project):
    from portal.odoo.models import TaskStage
    from tests.staffing.factories import TaskFactory, odoo_id

    folded = TaskStage.objects.create(id=odoo_id(), name="Archive", fold=True)
    TaskFactory(project=project, name="Open work")
    TaskFactory(project=project, name="Finished work", state="1_done")
    TaskFactory(project=project, name="Dropped work", state="1_canceled")
    TaskFactory(project=project, name="Shelved work", stage=folded)
    client.force_login(pm)

    page = client.get(reverse("staffing:request_new") + f"?project_id={project.pk}")

    content = page.content.decode()
    assert "Open work" in content
    for closed in ("Finished work", "Dropped work", "Shelved work"):
        assert closed not in content


def test_booking_a_consultant_without_odoo_user_says_so_and_tells_the_pm(
    client, rm, pm, project, senior, team, start, mailoutbox, django_capture_on_commit_callbacks
):
    from portal.odoo.models import Employee

    Employee.objects.filter(pk=team.ana.employee_id).update(user=None)
    request = ask(pm, project, senior, start)
    client.force_login(rm)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staffing:book", args=[request.pk]), {"profile_id": team.ana.pk})
    page = client.get(reverse("staffing:request_detail", args=[request.pk])).content.decode()

    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert "Ana Alves is booked. Ana Alves has no Odoo user: will not be assigned in Odoo." in page
    filled = next(m for m in mailoutbox if "Filled" in m.subject)
    assert "no Odoo user: will not be assigned in Odoo" in filled.body
