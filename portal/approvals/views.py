"""The approver's pages: inbox, detail panel, decisions, badge, signed email links."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from portal.approvals import notifications, selectors, services
from portal.approvals.forms import BulkApproveForm, DecisionForm, InboxFilterForm
from portal.approvals.models import Assignment, StepStatus
from portal.approvals.registry import get_kind
from portal.core.access import has_role
from portal.core.errors import DomainError
from portal.core.htmx import is_fragment_request
from portal.core.models import User

PAGE_SIZE = 50
DECISION_SLUGS = {"approve": "approve", "reject": "reject", "request-changes": "request_changes"}
DECISION_FEEDBACK = {
    "approve": "You approved this step.",
    "reject": "You rejected the request.",
    "request_changes": "You asked for changes; the requester is told.",
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tab = request.GET.get("tab", "pending")
    form = InboxFilterForm(request.GET or None)
    filters = form.filters()
    rows: QuerySet[Any]
    if tab == "raised":
        rows = selectors.raised_by(user)
    elif tab == "decided":
        rows = selectors.decided_by(user)
    else:
        tab = "pending"
        rows = selectors.awaiting_decision_by(user, filters)
    paginator = Paginator(rows, PAGE_SIZE)
    if tab == "pending":
        # Count on the (user, active) index alone: counting the page's joined values
        # made PostgreSQL join steps and requests across the whole table.
        paginator.count = rows.order_by().count()
        paginator.object_list = rows.values(*selectors.INBOX_VALUES)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "tab": tab,
        "form": form,
        "bar": form.bar() if tab == "pending" and not is_fragment_request(request) else None,
        "page": page,
        "items": selectors.inbox_rows(page.object_list) if tab == "pending" else page,
        "query": query.urlencode(),
    }
    if is_fragment_request(request) and request.headers.get("HX-Target") == "inbox-list":
        return render(request, "approvals/_inbox_list.html", context)
    return render(request, "approvals/inbox.html", context)


def _detail_context(user: User, pk: int) -> dict[str, object]:
    approval = selectors.get_request_for_user(user, pk)
    steps = list(
        approval.steps.filter(round=approval.round).prefetch_related(
            "assignments__user", "decisions__actor", "decisions__on_behalf_of"
        )
    )
    mine = (
        Assignment.objects.filter(
            request=approval, user=user, active=True, step__status=StepStatus.PENDING
        )
        .select_related("step", "on_behalf_of")
        .first()
    )
    return {
        "approval": approval,
        "kind": get_kind(approval.kind),
        "steps": steps,
        "mine": mine,
        "timeline": selectors.timeline(approval),
        "form": DecisionForm(initial={"version": approval.version}),
        "is_operator": has_role(user, "operator"),
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = _detail_context(_user(request), pk)
    if is_fragment_request(request):
        return render(request, "approvals/_detail.html", context)
    return render(request, "approvals/detail.html", context)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    user = _user(request)
    selectors.get_request_for_user(user, pk)  # 404 for what the user may not see
    outcome = DECISION_SLUGS.get(decision)
    if outcome is None:
        return HttpResponse("Unknown decision.", status=404)
    form = DecisionForm(request.POST, decision=outcome)
    status = 200
    feedback = ""
    if form.is_valid():
        try:
            services.decide(
                pk,
                actor=user,
                decision=outcome,
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data.get("version"),
            )
            feedback = DECISION_FEEDBACK[outcome]
        except DomainError as exc:
            status = exc.status_code
            form.add_error("comment" if exc.field == "comment" else None, exc.message)
    else:
        status = 400
    if not is_fragment_request(request):
        if status == 200:
            messages.success(request, feedback)
        else:
            for error in form.errors.get("comment", []) + form.non_field_errors():
                messages.error(request, str(error))
        return redirect(reverse("approvals:detail", args=[pk]))
    context = _detail_context(user, pk)
    if status != 200:
        context["form"] = form
    else:
        # The fragment carries its own notice: the page's message area is not swapped.
        context["flash"] = feedback
    response = render(request, "approvals/_detail.html", context, status=status)
    if status == 200:
        # The inbox list listens for this and reloads itself without the decided row.
        trigger_client_event(response, "approvals:decided", {"id": pk, "message": feedback})
    return response


@login_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose at least one item to approve.")
        return redirect("approvals:inbox")
    done, refused = 0, []
    for pk in form.cleaned_data["ids"]:
        try:
            services.decide(
                pk, actor=user, decision="approve", comment=form.cleaned_data["comment"]
            )
            done += 1
        except DomainError as exc:
            refused.append(f"#{pk}: {exc.message}")
    messages.success(request, f"Approved {done} item(s).")
    for line in refused:
        messages.warning(request, line)
    response: HttpResponse = redirect("approvals:inbox")
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("approvals:inbox")
    return response


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    selectors.get_request_for_user(user, pk)
    try:
        services.withdraw(pk, actor=user)
        messages.success(request, "The request is withdrawn.")
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(
            request, "approvals/detail.html", _detail_context(user, pk), status=exc.status_code
        )
    return redirect("approvals:detail", pk=pk)


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    count = selectors.pending_count(_user(request))
    return render(request, "approvals/_badge.html", {"approvals_pending": count})


@login_required
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Open an item from a signed email link; login is still required."""
    try:
        user_id, pk = notifications.read_link(token)
    except signing.SignatureExpired:
        return render(
            request,
            "approvals/link_problem.html",
            {"problem": "This link has expired (links last 7 days). Open the inbox instead."},
            status=410,
        )
    except signing.BadSignature:
        return render(
            request,
            "approvals/link_problem.html",
            {"problem": "This link is not valid."},
            status=400,
        )
    if user_id != request.user.pk:
        return render(
            request,
            "approvals/link_problem.html",
            {"problem": "This link was sent to someone else. Sign in as that person to use it."},
            status=403,
        )
    return redirect("approvals:detail", pk=pk)
