"""Preview as client: an account manager sees a contact's pages with that contact's scope.

Read-only (GET only, no forms rendered), with a banner; the manager stays signed in as
themselves, and every preview is written to the audit trail.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.clients import pages
from portal.clients.access import (
    get_client_project,
    get_contact_for_manager,
    get_request_for_user,
    get_summary_for_user,
)
from portal.clients.models import ClientRequest
from portal.clients.views.client import client_messages
from portal.clients.views.common import current_user
from portal.core import audit
from portal.core.models import User


def _contact(request: HttpRequest, contact_id: int, what: str) -> tuple[User, User]:
    manager = current_user(request)
    contact = get_contact_for_manager(manager, contact_id)
    audit.record(
        "clients.preview.viewed",
        actor=manager,
        obj=contact,
        data={"page": what, "path": request.path},
    )
    return manager, contact


def _context(contact: User, **extra: object) -> dict[str, object]:
    return {"preview_contact": contact, "read_only": True, **extra}


@require_GET
@login_required
def preview_home(request: HttpRequest, contact_id: int) -> HttpResponse:
    _manager, contact = _contact(request, contact_id, "home")
    return render(request, "clients/home.html", _context(contact, **pages.home(contact)))


@require_GET
@login_required
def preview_project(request: HttpRequest, contact_id: int, pk: int) -> HttpResponse:
    _manager, contact = _contact(request, contact_id, "project")
    project = get_client_project(contact, pk)
    context = _context(contact, **pages.project_page(contact, project))
    return render(request, "clients/project.html", context)


@require_GET
@login_required
def preview_summary(request: HttpRequest, contact_id: int, pk: int) -> HttpResponse:
    _manager, contact = _contact(request, contact_id, "summary")
    summary = get_summary_for_user(contact, pk)
    return render(request, "clients/summary.html", _context(contact, summary=summary))


@require_GET
@login_required
def preview_requests(request: HttpRequest, contact_id: int) -> HttpResponse:
    _manager, contact = _contact(request, contact_id, "requests")
    rows = ClientRequest.objects.visible_to(contact).select_related("project")[:200]
    return render(request, "clients/requests.html", _context(contact, rows=rows))


@require_GET
@login_required
def preview_request(request: HttpRequest, contact_id: int, pk: int) -> HttpResponse:
    _manager, contact = _contact(request, contact_id, "request")
    request_obj = get_request_for_user(contact, pk)
    context = _context(
        contact,
        req=request_obj,
        conversation=client_messages(request_obj),
        files=[a for a in request_obj.attachments.all() if a.message_id is None],
        form=None,
    )
    return render(request, "clients/request_detail.html", context)
