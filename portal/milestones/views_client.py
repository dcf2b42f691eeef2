"""Client-facing milestone pages: review the evidence, upload, accept or reject.

Only contacts of the project's client see these, and only once the project is
published; everyone else (staff included) gets 404, never a hint that it exists.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import DomainError
from portal.core.htmx import is_fragment_request
from portal.milestones import access, facts, services, uploads
from portal.milestones.forms import EvidenceForm, SignOffForm
from portal.milestones.models import BillingState, MilestoneRecord
from portal.milestones.views import (
    _store_upload,
    _user,
    done,
    log_client_access,
    parse_upload,
)


def render_review(
    request: HttpRequest, record: MilestoneRecord, *, status: int = 200, **extra: Any
) -> HttpResponse:
    current = facts.current_evidence(list(record.evidence.select_related("slot")))
    context = {
        "record": record,
        "milestone": record.milestone,
        "evidence": current,
        "signoff": services.current_signoff(record),
        "can_decide": record.state == BillingState.READY,
        "form": extra.pop("form", None) or EvidenceForm(),
        "signoff_form": extra.pop("signoff_form", None) or SignOffForm(),
        "accepted_types": ", ".join(uploads.accepted_extensions()),
        "max_mb": uploads._mb(uploads.settings.UPLOAD_MAX_BYTES),
        **extra,
    }
    template = (
        "milestones/_client_panel.html"
        if is_fragment_request(request)
        else "milestones/client.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
def client_review(request: HttpRequest, pk: int) -> HttpResponse:
    record = access.get_client_record(_user(request), pk)
    log_client_access(_user(request), "milestone.viewed", record, request)
    return render_review(request, record)


@login_required
@require_POST
def client_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    record = access.get_client_record(user, pk)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return render_review(request, record, status=400, signoff_form=form)
    try:
        signoff = services.sign_off(
            record.pk,
            actor=user,
            decision=form.cleaned_data["decision"],
            typed_name=form.cleaned_data["typed_name"],
            reason=form.cleaned_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as exc:
        record.refresh_from_db()
        return render_review(
            request, record, status=exc.status_code, error=exc.message, signoff_form=form
        )
    log_client_access(user, f"milestone.{signoff.decision}", record, request)
    return done(request, reverse("milestones:client_review", args=[record.pk]))


@csrf_exempt  # CSRF is checked by _store_upload, once the size guard has read the body
@login_required
@require_POST
def client_evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    record = access.get_client_record(_user(request), pk)
    refusal = parse_upload(request)
    response = _store_upload(request, record, refusal, "milestones:client_review", by_client=True)
    if response.status_code < 400:
        log_client_access(_user(request), "evidence.uploaded", record, request)
    return response
