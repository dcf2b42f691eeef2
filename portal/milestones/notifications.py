"""Emails to the people of a milestone: PM, client contacts, finance approvers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from portal.core.access import users_with_role
from portal.core.models import Role, User
from portal.milestones.models import Decision, Evidence, MilestoneRecord, SignOff

logger = logging.getLogger(__name__)


def _load(record_id: int) -> MilestoneRecord | None:
    return (
        MilestoneRecord.objects.select_related(
            "milestone__project__partner", "milestone__project__business_unit", "ready_by"
        )
        .filter(pk=record_id)
        .first()
    )


def project_managers(record: MilestoneRecord) -> set[User]:
    people: set[User] = set()
    if record.ready_by is not None and record.ready_by.is_active:
        people.add(record.ready_by)
    project = record.milestone.project
    if project is not None and project.manager_id:
        people.update(User.objects.filter(odoo_user_id=project.manager_id, is_active=True))
    return people


def client_contacts(record: MilestoneRecord) -> set[User]:
    """Contacts of the project's client, only when the project is published to them."""
    from portal.clients.access import published_project_ids

    project = record.milestone.project
    if project is None or project.partner is None:
        return set()
    company = project.partner.commercial_partner_id or project.partner.pk
    contacts = User.objects.filter(client_partner_id=company, is_active=True)
    return {c for c in contacts if project.pk in published_project_ids(c)}


def finance_approvers(record: MilestoneRecord) -> set[User]:
    project = record.milestone.project
    unit = project.business_unit_id if project is not None else None
    return set(users_with_role(Role.FINANCE, unit))


def _send(people: set[User], subject: str, body: str) -> int:
    recipients = sorted({p.email for p in people if p.email})
    if not recipients:
        return 0
    # One message per person: client contacts must not see staff addresses.
    for address in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    logger.info("Milestone mail %r sent to %s people", subject, len(recipients))
    return len(recipients)


def _url(name: str, pk: int) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=[pk])


def evidence_added(evidence_ids: list[int]) -> int:
    evidence = list(Evidence.objects.filter(pk__in=evidence_ids).select_related("slot"))
    if not evidence:
        return 0  # the upload rolled back after all; nothing to say
    record = _load(evidence[0].record_id)
    if record is None:
        return 0
    names = ", ".join(e.original_name for e in evidence)
    body = (
        f"New evidence for milestone “{record.milestone.name}”: {names}.\n\n"
        f"{_url('milestones:detail', record.pk)}\n"
    )
    return _send(project_managers(record), f"Evidence uploaded: {record.milestone.name}", body)


def client_decision(signoff_id: int) -> int:
    signoff = SignOff.objects.filter(pk=signoff_id).first()
    if signoff is None:
        return 0
    record = _load(signoff.record_id)
    if record is None:
        return 0
    verb = "accepted" if signoff.decision == Decision.ACCEPTED else "rejected"
    body = f"{signoff.typed_name} {verb} milestone “{record.milestone.name}”.\n"
    if signoff.reason:
        body += f"Reason: {signoff.reason}\n"
    body += f"\n{_url('milestones:detail', record.pk)}\n"
    people = project_managers(record)
    if signoff.decision == Decision.ACCEPTED:
        people |= finance_approvers(record)
    return _send(people, f"Milestone {verb} by the client: {record.milestone.name}", body)


def signoff_invalidated(record_id: int, changes: list[str]) -> int:
    record = _load(record_id)
    if record is None:
        return 0
    what = "\n".join(f"- {c}" for c in changes)
    subject = f"Milestone sign-off needs to be renewed: {record.milestone.name}"
    staff_body = (
        f"The client's acceptance of milestone “{record.milestone.name}” no longer stands, "
        f"and the pending finance validation was withdrawn, because:\n{what}\n\n"
        f"{_url('milestones:detail', record.pk)}\n"
    )
    client_body = (
        f"Milestone “{record.milestone.name}” changed after you accepted it:\n{what}\n\n"
        f"Please review it again: {_url('milestones:client_review', record.pk)}\n"
    )
    sent = _send(project_managers(record) | finance_approvers(record), subject, staff_body)
    return sent + _send(client_contacts(record), subject, client_body)
