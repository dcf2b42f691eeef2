"""Operators' pages: the outbox (backlog, dead letters, pause), webhooks, reconciliation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.core.access import has_role
from portal.core.errors import DomainError
from portal.core.htmx import is_fragment_request
from portal.core.models import Role
from portal.odoo import operations, reconcile
from portal.odoo.kinds import KINDS
from portal.odoo.models_outbox import (
    Drift,
    DriftStatus,
    InboundEvent,
    OutboxControl,
    OutboxMessage,
    OutboxStatus,
    ReconciliationRun,
    WebhookIntegration,
)
from portal.odoo.webhooks import endpoint_url, rotate_secret

PAGE = 200
STATUSES = {
    "open": [OutboxStatus.PENDING, OutboxStatus.DEAD],
    "pending": [OutboxStatus.PENDING],
    "dead": [OutboxStatus.DEAD],
    "done": [OutboxStatus.DONE],
    "resolved": [OutboxStatus.RESOLVED],
}
# What the Odoo automation rule's webhook action should send (reference §5.1).
RULE_FIELDS = ["write_date", "display_name"]


def _require_operator(request: HttpRequest) -> None:
    """Operators only; everyone else gets a 404 (the page's existence is not advertised)."""
    if not (request.user.is_superuser or has_role(request.user, Role.OPERATOR)):
        raise Http404


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    status = request.GET.get("status", "open")
    model = request.GET.get("model", "")
    kind = request.GET.get("kind", "")

    rows = OutboxMessage.objects.filter(status__in=STATUSES.get(status, STATUSES["open"]))
    if model:
        rows = rows.filter(odoo_model=model)
    if kind:
        rows = rows.filter(kind=kind)
    pending = OutboxMessage.objects.pending().aggregate(n=Count("id"), oldest=Min("created_at"))
    context = {
        "rows": rows.order_by("-pk")[:PAGE],
        "status": status,
        "model": model,
        "kind": kind,
        "statuses": list(STATUSES),
        "models": OutboxMessage.objects.exclude(odoo_model="")
        .values_list("odoo_model", flat=True)
        .distinct()
        .order_by("odoo_model"),
        "kinds": sorted(KINDS),
        "backlog": pending["n"],
        "oldest_age": timezone.now() - pending["oldest"] if pending["oldest"] else None,
        "dead_count": OutboxMessage.objects.dead_letters().count(),
        "control": OutboxControl.get(),
    }
    if is_fragment_request(request):
        return render(request, "odoo/ops_outbox_table.html", context)
    return render(request, "odoo/ops_outbox.html", context)


@login_required
@require_GET
def outbox_row(request: HttpRequest, pk: int) -> HttpResponse:
    _require_operator(request)
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "odoo/ops_outbox_row.html", {"m": message, "tries": message.tries.all()})


class ResolveForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


def _after_post(request: HttpRequest, text: str, target: str) -> HttpResponse:
    messages.success(request, text)
    response: HttpResponse = redirect(target)
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    _require_operator(request)
    get_object_or_404(OutboxMessage, pk=pk)
    try:
        operations.retry_message(pk, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("odoo:ops_outbox")
    return _after_post(request, f"Row {pk} is queued again.", "odoo:ops_outbox")


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_operator(request)
    get_object_or_404(OutboxMessage, pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a note saying what was done about it.")
        return redirect("odoo:ops_outbox")
    try:
        operations.resolve_message(pk, actor=request.user, note=form.cleaned_data["note"])  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("odoo:ops_outbox")
    return _after_post(request, f"Row {pk} resolved.", "odoo:ops_outbox")


@login_required
@require_POST
def resume(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    operations.resume_queue(actor=request.user)  # type: ignore[arg-type]
    return _after_post(request, "Delivery to Odoo resumed.", "odoo:ops_outbox")


# -- webhooks ---------------------------------------------------------------------------------


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = WebhookIntegration
        fields = ["name", "slug", "signing_secret"]
        help_texts = {"signing_secret": "Only for senders that sign (n8n): the whsec_… secret."}


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            integration = form.save()
            from portal.core import audit

            audit.record("odoo.webhook.integration_created", actor=request.user, obj=integration)
        return _after_post(request, f"Integration {integration.name} created.", "odoo:ops_webhooks")
    integrations = [
        (i, endpoint_url(i), i.events.order_by("-pk").first())
        for i in WebhookIntegration.objects.all()
    ]
    recent = InboundEvent.objects.select_related("integration").order_by("-pk")[:50]
    return render(
        request,
        "odoo/ops_webhooks.html",
        {"form": form, "integrations": integrations, "recent": recent, "rule_fields": RULE_FIELDS},
    )


@login_required
@require_POST
def rotate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_operator(request)
    get_object_or_404(WebhookIntegration, pk=pk)
    rotate_secret(pk, actor=request.user)
    return _after_post(
        request, "New secret: paste the new URL into the Odoo rule now.", "odoo:ops_webhooks"
    )


# -- reconciliation ---------------------------------------------------------------------------


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    if request.method == "POST":
        transaction.on_commit(_start_reconcile)
        return _after_post(
            request, "Reconciliation queued; reload in a moment.", "odoo:ops_reconcile"
        )
    run = ReconciliationRun.objects.first()
    drifts = Drift.objects.filter(status=DriftStatus.OPEN).select_related("message")
    if model := request.GET.get("model", ""):
        drifts = drifts.filter(model=model)
    return render(
        request, "odoo/ops_reconcile.html", {"run": run, "drifts": drifts[:PAGE], "model": model}
    )


def _start_reconcile() -> None:
    from portal.odoo.tasks import reconcile as task

    task.delay()


@login_required
@require_POST
def drift_fix(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_operator(request)
    get_object_or_404(Drift, pk=pk)
    try:
        if action == "reapply":
            reconcile.reapply_drift(pk, actor=request.user)
        elif action == "accept":
            reconcile.accept_odoo_value(pk, actor=request.user)
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("odoo:ops_reconcile")
    return _after_post(request, "Drift closed.", "odoo:ops_reconcile")
