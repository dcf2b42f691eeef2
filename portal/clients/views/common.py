"""Helpers shared by the client-portal views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render

from portal.clients.uploads import SizeLimitUploadHandler
from portal.core.errors import DomainError
from portal.core.models import User

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def client_only(request: HttpRequest) -> User:
    """The signed-in client contact; staff get 404 on the client's own pages."""
    user = current_user(request)
    if not user.is_client_contact:
        raise Http404("This page is for client contacts.")
    return user


def staff_only(request: HttpRequest) -> User:
    user = current_user(request)
    if user.is_client_contact:
        raise Http404("No such page.")
    return user


def domain_errors(view: View) -> View:
    """Answer a refused action with its message and status instead of a server error."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(
                request, "clients/error.html", {"message": error.message}, status=error.status_code
            )

    return cast(View, wrapper)


def limit_upload_size(request: HttpRequest) -> None:
    """Stop reading an oversized file early; must run before request.POST/FILES is read."""
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))


def too_large_message(request: HttpRequest) -> str | None:
    names = getattr(request, "uploads_too_large", None)
    if not names:
        return None
    from django.conf import settings

    limit = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
    return f"{', '.join(names)}: larger than the limit of {limit:.0f} MB."
