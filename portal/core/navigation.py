"""The menu: each app registers its entries with the roles that see them."""

from __future__ import annotations

from collections.abc import Iterable
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


def menu_for(user: User) -> list[dict[str, str]]:
    held = roles_of(user)
    items = []
    for item in sorted(_MENU, key=lambda i: (i.order, i.label)):
        if not (item.roles & held) and not user.is_superuser:
            continue
        try:
            items.append({"label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:
            continue
    return items
