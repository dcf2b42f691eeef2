"""Read side of the approvals pages: the inbox rows and the authorizing getter."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from portal.approvals.models import ApprovalRequest, Assignment, Decision
from portal.approvals.registry import get_kind
from portal.core.models import AuditEvent, User

INBOX_REQUEST_FIELDS = (
    "request__id",
    "request__kind",
    "request__title",
    "request__amount",
    "request__currency",
    "request__client_id",
    "request__client_name",
    "request__project_id",
    "request__business_unit_id",
    "request__requester_name",
    "request__submitted_at",
    "request__status",
    "request__version",
)


def awaiting_decision_by(user: User, filters: dict[str, Any] | None = None) -> QuerySet[Assignment]:
    """Pending steps where `user` may act (their own and delegated), via the inbox index."""
    filters = filters or {}
    qs = (
        Assignment.objects.filter(user_id=user.pk, active=True)
        .select_related("request", "step", "on_behalf_of")
        .only(
            "id",
            "user_id",
            "submitted_at",
            "source",
            "on_behalf_of__full_name",
            "on_behalf_of__email",
            "step__id",
            "step__name",
            "step__due_at",
            "step__escalation_level",
            *INBOX_REQUEST_FIELDS,
        )
    )
    if filters.get("kind"):
        qs = qs.filter(request__kind=filters["kind"])
    if filters.get("client"):
        qs = qs.filter(request__client_id=filters["client"])
    if filters.get("project"):
        qs = qs.filter(request__project_id=filters["project"])
    if filters.get("unit"):
        qs = qs.filter(request__business_unit_id=filters["unit"].pk)
    if filters.get("min_amount") is not None:
        qs = qs.filter(request__amount__gte=filters["min_amount"])
    if filters.get("max_amount") is not None:
        qs = qs.filter(request__amount__lte=filters["max_amount"])
    if filters.get("older_than_days"):
        cutoff = timezone.now() - dt.timedelta(days=filters["older_than_days"])
        qs = qs.filter(submitted_at__lte=cutoff)
    from portal.approvals.forms import SORTS

    order = SORTS.get(filters.get("sort") or "oldest", "submitted_at")
    return qs.order_by(order, "id")


INBOX_VALUES = (
    "submitted_at",
    "on_behalf_of__full_name",
    "on_behalf_of__email",
    "step__name",
    "step__due_at",
    "step__escalation_level",
    *INBOX_REQUEST_FIELDS,
)


def inbox_rows(assignments: Any) -> list[dict[str, Any]]:
    """Plain rows for the list template: one dict per item, links and labels prepared.

    The list is the hot path of the inbox; dicts with preformatted strings keep the
    template to plain lookups (no model instances, no reverse() per row).
    """
    from django.urls import reverse
    from django.utils import timezone as tz

    base = reverse("approvals:detail", args=[0])[: -len("0/")]
    now = tz.now()
    rows = []
    for r in assignments:
        amount = r["request__amount"]
        age = now - r["submitted_at"]
        due = r["step__due_at"]
        rows.append(
            {
                "id": r["request__id"],
                "url": f"{base}{r['request__id']}/",
                "title": r["request__title"],
                "kind": r["request__kind"],
                "kind_label": kind_label(r["request__kind"]),
                "client": r["request__client_name"],
                "behalf": r["on_behalf_of__full_name"] or r["on_behalf_of__email"] or "",
                "step": r["step__name"],
                "escalated": bool(r["step__escalation_level"]),
                "requester": r["request__requester_name"],
                "amount": f"{amount:,.2f} {r['request__currency']}" if amount is not None else "",
                "age": f"{age.days} d" if age.days else f"{age.seconds // 3600} h",
                "due": tz.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "",
                "overdue": bool(due and due < now),
                "version": r["request__version"],
            }
        )
    for row in rows:
        row["html"] = _row_html(row)
    return rows


# One inbox row as HTML, built once in Python: the template engine's per-variable
# lookups and localisation were most of the inbox's server time with 50 rows a page.
# Every value is escaped by _row_html; only the two fixed tags below go in as they are.
_ROW = (
    '<tr class="inbox-row" data-id="{id}" data-version="{version}">'
    '<td><input type="checkbox" name="ids" value="{id}" aria-label="Select {title}"></td>'
    '<td><a href="{url}" hx-get="{url}" hx-target="#detail-panel">{title}</a>'
    '<div class="small muted">{meta}</div></td>'
    "<td>{step}{escalated}</td><td>{requester}</td>"
    '<td class="num">{amount}</td><td>{age}</td><td>{due}{overdue}</td></tr>'
)
_ESCALATED = ' <span class="tag">escalated</span>'
_OVERDUE = ' <span class="tag">overdue</span>'


def _row_html(row: dict[str, Any]) -> SafeString:
    # The standard library's escape, as Django's escape() uses, without its lazy-string
    # wrapper: a third of the list's time went there.
    meta = " · ".join(
        part
        for part in (
            row["kind_label"],
            row["client"] or "",
            f"on behalf of {row['behalf']}" if row["behalf"] else "",
        )
        if part
    )
    values = {
        name: escape(str(row[name]))
        for name in ("id", "version", "url", "title", "step", "requester", "amount", "age", "due")
    }
    return mark_safe(  # noqa: S308 - every value above is escaped
        _ROW.format(
            **values,
            meta=escape(meta),
            escalated=_ESCALATED if row["escalated"] else "",
            overdue=_OVERDUE if row["overdue"] else "",
        )
    )


def pending_count(user: User) -> int:
    return Assignment.objects.filter(user_id=user.pk, active=True).count()


def raised_by(user: User) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.raised_by(user).defer("facts", "summary_lines", "last_diff")


def decided_by(user: User) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(actor_id=user.pk)
        .select_related("request", "step")
        .only(
            "id",
            "outcome",
            "created_at",
            "comment",
            "superseded",
            "step__name",
            *(f.replace("request__", "request__") for f in INBOX_REQUEST_FIELDS),
        )
        .order_by("-created_at")
    )


def get_request_for_user(user: User, pk: int) -> ApprovalRequest:
    """The request if `user` may see it (raised, assigned, decided, operator); else 404."""
    request = ApprovalRequest.objects.visible_to(user).filter(pk=pk).first()
    if request is not None:
        return request
    request = ApprovalRequest.objects.filter(pk=pk).first()
    if request is not None:
        kind = get_kind(request.kind)
        if kind.visible_to is not None:
            from portal.approvals.services import load_subject

            subject = load_subject(request)
            if subject is not None and kind.visible_to(subject, user):
                return request
    raise Http404("No such approval request.")


def timeline(request: ApprovalRequest) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(
        object_type="approvals.approvalrequest", object_id=str(request.pk)
    ).order_by("id")
    people = {
        u.pk: u.display_name
        for u in User.objects.filter(
            pk__in={i for e in events for i in (e.actor_id, e.on_behalf_of_id) if i is not None}
        )
    }
    out = []
    for e in events:
        who = people.get(e.actor_id or 0, "system")
        if e.on_behalf_of_id:
            who = f"{who} on behalf of {people.get(e.on_behalf_of_id, e.on_behalf_of_id)}"
        out.append(
            {
                "at": e.created_at,
                "action": e.action,
                "label": action_label(e.action, who, e.data),
                "who": who,
                "data": e.data,
            }
        )
    return out


# Audit action -> what the timeline says; "{who}" is the actor, "{step}" the step's name.
TIMELINE_LABELS = {
    "approvals.request.submitted": "Submitted by {who}",
    "approvals.request.resubmitted": "Resubmitted by {who}",
    "approvals.request.reset": "Decisions reset after a change",
    "approvals.request.approved": "Approved",
    "approvals.request.rejected": "Rejected",
    "approvals.request.changes_requested": "Changes requested",
    "approvals.request.withdrawn": "Withdrawn by {who}",
    "approvals.request.needs_routing": "Needs routing",
    "approvals.request.rerouted": "Rerouted by {who}",
    "approvals.step.approved": "Step {step}approved by {who}",
    "approvals.step.rejected": "Step {step}rejected by {who}",
    "approvals.step.changes_requested": "Changes requested on step {step}by {who}",
    "approvals.step.escalated": "Step {step}escalated",
    "approvals.step.needs_routing": "Step {step}needs routing",
}


def action_label(action: str, who: str, data: dict[str, Any] | None = None) -> str:
    """A readable line for an audit action; unknown actions fall back to a tidied name."""
    template = TIMELINE_LABELS.get(action)
    if template is None:
        return action.rsplit(".", 1)[-1].replace("_", " ").capitalize()
    step_name = (data or {}).get("step_name")
    step = f"“{step_name}” " if step_name else ""
    return template.format(who=who, step=step)


def kind_label(key: str) -> str:
    """The registered label of a subject kind; the key itself if the kind is not registered."""
    try:
        return get_kind(key).label
    except LookupError:
        return key
