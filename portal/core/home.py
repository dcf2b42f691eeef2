"""The home page's panels: each app contributes panels for the roles it serves.

core knows no other app, so apps register panels from their AppConfig.ready(); core
itself registers the panels that are only links into other apps (resolved by URL name,
so an app that does not exist yet simply leaves its link out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

from portal.core.models import Role, User

PanelContext = Callable[[User], dict[str, Any]]


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    hint: str = ""


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    roles: frozenset[str]
    template: str
    context: PanelContext
    order: int = 50


@dataclass
class RenderedPanel:
    panel: HomePanel
    context: dict[str, Any] = field(default_factory=dict)


_PANELS: dict[str, HomePanel] = {}


def register_panel(
    key: str,
    title: str,
    roles: list[str] | set[str],
    context: PanelContext,
    template: str = "core/panels/links.html",
    order: int = 50,
) -> None:
    """Add (or replace, by key) a home panel shown to holders of any of `roles`."""
    _PANELS[key] = HomePanel(key, title, frozenset(roles), template, context, order)


def panels_for(user: User, roles: set[str]) -> list[RenderedPanel]:
    chosen = sorted(
        (p for p in _PANELS.values() if p.roles & roles), key=lambda p: (p.order, p.key)
    )
    return [RenderedPanel(p, p.context(user)) for p in chosen]


def optional_url(name: str, *args: Any, **kwargs: Any) -> str | None:
    """The URL of `name`, or None while the app that serves it is not built."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def links(*candidates: tuple[str, str, str]) -> list[Link]:
    """Links (label, url name, hint) whose URL exists."""
    found = []
    for label, name, hint in candidates:
        url = optional_url(name)
        if url is not None:
            found.append(Link(label, url, hint))
    return found


def _resource_links(user: User) -> dict[str, Any]:
    return {
        "links": links(
            ("Staffing board", "staffing:board", "Open requests and who is free"),
            ("Capacity", "staffing:capacity", "Utilisation by person and week"),
        ),
        "empty": "The staffing board is not available yet.",
    }


def _finance_links(user: User) -> dict[str, Any]:
    return {
        "links": links(
            ("Billing queue", "milestones:billing", "Milestones ready to invoice"),
            ("Approval inbox", "approvals:inbox", "Write-offs and invoice releases"),
            ("Discounts and write-offs", "commercial:list", "Commercial adjustments"),
        ),
        "empty": "The billing queue is not available yet.",
    }


def _operator_links(user: User) -> dict[str, Any]:
    return {
        "links": links(
            ("Operations", "dashboards:operations", "Backlogs, failures and SLA breaches"),
            ("Outbox and dead letters", "odoo:ops_outbox", "Writes waiting for Odoo"),
            ("Inbound webhooks", "odoo:ops_webhooks", "Events received from Odoo"),
            ("Reconciliation", "odoo:ops_reconcile", "Drift between Odoo and the mirror"),
            ("Approval policies", "approvals:policies", "Who approves what"),
            ("Admin", "admin:index", "Users, roles and business units"),
        ),
        "empty": "",
    }


def _leader_links(user: User) -> dict[str, Any]:
    return {
        "links": links(
            ("Risk dashboard", "dashboards:risk", "Projects at risk and why"),
            ("Delivery KPIs", "dashboards:kpis", "Margin, utilisation, billing"),
            ("Approval inbox", "approvals:inbox", "Escalated and large decisions"),
        ),
        "empty": "The dashboards are not available yet.",
    }


def register_core_panels() -> None:
    register_panel(
        "leader-links",
        "Oversight",
        [Role.DELIVERY_LEADER, Role.PRACTICE_LEADER],
        _leader_links,
        order=20,
    )
    register_panel("staffing-links", "Staffing", [Role.RESOURCE_MANAGER], _resource_links, order=30)
    register_panel("finance-links", "Billing", [Role.FINANCE], _finance_links, order=30)
    register_panel("operator-links", "Operations", [Role.OPERATOR], _operator_links, order=40)
