"""Staff pages: milestone list and page (evidence, readiness, timeline), billing queue,
and the evidence download shared with client contacts."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from portal.core.errors import DomainError
from portal.core.htmx import is_fragment_request
from portal.core.models import User
from portal.milestones import access, billing_flow, facts, queue, services, uploads
from portal.milestones.forms import BillingForm, EvidenceForm
from portal.milestones.models import ContractType, Evidence, MilestoneRecord

logger = logging.getLogger(__name__)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: htmx navigates, a plain form follows a 303."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url, permanent=False)


def log_client_access(user: User, action: str, obj: Any, request: HttpRequest) -> None:
    try:
        from portal.clients.access_log import log_client_access as log
    except ImportError:
        return
    log(user, action, obj, request)


@login_required
@require_GET
def milestone_list(request: HttpRequest) -> HttpResponse:
    milestones = (
        access.visible_milestones(_user(request))
        .select_related("project", "record")
        .order_by("deadline", "pk")[:500]
    )
    return render(request, "milestones/list.html", {"milestones": milestones})


def _detail_context(record: MilestoneRecord, user: User, **extra: Any) -> dict[str, Any]:
    evidence = list(record.evidence.select_related("slot", "uploaded_by"))
    current = facts.current_evidence(evidence)
    return {
        "record": record,
        "milestone": record.milestone,
        "evidence": evidence,
        "current_ids": {e.pk for e in current},
        "checklist": facts.checklist(record, services.requirements(), current),
        "amount": facts.amount(record),
        "currency": facts.currency(record),
        "contract_type": facts.contract_type(record),
        "contract_type_label": str(ContractType(facts.contract_type(record)).label),
        "signoffs": list(record.signoffs.all()),
        "timeline": list(record.timeline.select_related("actor")),
        "can_manage": access.can_manage(user, record.milestone),
        "accepted_types": ", ".join(uploads.accepted_extensions()),
        "max_mb": uploads._mb(uploads.settings.UPLOAD_MAX_BYTES),
        "max_files": uploads.settings.UPLOAD_MAX_FILES,
        "form": extra.pop("form", None) or EvidenceForm(),
        "billing_form": extra.pop("billing_form", None)
        or BillingForm(
            initial={
                "contract_type_override": record.contract_type_override,
                "manual_amount": record.manual_amount,
                "manual_currency": record.manual_currency,
            }
        ),
        **extra,
    }


def _record_for(request: HttpRequest, pk: int) -> MilestoneRecord:
    """Authorizing getter: 404 unless the user may see the milestone."""
    milestone = access.get_milestone_for_user(_user(request), pk)
    record = services.ensure_record(milestone)
    record.milestone = milestone
    return record


@login_required
@require_GET
def milestone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_for(request, pk)
    # A milestone edited in Odoo since the client accepted it must not be billed as is.
    billing_flow.check_mirror(record)
    billing_flow.sync_outcomes([record])
    billing_flow.refresh_posting([record])
    record.refresh_from_db()
    context = _detail_context(record, _user(request))
    template = (
        "milestones/_panel.html" if is_fragment_request(request) else "milestones/detail.html"
    )
    return render(request, template, context)


def _refused(
    request: HttpRequest, record: MilestoneRecord, message: str, status: int, **extra: Any
) -> HttpResponse:
    context = _detail_context(record, _user(request), error=message, **extra)
    template = (
        "milestones/_panel.html" if is_fragment_request(request) else "milestones/detail.html"
    )
    return render(request, template, context, status=status)


def parse_upload(request: HttpRequest) -> str:
    """Parse a multipart upload with the size guard first in the handler chain.

    Runs before the CSRF check reads the body, because handlers cannot change once the
    body is parsed. Returns a refusal message, or "" when the files may be checked.
    """
    request.upload_handlers.insert(0, uploads.SizeLimitUploadHandler(request))
    try:
        request.POST  # noqa: B018 - parses the body, files included
        request.FILES  # noqa: B018
    except TooManyFilesSent:
        return f"At most {uploads.settings.UPLOAD_MAX_FILES} files can be sent at once."
    too_large = getattr(request, "uploads_too_large", [])
    if too_large:
        limit = uploads._mb(uploads.settings.UPLOAD_MAX_BYTES)
        return f"{', '.join(too_large)}: larger than the limit of {limit}."
    return ""


@csrf_exempt  # CSRF is checked by _store_upload, once the size guard has read the body
@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_for(request, pk)
    if not access.can_manage(_user(request), record.milestone):
        raise PermissionDenied("Only the project's managers upload evidence here.")
    refusal = parse_upload(request)
    return _store_upload(request, record, refusal, "milestones:detail", by_client=False)


@csrf_protect
def _store_upload(
    request: HttpRequest, record: MilestoneRecord, refusal: str, next_url: str, *, by_client: bool
) -> HttpResponse:
    refuse = _client_refused if by_client else _refused
    form = EvidenceForm(request.POST if not refusal else None)
    if refusal:
        return refuse(request, record, f"Nothing was stored. {refusal}", 400, form=form)
    if not form.is_valid():
        return refuse(request, record, "Check the form.", 400, form=form)
    try:
        services.add_evidence(
            record.pk,
            actor=_user(request),
            slot_key=form.cleaned_data["slot"].pk,
            files=request.FILES.getlist("files"),
            note=form.cleaned_data["note"],
            by_client=by_client,
        )
    except uploads.UploadRefused as exc:
        return refuse(request, record, f"Nothing was stored. {exc}", 400, form=form)
    except DomainError as exc:
        return refuse(request, record, exc.message, exc.status_code, form=form)
    return done(request, reverse(next_url, args=[record.pk]))


def _client_refused(
    request: HttpRequest, record: MilestoneRecord, message: str, status: int, **extra: Any
) -> HttpResponse:
    from portal.milestones.views_client import render_review

    return render_review(request, record, status=status, error=message, **extra)


@login_required
@require_POST
def mark_ready(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_for(request, pk)
    user = _user(request)
    if not access.can_manage(user, record.milestone):
        raise PermissionDenied("Only the project's managers mark milestones ready.")
    try:
        services.mark_ready(record.pk, actor=user)
    except DomainError as exc:
        return _refused(request, record, exc.message, exc.status_code)
    return done(request, reverse("milestones:detail", args=[record.pk]))


@login_required
@require_POST
def update_billing(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_for(request, pk)
    user = _user(request)
    if not access.can_manage(user, record.milestone):
        raise PermissionDenied("Only the project's managers change billing terms.")
    form = BillingForm(request.POST)
    if not form.is_valid():
        return _refused(request, record, "Check the billing terms.", 400, billing_form=form)
    try:
        services.update_billing(
            record.pk,
            actor=user,
            contract_type_override=form.cleaned_data["contract_type_override"],
            manual_amount=form.cleaned_data["manual_amount"],
            manual_currency=form.cleaned_data["manual_currency"] or "",
        )
    except DomainError as exc:
        return _refused(request, record, exc.message, exc.status_code, billing_form=form)
    return done(request, reverse("milestones:detail", args=[record.pk]))


@login_required
@require_GET
def billing_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.is_finance(user) and not user.is_superuser:
        raise PermissionDenied("The billing queue is for finance.")
    return render(request, "milestones/billing.html", {"queue": queue.build_queue(user)})


def _evidence_for(user: User, pk: int) -> Evidence:
    """Authorizing getter for a file: staff who see the milestone, or its client's contacts."""
    evidence = Evidence.objects.select_related("record").filter(pk=pk).first()
    if evidence is None:
        raise Http404("No such file.")
    if user.is_client_contact:
        visible = access.client_records(user).filter(pk=evidence.record_id).exists()
    else:
        visible = access.visible_records(user).filter(pk=evidence.record_id).exists()
    if not visible:
        raise Http404("No such file.")
    return evidence


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback and the exact name as RFC 5987 `filename*`."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    fallback = fallback.replace("\\", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = _user(request)
    evidence = _evidence_for(user, pk)
    try:
        path = uploads.storage_path(evidence.stored_path)
        handle = path.open("rb")
    except (OSError, ValueError):
        logger.warning("Evidence file %s is missing on disk", evidence.pk)
        raise Http404("The file is no longer available.") from None
    if user.is_client_contact:
        log_client_access(user, "evidence.downloaded", evidence, request)
    response = FileResponse(handle, content_type=uploads.serve_content_type(evidence.content_type))
    response["Content-Disposition"] = content_disposition(evidence.original_name)
    response["Content-Length"] = str(evidence.size)
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser ignored "attachment", nothing in the file may run or load.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
