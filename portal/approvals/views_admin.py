"""Operator pages (policies, versions, simulation, needs-routing queue) and delegation."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.approvals import delegation, policy_admin, services
from portal.approvals.forms import (
    DelegationForm,
    PolicyScopeForm,
    StepFormSet,
    facts_from,
    initial_from_steps,
    simulation_form,
    steps_from_formset,
)
from portal.approvals.models import ApprovalPolicy, ApprovalRequest, Delegation, PolicyVersion
from portal.approvals.registry import get_kind
from portal.core.access import has_role
from portal.core.errors import DomainError
from portal.core.models import User


def operator_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_role(request.user, "operator"):
            raise PermissionDenied("Operators only.")
        return view(request, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@operator_required
def policies(request: HttpRequest) -> HttpResponse:
    rows = ApprovalPolicy.objects.select_related("business_unit").prefetch_related("versions")
    pending = PolicyVersion.objects.filter(state=PolicyVersion.State.PENDING).select_related(
        "policy", "created_by"
    )
    return render(request, "approvals/policies.html", {"policies": rows, "pending": pending})


@operator_required
def policy_new(request: HttpRequest) -> HttpResponse:
    form = PolicyScopeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        policy, _ = ApprovalPolicy.objects.get_or_create(
            kind=data["kind"],
            business_unit=data["business_unit"],
            contract_type=data["contract_type"] or "",
            defaults={"name": data["name"]},
        )
        return redirect("approvals:policy", pk=policy.pk)
    return render(request, "approvals/policy_new.html", {"form": form})


@operator_required
def policy(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit (as a new pending version) and simulate a policy."""
    user = _user(request)
    obj = get_object_or_404(ApprovalPolicy, pk=pk)
    kind = get_kind(obj.kind)
    versions = list(obj.versions.select_related("created_by", "activated_by"))
    current = next((v for v in versions if v.state == PolicyVersion.State.ACTIVE), None)
    base = current or (versions[0] if versions else None)
    status = 200
    if request.method == "POST" and "save" in request.POST:
        formset = StepFormSet(request.POST, prefix="steps")
        steps = steps_from_formset(kind, formset) if formset.is_valid() else None
        if steps is not None:
            try:
                policy_admin.propose_version(
                    obj, steps, actor=user, note=request.POST.get("note", "")
                )
                messages.success(
                    request, "Saved as a pending version; another operator activates it."
                )
                return redirect("approvals:policy", pk=pk)
            except DomainError as exc:
                formset.non_form_errors().append(exc.message)
        status = 400
    else:
        formset = StepFormSet(
            prefix="steps", initial=initial_from_steps(base.steps) if base else None
        )
    sim_form = simulation_form(kind, request.GET if "simulate" in request.GET else None)
    simulation = None
    if sim_form.is_bound and sim_form.is_valid():
        facts = facts_from(sim_form)
        simulation = policy_admin.simulate(
            obj.kind,
            facts,
            unit=sim_form.cleaned_data.get("unit") or obj.business_unit,
            version=current,
        )
    context = {
        "policy": obj,
        "kind": kind,
        "versions": versions,
        "current": current,
        "formset": formset,
        "sim_form": sim_form,
        "simulation": simulation,
        "fact_fields": kind.fact_fields,
    }
    return render(request, "approvals/policy.html", context, status=status)


@operator_required
@require_POST
def version_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    version = get_object_or_404(PolicyVersion, pk=pk)
    try:
        if action == "activate":
            policy_admin.activate_version(pk, actor=user)
            messages.success(request, f"Version {version.number} is active.")
        else:
            policy_admin.discard_version(pk, actor=user)
            messages.success(request, f"Version {version.number} is discarded.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("approvals:policy", pk=version.policy_id)


@operator_required
def routing_queue(request: HttpRequest) -> HttpResponse:
    rows = ApprovalRequest.objects.needing_routing().defer("facts", "summary_lines")
    staff = User.objects.filter(is_active=True, client_partner_id__isnull=True)
    return render(request, "approvals/routing.html", {"rows": rows[:200], "staff": staff})


@operator_required
@require_POST
def route(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    assignee = None
    if request.POST.get("user"):
        assignee = User.objects.filter(pk=request.POST["user"], is_active=True).first()
    try:
        services.reroute(pk, actor=user, assign_user=assignee)
        messages.success(request, "Routing updated.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("approvals:routing")


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DelegationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delegation.delegate(
                user,
                data["delegate"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                actor=user,
                reason=data["reason"],
            )
            messages.success(request, "Delegation saved.")
            return redirect("approvals:delegations")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if request.method == "POST":
        status = 400
    rows = Delegation.objects.filter(delegator=user).select_related("delegate")
    received = Delegation.objects.filter(delegate=user, cancelled=False).select_related("delegator")
    return render(
        request,
        "approvals/delegations.html",
        {"form": form, "rows": rows, "received": received},
        status=status,
    )


@login_required
@require_POST
def delegation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Delegation, pk=pk, delegator=_user(request))
    delegation.cancel(row.pk, actor=_user(request))
    messages.success(request, "Delegation cancelled.")
    return redirect("approvals:delegations")
