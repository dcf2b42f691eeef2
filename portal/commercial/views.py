"""Pages to raise, follow and change discount and write-off requests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.approvals.models import ApprovalRequest
from portal.commercial import services
from portal.commercial.forms import AdjustmentForm, ChangeForm
from portal.commercial.models import Adjustment, visible_adjustments
from portal.core.access import has_role
from portal.core.errors import DomainError
from portal.core.models import User
from portal.odoo.models import Invoice, InvoiceLine, SaleOrderLine


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def get_adjustment_for_user(user: User, pk: int) -> Adjustment:
    adj = Adjustment.objects.select_related("business_unit").filter(pk=pk).first()
    if adj is None or not adj.visible_to_user(user):
        raise Http404("No such request.")
    return adj


@login_required
def adjustment_list(request: HttpRequest) -> HttpResponse:
    rows = visible_adjustments(_user(request)).select_related("requested_by")[:200]
    return render(request, "commercial/list.html", {"rows": rows})


def _candidates(q: str) -> dict[str, object]:
    """Lines and invoices a request may target (the same rules the service enforces)."""
    lines = (
        SaleOrderLine.objects.live()
        .filter(qty_invoiced=0, order__state__in=["sale", "draft"], display_type__isnull=True)
        .select_related("order", "order__partner")
    )
    inv_lines = (
        InvoiceLine.objects.live()
        .filter(move__state="draft", move__move_type="out_invoice")
        .exclude(display_type__in=["line_section", "line_note"])
        .select_related("move")
    )
    invoices = (
        Invoice.objects.live()
        .filter(move_type="out_invoice", state="posted", amount_residual__gt=0)
        .select_related("partner")
    )
    if q:
        lines = lines.filter(
            Q(order__name__icontains=q)
            | Q(name__icontains=q)
            | Q(order__partner__name__icontains=q)
        )
        inv_lines = inv_lines.filter(Q(move__name__icontains=q) | Q(name__icontains=q))
        invoices = invoices.filter(Q(name__icontains=q) | Q(partner__name__icontains=q))
    return {"lines": lines[:50], "inv_lines": inv_lines[:50], "invoices": invoices[:50]}


@login_required
def adjustment_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not has_role(user, services.RAISE_ROLES):
        raise PermissionDenied("Only account managers and finance raise discounts.")
    form = AdjustmentForm(request.POST or None, initial={"target": request.GET.get("target", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                adj = services.raise_adjustment(
                    actor=user,
                    type=data["type"],
                    target=data["target"],
                    reason=data["reason"],
                    discount_pct=data.get("discount_pct"),
                    amount=data.get("amount"),
                )
                messages.success(request, f"{adj.reference} is submitted for approval.")
                return redirect("commercial:detail", pk=adj.pk)
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
    context = {"form": form, "q": request.GET.get("q", ""), **_candidates(request.GET.get("q", ""))}
    return render(request, "commercial/new.html", context, status=status)


@login_required
def adjustment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    adj = get_adjustment_for_user(user, pk)
    form = ChangeForm(
        request.POST or None,
        initial={"discount_pct": adj.discount_pct, "amount": adj.amount},
    )
    status = 200
    if request.method == "POST":
        if adj.requested_by_id != user.pk:
            raise PermissionDenied("Only the requester changes a request.")
        status = 400
        if form.is_valid():
            try:
                services.change_adjustment(
                    adj.pk,
                    actor=user,
                    reason=form.cleaned_data["reason"] or "",
                    discount_pct=form.cleaned_data.get("discount_pct"),
                    amount=form.cleaned_data.get("amount"),
                )
                messages.success(request, "Saved; approvers see what changed.")
                return redirect("commercial:detail", pk=adj.pk)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    approval = ApprovalRequest.objects.for_subject(adj).first()
    return render(
        request,
        "commercial/detail.html",
        {"adj": adj, "approval": approval, "form": form},
        status=status,
    )
