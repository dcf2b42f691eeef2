"""Template context shared by every page: the navigation the user's roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": menu_for(request.user)}
