"""Read models of the client pages, built for one viewer (a contact, or a previewed one).

This module sits on top of the other apps (DESIGN §4: the client-portal views): it reads
milestone records and the milestones app's "waiting for you" list when they exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from portal.clients.access import client_is_suspended, published_project_ids
from portal.clients.models import ClientRequest, StatusSummary
from portal.core.models import User
from portal.odoo.models import Milestone, Project

INVOICED_STATES = ("invoice_drafted", "invoice_posted")
ACCEPTED_STATES = ("client_accepted", "validated", "reached_in_odoo", *INVOICED_STATES)
READY_STATES = ("ready", "client_rejected", *ACCEPTED_STATES)


@dataclass
class TimelineItem:
    name: str
    deadline: dt.date | None
    stage: str  # due, ready, accepted, invoiced
    stage_label: str
    ready_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    invoiced_at: dt.datetime | None = None
    url: str | None = None


@dataclass
class ProjectCard:
    project: Project
    summary: StatusSummary | None
    timeline: list[TimelineItem] = field(default_factory=list)
    open_requests: int = 0


def _milestone_records(milestone_ids: list[int]) -> dict[int, Any]:
    try:
        model = apps.get_model("milestones", "MilestoneRecord")
    except LookupError:
        return {}
    return {r.milestone_id: r for r in model.objects.filter(milestone_id__in=milestone_ids)}


def _client_milestone_url(record: Any) -> str | None:
    if record is None or record.state not in READY_STATES:
        return None
    try:
        return reverse("milestones:client_review", args=[record.pk])
    except NoReverseMatch:
        return None


def _timeline_item(milestone: Milestone, record: Any) -> TimelineItem:
    state = getattr(record, "state", "")
    if state in INVOICED_STATES:
        stage, label = "invoiced", "Invoiced"
    elif state in ACCEPTED_STATES:
        stage, label = "accepted", "Accepted"
    elif state in READY_STATES:
        stage, label = "ready", "Ready for your review"
    elif milestone.is_reached:
        # Reached in Odoo without a sign-off here (before the portal, or a record the
        # milestones app keeps as "not ready"): still done, never "due".
        stage, label = "accepted", "Reached"
    else:
        stage, label = "due", "Due"
    return TimelineItem(
        name=milestone.name,
        deadline=milestone.deadline,
        stage=stage,
        stage_label=label,
        ready_at=getattr(record, "ready_at", None),
        accepted_at=getattr(record, "client_accepted_at", None),
        invoiced_at=getattr(record, "invoice_drafted_at", None),
        url=_client_milestone_url(record),
    )


def timelines(project_ids: list[int]) -> dict[int, list[TimelineItem]]:
    milestones = list(
        Milestone.objects.live().filter(project_id__in=project_ids).order_by("deadline", "id")
    )
    records = _milestone_records([m.pk for m in milestones])
    found: dict[int, list[TimelineItem]] = {pid: [] for pid in project_ids}
    for milestone in milestones:
        found[milestone.project_id].append(_timeline_item(milestone, records.get(milestone.pk)))
    return found


def waiting_for_you(viewer: User, project_ids: list[int]) -> list[dict[str, Any]]:
    """Sign-offs from the milestones app, and questions on the client's own requests.

    `project_ids`: the viewer's published projects, computed once by the caller.
    """
    items: list[dict[str, Any]] = []
    try:
        from portal.milestones.services import waiting_for_client
    except ImportError:
        waiting_for_client = None  # type: ignore[assignment]
    if waiting_for_client is not None:
        items += waiting_for_client(viewer)
    questions = _own_requests(viewer, project_ids).waiting_for_client().select_related("project")
    items += [
        {
            "title": f"Answer our question on “{r.subject}” ({r.project})",
            "url": reverse("clients:request", args=[r.pk]),
            "due": None,
            "kind": "request_question",
            "request_id": r.pk,
        }
        for r in questions
    ]
    return items


def _own_requests(viewer: User, project_ids: list[int]) -> Any:
    # The same rule as ClientRequest.objects.visible_to(viewer), with the published
    # projects already known (saves three queries per use on the home page).
    return ClientRequest.objects.filter(
        client_partner_id=viewer.client_partner_id or 0, project_id__in=project_ids
    )


def home(viewer: User) -> dict[str, Any]:
    suspended = client_is_suspended(viewer)
    project_ids = sorted(published_project_ids(viewer))
    projects = list(
        Project.objects.filter(id__in=project_ids).select_related("manager").order_by("name")
    )
    latest: dict[int, StatusSummary] = {}
    for summary in StatusSummary.objects.published().filter(project_id__in=project_ids):
        latest.setdefault(summary.project_id, summary)  # ordered newest week first
    open_counts: dict[int, int] = {}
    for pid in _own_requests(viewer, project_ids).open().values_list("project_id", flat=True):
        open_counts[pid] = open_counts.get(pid, 0) + 1
    lines = timelines(project_ids)
    cards = [
        ProjectCard(p, latest.get(p.pk), lines.get(p.pk, []), open_counts.get(p.pk, 0))
        for p in projects
    ]
    return {
        "suspended": suspended,
        "cards": cards,
        "waiting": [] if suspended else waiting_for_you(viewer, project_ids),
    }


def project_page(viewer: User, project: Project) -> dict[str, Any]:
    return {
        "project": project,
        "summaries": list(StatusSummary.objects.visible_to(viewer).filter(project=project)[:12]),
        "timeline": timelines([project.pk])[project.pk],
        "requests": list(ClientRequest.objects.visible_to(viewer).filter(project=project)[:50]),
    }
