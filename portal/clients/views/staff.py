"""Staff pages: publishing, invitations, the access log, summaries and the request queue."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.clients import services
from portal.clients.access import (
    get_contact_for_manager,
    get_publishable_project,
    get_staff_request,
    get_summary_for_editor,
    manager_client_ids,
    manager_projects,
)
from portal.clients.forms import InviteForm, StaffReplyForm, StatusForm, SummaryForm
from portal.clients.models import (
    ClientAccessLog,
    ClientRequest,
    Invitation,
    StatusSummary,
    SummaryState,
)
from portal.clients.views.common import (
    domain_errors,
    limit_upload_size,
    staff_only,
    too_large_message,
)
from portal.core.errors import DomainError, NotAllowed
from portal.core.models import User
from portal.odoo.models import Partner

LOG_PAGE_SIZE = 50


def _require_manager(user: User) -> set[int]:
    clients = manager_client_ids(user)
    if not clients and not user.is_superuser:
        raise NotAllowed("This page is for account managers.")
    return clients


@require_GET
@login_required
@domain_errors
def manage(request: HttpRequest) -> HttpResponse:
    """Account managers: their clients, projects with publish switches, contacts, invitations."""
    user = staff_only(request)
    client_ids = _require_manager(user)
    projects = list(
        manager_projects(user)
        .filter(partner__isnull=False)
        .select_related("partner", "publication", "business_unit")
        .order_by("name")
    )
    by_client: dict[int, list[Any]] = defaultdict(list)
    for project in projects:
        company = project.partner.commercial_partner_id or project.partner_id
        by_client[int(company or 0)].append(project)
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=client_ids)}
    contacts: dict[int, list[User]] = defaultdict(list)
    for contact in User.objects.filter(client_partner_id__in=client_ids).order_by("email"):
        contacts[contact.client_partner_id].append(contact)  # type: ignore[index]
    clients = [
        {
            "id": cid,
            "partner": partners.get(cid),
            "projects": by_client.get(cid, []),
            "contacts": contacts.get(cid, []),
        }
        for cid in sorted(client_ids, key=lambda c: str(partners.get(c) or c))
    ]
    invitations = Invitation.objects.filter(client_partner_id__in=client_ids)[:50]
    return render(request, "clients/manage.html", {"clients": clients, "invitations": invitations})


@require_POST
@login_required
@domain_errors
def publication(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_only(request)
    project = get_publishable_project(user, pk)
    if request.POST.get("action") == "unpublish":
        services.unpublish_project(project, actor=user)
        messages.success(request, f"{project.name} is no longer shown to the client.")
    else:
        services.publish_project(project, actor=user)
        messages.success(request, f"{project.name} is now shown to the client's contacts.")
    return redirect("clients:manage")


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def invite(request: HttpRequest) -> HttpResponse:
    user = staff_only(request)
    client_ids = _require_manager(user)
    choices = [
        (p.pk, p.name) for p in Partner.objects.active().filter(pk__in=client_ids).order_by("name")
    ]
    form = InviteForm(request.POST or None, clients=choices)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _link = services.invite_contact(
                actor=user,
                email=form.cleaned_data["email"],
                client_partner_id=form.cleaned_data["client"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("clients:manage")
    status = 400 if request.method == "POST" else 200
    return render(request, "clients/invite.html", {"form": form}, status=status)


@require_POST
@login_required
@domain_errors
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_only(request)
    invitation = get_object_or_404(
        Invitation, pk=pk, client_partner_id__in=sorted(manager_client_ids(user))
    )
    services.revoke_invitation(invitation, actor=user)
    messages.success(request, f"The invitation of {invitation.email} is withdrawn.")
    return redirect("clients:manage")


@require_GET
@login_required
@domain_errors
def access_log(request: HttpRequest) -> HttpResponse:
    """What the account manager's client users viewed, downloaded, accepted or rejected."""
    user = staff_only(request)
    client_ids = _require_manager(user)
    entries = ClientAccessLog.objects.filter(client_partner_id__in=sorted(client_ids))
    contact = None
    if contact_id := request.GET.get("contact", "").strip():
        if not contact_id.isdigit():
            raise DomainError("Choose a contact from the list.")
        contact = get_contact_for_manager(user, int(contact_id))
        entries = entries.filter(user=contact)
    page = Paginator(entries.select_related("user"), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "clients/access_log.html", {"page": page, "contact": contact})


@require_GET
@login_required
def summaries(request: HttpRequest) -> HttpResponse:
    """Drafts waiting for the PM or delivery leader, and recent summaries of their projects."""
    user = staff_only(request)
    visible = StatusSummary.objects.visible_to(user).select_related("project", "assignee")
    context = {
        "mine": visible.filter(assignee=user, state=SummaryState.DRAFT),
        "recent": visible[:50],
    }
    return render(request, "clients/summaries.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def summary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_only(request)
    summary = get_summary_for_editor(user, pk)
    initial = {"title": summary.title, "status": summary.status, "body": summary.body}
    form = SummaryForm(request.POST or None, initial=initial)
    if request.method == "POST" and summary.state == SummaryState.DRAFT and form.is_valid():
        verb = services.publish_summary if "publish" in request.POST else services.save_summary
        try:
            summary = verb(summary, actor=user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            published = summary.state == SummaryState.PUBLISHED
            messages.success(
                request, "Published to the client and to Odoo." if published else "Draft saved."
            )
            return redirect("clients:summary_edit", summary.pk)
    status = 400 if request.method == "POST" else 200
    context = {"summary": summary, "form": form, "facts": summary.facts}
    return render(request, "clients/summary_edit.html", context, status=status)


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The request queue: requests routed to me, or every open request I may see."""
    user = staff_only(request)
    visible = ClientRequest.objects.visible_to(user).select_related("project", "assignee")
    scope = request.GET.get("scope", "mine")
    rows = visible.filter(assignee=user) if scope == "mine" else visible
    if request.GET.get("status", "open") == "open":
        rows = rows.open()
    return render(request, "clients/queue.html", {"rows": rows[:200], "scope": scope})


@csrf_exempt  # checked by _staff_request, once the size guard is in place
@login_required
@require_http_methods(["GET", "POST"])
def staff_request(request: HttpRequest, pk: int) -> HttpResponse:
    limit_upload_size(request)
    return _staff_request(request, pk)


@csrf_protect
@domain_errors
def _staff_request(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_only(request)
    request_obj = get_staff_request(user, pk)
    form = StaffReplyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if message := too_large_message(request):
            form.add_error("attachments", message)
        if form.is_valid():
            try:
                services.add_reply(
                    request_obj,
                    actor=user,
                    body=form.cleaned_data["body"],
                    internal=form.cleaned_data["internal"],
                    files=request.FILES.getlist("attachments"),
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("clients:staff_request", request_obj.pk)
        status = 400
    context = {
        "req": request_obj,
        "conversation": request_obj.messages.select_related("author").prefetch_related(
            "attachments"
        ),
        "files": [a for a in request_obj.attachments.all() if a.message_id is None],
        "form": form,
        "status_form": StatusForm(initial={"status": request_obj.status}),
        "odoo": _odoo_state(request_obj.outbox_key),
    }
    return render(request, "clients/staff_request.html", context, status=status)


def _odoo_state(key: str) -> dict[str, Any] | None:
    from portal.odoo.models import OutboxMessage

    message = OutboxMessage.objects.filter(key=key).first()
    if message is None:
        return None
    result = message.result if isinstance(message.result, dict) else {}
    return {"status": message.status, "odoo_id": result.get("id"), "error": message.last_error}


@require_POST
@login_required
@domain_errors
def staff_request_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_only(request)
    request_obj = get_staff_request(user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        raise DomainError("Choose a status from the list.")
    services.change_request_status(request_obj, actor=user, status=form.cleaned_data["status"])
    return redirect("clients:staff_request", request_obj.pk)
