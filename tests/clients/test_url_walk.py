"""Case C14 for every page: a client contact of client 1 calls every URL of the project
with the ids of client 2's objects, and never gets client 2's data or a server error.

The walk iterates the whole URL resolver, so a page added later is checked without
anyone remembering to write its test. URLs that take no object id must be listed in
`NO_OBJECT_ID` (after checking they show nothing of another client).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from portal.clients.models import (
    ClientAccessLog,
    ClientRequest,
    Invitation,
    RequestAttachment,
    RequestMessage,
    StatusSummary,
)
from portal.core.models import Role
from portal.odoo.models import (
    Invoice,
    Milestone,
    Partner,
    Project,
    SaleOrder,
    SaleOrderLine,
    Task,
    Timesheet,
)
from tests.clients.factories import publish
from tests.factories import person

MARKER = "Zebra-Quartz-Client-Two"  # in every name of client 2's objects
ID_KWARG = re.compile(r"(^|_)(pk|id)$")

# URL names that take no object id. Each shows only the signed-in user's own data (or
# nothing to a client contact); the walk still calls them and checks for client 2's data.
NO_OBJECT_ID = {
    "home",
    "prometheus-django-metrics",
    "clients:home",
    "clients:requests",
    "clients:manage",
    "clients:invite",
    "clients:access_log",
    "clients:summaries",
    "clients:queue",
    "projects:list",
    "approvals:inbox",
    "approvals:badge",
    "approvals:bulk_approve",
    "approvals:delegations",
    "approvals:policies",
    "approvals:policy_new",
    "approvals:routing",
    "commercial:list",
    "commercial:new",
    "staffing:board",
    "staffing:request_new",
    "staffing:my_assignments",
    "staffing:capacity",
    "milestones:list",
    "milestones:billing",
    "odoo:sync_status",
    "odoo:ops_outbox",
    "odoo:ops_resume",
    "odoo:ops_webhooks",
    "odoo:ops_reconcile",
    "health",
    "dashboards:risk",
    "dashboards:kpis",
    "dashboards:operations",
    "api_tokens",
    "api:me",
    "api:changes",
    "api:inbox",
    "api:approvals-raised",
    "api:approvals-bulk-decide",
    "api:projects",
    "api:timesheets",
    "api:adjustments",
    "api:staffing-requests",
    "api:milestones",
    "api:evidence",
    "api:client-requests",
}
# Namespaces and name prefixes of third-party pages (allauth's account pages, the admin,
# the API's schema and docs) that take no object id of ours.
THIRD_PARTY_PREFIXES = ("account_", "mfa_", "admin:", "api:schema", "api:docs", "socialaccount")
# Tokens in a URL that are not object ids (invitation and allauth confirmation keys).
TOKEN_URLS = {"clients:accept_invitation", "approvals:link", "odoo:webhook"}

ALLOWED = {403, 404, 405}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: dict[str, str]  # kwarg -> converter name ("int", "str", "path", regex "re")


def _walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            converters = getattr(entry.pattern, "converters", {})
            kwargs = {
                k: type(v).__name__.replace("Converter", "").lower() for k, v in converters.items()
            }
            regex = getattr(entry.pattern, "regex", None)
            if not converters and regex is not None:
                kwargs = {k: "re" for k in regex.groupindex}
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name, prefix + str(entry.pattern), kwargs)


_PART = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def build_url(route: Route, values: dict[str, object]) -> str | None:
    """The path of `route` with `values` filled in; None for regex patterns we cannot fill."""
    if route.name:
        try:
            return reverse(route.name, kwargs=values)
        except NoReverseMatch:
            return None
    if "(?P" in route.pattern or "^" in route.pattern:
        return None
    return "/" + _PART.sub(lambda m: str(values[m.group("name")]), route.pattern)


def routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def _is_third_party(route: Route) -> bool:
    # Unnamed regex patterns are catch-alls (the admin's and the API's "not found").
    unnamed_regex = route.name == "" and ("^" in route.pattern or "(?P" in route.pattern)
    return (
        route.name.startswith(THIRD_PARTY_PREFIXES)
        or unnamed_regex
        or (route.name == "" and route.pattern.startswith("admin/"))
    )


def _id_kwargs(route: Route) -> list[str]:
    return [k for k, conv in route.kwargs.items() if conv == "int" or ID_KWARG.search(k)]


OTHER = 9100  # the id of every client-2 object, whatever its kind


@pytest.fixture
def world(unit, project1, contact1):  # type: ignore[no-untyped-def]
    """Client 2's objects of every kind, all with the id OTHER, which no client-1 object
    has: one id then stands for "another client's object" in every URL of every kind."""
    today = timezone.localdate()
    staff = person("pm-walk@firm.example", Role.PROJECT_MANAGER, unit)
    partner = Partner.objects.create(
        id=OTHER,
        name=f"{MARKER} Corp",
        display_name=f"{MARKER} Corp",
        is_company=True,
        commercial_partner_id=OTHER,
    )
    order = SaleOrder.objects.create(id=OTHER, name=f"S-{MARKER}", state="sale", partner=partner)
    line = SaleOrderLine.objects.create(
        id=OTHER, order=order, name=f"{MARKER} line", price_subtotal=Decimal("1000")
    )
    project = Project.objects.create(
        id=OTHER, name=f"{MARKER} project", partner=partner, business_unit=unit, sale_order=order
    )
    publish(project)
    milestone = Milestone.objects.create(
        id=OTHER, name=f"{MARKER} milestone", project=project, sale_line=line, deadline=today
    )
    Task.objects.create(id=OTHER, name=f"{MARKER} task", project=project)
    Invoice.objects.create(
        id=OTHER, name=f"INV/{MARKER}", partner=partner, move_type="out_invoice", state="draft"
    )
    Timesheet.objects.create(id=OTHER, name=f"{MARKER} time", date=today, project=project)
    contact2 = person(
        "walk@client2.example",
        Role.CLIENT_CONTACT,
        None,
        client_partner_id=OTHER,
        full_name=f"{MARKER} contact",
        id=OTHER,
    )
    StatusSummary.objects.create(
        id=OTHER,
        project=project,
        iso_year=2026,
        iso_week=10,
        title=f"{MARKER} summary",
        body=MARKER,
        state="published",
    )
    request = ClientRequest.objects.create(
        id=OTHER,
        project=project,
        client_partner_id=OTHER,
        subject=f"{MARKER} request",
        description=MARKER,
        submitted_by=contact2,
    )
    message = RequestMessage.objects.create(id=OTHER, request=request, body=MARKER)
    RequestAttachment.objects.create(
        id=OTHER,
        request=request,
        message=message,
        original_name=f"{MARKER}.pdf",
        stored_path="client-requests/aa/walk",
        content_type="application/pdf",
        size=1,
        sha256="0",
    )
    Invitation.objects.create(
        id=OTHER,
        email="new@client2.example",
        client_partner_id=OTHER,
        token_hash="x" * 64,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    ClientAccessLog.objects.create(
        id=OTHER,
        user=contact2,
        client_partner_id=OTHER,
        action="viewed",
        object_type="x",
        object_id="1",
        label=MARKER,
    )
    _other_apps(milestone, project, unit, staff)
    return OTHER


def _other_apps(milestone: Milestone, project: Project, unit: Any, staff: Any) -> None:
    """Objects of the other apps, when they are installed (approvals, staffing, milestones)."""
    now = timezone.now()
    if apps.is_installed("portal.milestones"):
        record = apps.get_model("milestones", "MilestoneRecord").objects.create(
            milestone=milestone, state="ready"
        )
        slot, _ = apps.get_model("milestones", "EvidenceSlot").objects.get_or_create(
            key="deliverable", defaults={"label": "Deliverable"}
        )
        apps.get_model("milestones", "Evidence").objects.create(
            id=OTHER,
            record=record,
            slot=slot,
            version=1,
            original_name=f"{MARKER}.pdf",
            stored_path="evidence/aa/walk",
            content_type="application/pdf",
            size=1,
            sha256="0",
        )
        apps.get_model("milestones", "SignOff").objects.create(
            id=OTHER,
            record=record,
            decision="accepted",
            typed_name=MARKER,
            signed_at=now,
        )
    if apps.is_installed("portal.approvals"):
        apps.get_model("approvals", "ApprovalRequest").objects.create(
            id=OTHER,
            kind="discount",
            subject_type="x.y",
            subject_id="1",
            requester=staff,
            title=f"{MARKER} approval",
            requester_name="x",
            client_id=OTHER,
            project_id=project.pk,
            business_unit=unit,
            submitted_at=now,
        )
    if apps.is_installed("portal.staffing"):
        role = apps.get_model("staffing", "JobRole").objects.create(name=f"{MARKER} role")
        apps.get_model("staffing", "StaffingRequest").objects.create(
            id=OTHER,
            project=project,
            business_unit=unit,
            requested_by=staff,
            job_role=role,
            start_date=now.date(),
            end_date=now.date(),
            hours_per_week=Decimal("8"),
            total_hours=Decimal("8"),
            bill_rate=Decimal("100"),
            currency="EUR",
        )


def _check(response: Any, what: str) -> None:
    assert response.status_code != 500, f"{what}: server error"
    body = b"" if getattr(response, "streaming", False) else response.content
    assert MARKER.encode() not in body, f"{what}: shows client 2's data"


def _allowed(response: Any) -> bool:
    if response.status_code in ALLOWED:
        return True
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return location.startswith((reverse("account_login"), "/admin/login/"))


def test_every_url_with_an_object_id_refuses_another_clients_objects(world, contact1):  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(contact1)
    failures: list[str] = []
    walked = 0

    for route in routes():
        id_kwargs = _id_kwargs(route)
        if not id_kwargs or route.name in TOKEN_URLS:
            continue
        walked += 1
        kwargs = {k: (world if k in id_kwargs else "json") for k in route.kwargs}
        url = build_url(route, kwargs)
        if url is None:
            failures.append(f"{route.name or route.pattern}: cannot build the URL with {kwargs}")
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            what = f"{method.upper()} {url} ({route.name or 'unnamed'})"
            try:
                _check(response, what)
            except AssertionError as error:
                failures.append(str(error))
                continue
            if not _allowed(response):
                failures.append(f"{what}: answered {response.status_code}")

    assert walked >= 10, "the walk found too few URLs with object ids"
    assert not failures, "\n".join(failures[:40])


def test_every_url_without_an_object_id_is_allow_listed_and_shows_nothing_of_client_2(
    world, contact1
):  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(contact1)
    unlisted: list[str] = []
    failures: list[str] = []

    for route in routes():
        if _id_kwargs(route) or route.name in TOKEN_URLS or _is_third_party(route):
            continue
        if route.kwargs:
            unlisted.append(f"{route.name} ({route.pattern}) takes {sorted(route.kwargs)}")
            continue
        if route.name not in NO_OBJECT_ID:
            unlisted.append(f"{route.name} ({route.pattern})")
            continue
        url = reverse(route.name)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            try:
                _check(response, f"{method.upper()} {url}")
            except AssertionError as error:
                failures.append(str(error))

    assert not failures, "\n".join(failures)
    assert not unlisted, (
        "URLs without an object id that nobody has checked for leaks; check them and add "
        "them to NO_OBJECT_ID:\n" + "\n".join(unlisted)
    )
