"""The menu: each app registers its entries with the roles that see them."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from portal.core.access import roles_of
from portal.core.models import User


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 50


_MENU: list[MenuItem] = []


def register(label: str, url_name: str, roles: Iterable[str], order: int = 50) -> None:
    """Add a menu entry (called from an app's `ready()`)."""
    item = MenuItem(label, url_name, frozenset(roles), order)
    if item not in _MENU:
        _MENU.append(item)


# Entries ordered from here on (policies, sync, operations, tokens, admin) are tools, shown
# after a small group label so the everyday pages stay first and the menu scans quickly.
TOOLS_FROM_ORDER = 80
TOOLS_GROUP = "Tools"


def menu_for(user: User) -> list[dict[str, str]]:
    """Entries for the roles `user` holds. Being a superuser adds the admin link only: a
    superuser operator sees the operator's menu, not every persona's pages."""
    held = roles_of(user)
    items = []
    for item in sorted(_MENU, key=lambda i: (i.order, i.label)):
        if not (item.roles & held):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        group = TOOLS_GROUP if item.order >= TOOLS_FROM_ORDER else ""
        items.append({"label": item.label, "url": url, "group": group})
    if user.is_superuser:
        with suppress(NoReverseMatch):
            items.append({"label": "Admin", "url": reverse("admin:index"), "group": TOOLS_GROUP})
    return items
