"""Weekly status summaries: pre-filled drafts, edits, and publishing to client and Odoo."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.clients.access import can_edit_summary, published_project_ids
from portal.clients.models import (
    ClientRequest,
    HealthStatus,
    ProjectPublication,
    StatusSummary,
    SummaryState,
)
from portal.clients.routing import delivery_leader_of, project_manager_of
from portal.clients.services.mail import absolute, client_contacts, send_after_commit
from portal.core import audit
from portal.core.errors import Conflict, DomainError, NotAllowed
from portal.core.models import User
from portal.odoo.models import Milestone, Project, Task
from portal.odoo.outbox import enqueue
from portal.projects.queries import is_closed_values

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 14


def _pct(part: Decimal | int, whole: Decimal | int) -> int | None:
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1")))


def _waiting_signoffs(project: Project) -> list[str]:
    """Milestones the client is asked to accept, from the milestones app when installed.

    Looked up through the app registry: clients sits below milestones in the layering.
    """
    try:
        record_model = apps.get_model("milestones", "MilestoneRecord")
    except LookupError:
        return []
    rows = record_model.objects.filter(milestone__project_id=project.pk, state="ready").values_list(
        "milestone__name", flat=True
    )
    return [str(name) for name in rows]


def gather_facts(project: Project, today: dt.date) -> dict[str, Any]:
    """The figures a draft is pre-filled from: progress, hours, milestones, risks, asks."""
    now = timezone.now()
    tasks = list(
        Task.objects.live()
        .filter(project_id=project.pk, active=True)
        .values("name", "state", "stage__fold", "stage__name", "date_deadline")
    )
    closed = [t for t in tasks if is_closed_values(t["state"], t["stage__fold"], t["stage__name"])]
    overdue_tasks = [
        t["name"]
        for t in tasks
        if t not in closed and t["date_deadline"] is not None and t["date_deadline"] < now
    ]
    milestones = list(
        Milestone.objects.live()
        .filter(project_id=project.pk)
        .order_by("deadline", "id")
        .values("name", "deadline", "is_reached")
    )
    reached = [m for m in milestones if m["is_reached"]]
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    due = [
        {"name": m["name"], "deadline": m["deadline"].isoformat()}
        for m in milestones
        if not m["is_reached"] and m["deadline"] and today <= m["deadline"] <= soon
    ]
    late = [
        {"name": m["name"], "deadline": m["deadline"].isoformat()}
        for m in milestones
        if not m["is_reached"] and m["deadline"] and m["deadline"] < today
    ]
    allocated = Decimal(project.allocated_hours or 0)
    effective = Decimal(project.effective_hours or 0)
    hours_pct = _pct(effective, allocated)

    risks: list[str] = []
    if late:
        risks.append(f"{len(late)} milestone(s) past their deadline")
    if overdue_tasks:
        risks.append(f"{len(overdue_tasks)} open task(s) past their deadline")
    if hours_pct is not None and hours_pct > 100:
        risks.append(f"hours at {hours_pct}% of the allocation")
    open_questions = list(
        ClientRequest.objects.filter(project_id=project.pk)
        .waiting_for_client()
        .values_list("subject", flat=True)
    )
    owed = [f"sign-off of milestone “{name}”" for name in _waiting_signoffs(project)]
    owed += [f"an answer on request “{subject}”" for subject in open_questions]
    return {
        "tasks_total": len(tasks),
        "tasks_closed": len(closed),
        "tasks_pct": _pct(len(closed), len(tasks)),
        "milestones_total": len(milestones),
        "milestones_reached": len(reached),
        "milestones_due": due,
        "milestones_late": late,
        "hours_allocated": str(allocated),
        "hours_effective": str(effective),
        "hours_pct": hours_pct,
        "overdue_tasks": overdue_tasks[:10],
        "risks": risks,
        "client_owes": owed,
    }


def suggested_status(facts: dict[str, Any]) -> str:
    if facts["milestones_late"] or (facts["hours_pct"] or 0) > 110:
        return HealthStatus.OFF_TRACK
    if facts["risks"]:
        return HealthStatus.AT_RISK
    return HealthStatus.ON_TRACK


def draft_text(project: Project, facts: dict[str, Any]) -> str:
    """A plain-text starting point the PM edits; every figure comes from `facts`."""
    lines = ["Progress"]
    if facts["tasks_total"]:
        lines.append(
            f"- {facts['tasks_closed']} of {facts['tasks_total']} tasks done "
            f"({facts['tasks_pct']}%)."
        )
    if facts["milestones_total"]:
        lines.append(
            f"- {facts['milestones_reached']} of {facts['milestones_total']} milestones reached."
        )
    if facts["hours_pct"] is not None:
        lines.append(
            f"- {facts['hours_effective']} h used of {facts['hours_allocated']} h allocated "
            f"({facts['hours_pct']}%)."
        )
    if facts["milestones_due"]:
        lines += ["", "Coming up"]
        lines += [f"- {m['name']} (due {m['deadline']})" for m in facts["milestones_due"]]
    if facts["risks"]:
        lines += ["", "Risks and blockers"]
        lines += [f"- {r}" for r in facts["risks"]]
    if facts["client_owes"]:
        lines += ["", "What we need from you"]
        lines += [f"- {item}" for item in facts["client_owes"]]
    return "\n".join(lines)


def _assignee(project: Project) -> User | None:
    return project_manager_of(project) or delivery_leader_of(project)


def draft_summary(project: Project, today: dt.date | None = None) -> tuple[StatusSummary, bool]:
    """The draft for `project` in the ISO week of `today`, created once (idempotent)."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    existing = StatusSummary.objects.filter(project=project, iso_year=year, iso_week=week).first()
    if existing is not None:
        return existing, False
    facts = gather_facts(project, today)
    try:
        with transaction.atomic():
            summary = StatusSummary.objects.create(
                project=project,
                iso_year=year,
                iso_week=week,
                title=f"{project.name}: week {week}",
                body=draft_text(project, facts),
                status=suggested_status(facts),
                facts=facts,
                assignee=_assignee(project),
            )
    except IntegrityError:
        # A concurrent run made it between our look-up and insert: theirs stands.
        return StatusSummary.objects.get(project=project, iso_year=year, iso_week=week), False
    if summary.assignee is not None and summary.assignee.email:
        send_after_commit(
            [summary.assignee.email],
            f"Status summary to review: {project.name}",
            f"This week's client status summary for {project.name} is drafted from the data "
            f"in Odoo. Review it, set the status and publish it:\n"
            f"{absolute('clients:summary_edit', summary.pk)}\n",
        )
    return summary, True


def create_weekly_drafts(today: dt.date | None = None) -> int:
    """A draft for every live, active project published to its client; safe to run twice."""
    projects = Project.objects.active().filter(
        pk__in=ProjectPublication.objects.live().values("project_id")
    )
    created = 0
    for project in projects:
        _summary, new = draft_summary(project, today)
        created += int(new)
    logger.info("Weekly status drafts: %s created", created)
    return created


def _check_editable(summary: StatusSummary, actor: User) -> None:
    if not can_edit_summary(actor, summary.project):
        raise NotAllowed("Only the project's manager or a delivery leader can edit this summary.")
    if summary.state == SummaryState.PUBLISHED:
        raise Conflict("This summary is already published; write next week's instead.")


def _validate(title: str, status: str) -> None:
    if not title.strip():
        raise DomainError("A summary needs a title.", field="title")
    if status not in HealthStatus.values:
        raise DomainError("Choose on track, at risk or off track.", field="status")


def save_summary(
    summary: StatusSummary, *, actor: User, title: str, body: str, status: str
) -> StatusSummary:
    _validate(title, status)
    with transaction.atomic():
        summary = (
            StatusSummary.objects.select_for_update().select_related("project").get(pk=summary.pk)
        )
        _check_editable(summary, actor)
        summary.title, summary.body, summary.status = title.strip(), body.strip(), status
        summary.save(update_fields=["title", "body", "status", "updated_at"])
        audit.record("clients.summary.edited", actor=actor, obj=summary)
    return summary


def publish_summary(
    summary: StatusSummary, *, actor: User, title: str, body: str, status: str
) -> StatusSummary:
    """Show the summary to the client, mail the client's contacts, and post it to Odoo as
    a project update (outbox, same transaction)."""
    _validate(title, status)
    with transaction.atomic():
        summary = (
            StatusSummary.objects.select_for_update().select_related("project").get(pk=summary.pk)
        )
        _check_editable(summary, actor)
        project = summary.project
        if not ProjectPublication.objects.live().filter(project_id=project.pk).exists():
            raise DomainError(
                "This project is not published to the client; ask its account manager first."
            )
        summary.title, summary.body, summary.status = title.strip(), body.strip(), status
        summary.state = SummaryState.PUBLISHED
        summary.published_at = timezone.now()
        summary.published_by = actor
        summary.save()
        audit.record("clients.summary.published", actor=actor, obj=summary, data={"status": status})
        enqueue(
            "project_update.create",
            summary.outbox_key,
            {
                "project_id": project.pk,
                "name": summary.title,
                "status": summary.status,
                "description": _html(summary.body),
                "ref": summary.outbox_key,
            },
            ordering_key=f"project.project:{project.pk}",
        )
        client_id = _client_of(project)
        if client_id is not None:
            contacts = [
                c.email
                for c in client_contacts(client_id)
                if project.pk in published_project_ids(c)
            ]
            send_after_commit(
                contacts,
                f"Project status: {project.name} — {summary.get_status_display()}",
                f"{summary.title}\n\n{summary.body}\n\n"
                f"Read it on the portal: {absolute('clients:summary', summary.pk)}\n",
            )
    return summary


def _client_of(project: Project) -> int | None:
    partner = project.partner
    if partner is None:
        return None
    return partner.commercial_partner_id or partner.pk


def _html(text: str) -> str:
    from django.utils.html import escape, linebreaks

    return linebreaks(escape(text))


def summaries_for_editor(user: User) -> Q:
    """Filter for the drafts waiting for `user`: assigned to them."""
    return Q(assignee=user, state=SummaryState.DRAFT)
