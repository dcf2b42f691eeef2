"""The client's own pages: home, project, status summary, requests, file downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from portal.clients import pages, services
from portal.clients.access import (
    client_is_suspended,
    get_attachment_for_user,
    get_client_project,
    get_request_for_user,
    get_summary_for_user,
)
from portal.clients.access_log import log_client_access
from portal.clients.forms import ReplyForm, RequestForm
from portal.clients.models import ClientRequest
from portal.clients.uploads import serve_content_type, storage_path
from portal.clients.views.common import (
    client_only,
    current_user,
    domain_errors,
    limit_upload_size,
    too_large_message,
)
from portal.core.errors import DomainError


def client_messages(request_obj: ClientRequest) -> list:
    """The conversation a client may see: never internal notes or their files."""
    return list(
        request_obj.messages.filter(internal=False)
        .select_related("author")
        .prefetch_related("attachments")
    )


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not user.is_client_contact:
        return redirect("home")
    return render(request, "clients/home.html", pages.home(user))


@require_GET
@login_required
def project(request: HttpRequest, pk: int) -> HttpResponse:
    user = client_only(request)
    project = get_client_project(user, pk)
    log_client_access(user, "viewed", project, request)
    return render(request, "clients/project.html", pages.project_page(user, project))


@require_GET
@login_required
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    user = client_only(request)
    summary = get_summary_for_user(user, pk)
    log_client_access(user, "viewed", summary, request)
    return render(request, "clients/summary.html", {"summary": summary})


@require_GET
@login_required
def requests(request: HttpRequest) -> HttpResponse:
    user = client_only(request)
    rows = ClientRequest.objects.visible_to(user).select_related("project")[:200]
    return render(request, "clients/requests.html", {"rows": rows})


def _files(request: HttpRequest) -> list:
    return request.FILES.getlist("attachments")


@csrf_exempt  # checked by _request_new, once the size guard is in place (Django's pattern)
@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, pk: int) -> HttpResponse:
    limit_upload_size(request)
    return _request_new(request, pk)


@csrf_protect
def _request_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = client_only(request)
    project = get_client_project(user, pk)
    if client_is_suspended(user):
        raise Http404("No such project.")
    form = RequestForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if message := too_large_message(request):
            form.add_error("attachments", message)
        if form.is_valid():
            try:
                created = services.submit_request(
                    project,
                    actor=user,
                    subject=form.cleaned_data["subject"],
                    description=form.cleaned_data["description"],
                    urgency=form.cleaned_data["urgency"],
                    files=_files(request),
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                log_client_access(user, "submitted", created, request)
                messages.success(
                    request, f"Request {created.reference} sent; the project team will answer here."
                )
                return redirect("clients:request", created.pk)
        status = 400
    return render(
        request, "clients/request_new.html", {"form": form, "project": project}, status=status
    )


@csrf_exempt  # checked by _request_detail, once the size guard is in place
@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    limit_upload_size(request)
    return _request_detail(request, pk)


@csrf_protect
def _request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = client_only(request)
    request_obj = get_request_for_user(user, pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if message := too_large_message(request):
            form.add_error("attachments", message)
        if form.is_valid():
            try:
                services.add_reply(
                    request_obj, actor=user, body=form.cleaned_data["body"], files=_files(request)
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                log_client_access(user, "replied", request_obj, request)
                return redirect("clients:request", request_obj.pk)
        status = 400
    else:
        log_client_access(user, "viewed", request_obj, request)
    context = {
        "req": request_obj,
        "conversation": client_messages(request_obj),
        "files": [a for a in request_obj.attachments.all() if a.message_id is None],
        "form": form,
    }
    return render(request, "clients/request_detail.html", context, status=status)


@require_GET
@login_required
@domain_errors
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Serve a request attachment after the access check; never inline (case C18)."""
    user = current_user(request)
    item = get_attachment_for_user(user, pk)
    try:
        handle = storage_path(item.stored_path).open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer available.") from None
    log_client_access(user, "downloaded", item, request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.original_name,
        content_type=serve_content_type(item.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
