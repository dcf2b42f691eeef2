"""Mirror rows and client-portal records for the client tests; small defaults."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from portal.clients.models import ClientRequest, ProjectPublication, StatusSummary
from portal.odoo.models import Milestone, OdooUser, Partner, Project, Task

_ids = factory.Sequence(lambda n: 100 + n)


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    id = _ids
    name = factory.Sequence(lambda n: f"Client company {n}")
    display_name = factory.LazyAttribute(lambda o: o.name)
    is_company = True
    commercial_partner_id = factory.LazyAttribute(lambda o: o.id)


class OdooUserFactory(DjangoModelFactory):
    class Meta:
        model = OdooUser

    id = _ids
    login = factory.Sequence(lambda n: f"odoo{n}@example.com")
    name = factory.Sequence(lambda n: f"Odoo user {n}")
    email = factory.LazyAttribute(lambda o: o.login)


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    id = _ids
    name = factory.Sequence(lambda n: f"Project {n}")
    display_name = factory.LazyAttribute(lambda o: o.name)
    partner = factory.SubFactory(PartnerFactory)


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    id = _ids
    name = factory.Sequence(lambda n: f"Phase {n}")
    display_name = factory.LazyAttribute(lambda o: o.name)
    project = factory.SubFactory(ProjectFactory)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    id = _ids
    name = factory.Sequence(lambda n: f"Task {n}")
    project = factory.SubFactory(ProjectFactory)
    state = "01_in_progress"


def publish(project: Project) -> ProjectPublication:
    return ProjectPublication.objects.get_or_create(project=project)[0]


class SummaryFactory(DjangoModelFactory):
    class Meta:
        model = StatusSummary

    project = factory.SubFactory(ProjectFactory)
    iso_year = 2026
    iso_week = factory.Sequence(lambda n: 1 + n % 52)
    title = factory.Sequence(lambda n: f"Week summary {n}")
    body = "All good."
    state = "published"
    status = "on_track"


class RequestFactory(DjangoModelFactory):
    class Meta:
        model = ClientRequest

    project = factory.SubFactory(ProjectFactory)
    client_partner_id = factory.LazyAttribute(lambda o: o.project.partner_id)
    subject = factory.Sequence(lambda n: f"Request {n}")
    description = "Please look into it."
