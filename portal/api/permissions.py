"""Scopes: what a token may do. Which objects it may touch is the getters' business."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portal.api.models import ApiToken, Scope

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def required_scope(request: Request, view: Any) -> str:
    if request.method in SAFE_METHODS:
        return Scope.READ
    return str(getattr(view, "write_scope", "") or "")


class HasScope(BasePermission):
    """A token needs the view's scope; a browser session holds every scope.

    A view that writes names its scope in `write_scope`; a view that forgets is closed to
    tokens rather than open.
    """

    message = "This token lacks the scope this request needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if not hasattr(view, str(request.method).lower()):
            return True  # let the view answer 405 rather than a misleading 403
        scope = required_scope(request, view)
        if not scope or not token.has_scope(scope):
            self.message = f"This token lacks the '{scope or 'write'}' scope."
            return False
        return True
