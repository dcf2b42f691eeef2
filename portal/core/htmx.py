"""htmx plumbing: cache variation and login redirects that survive a fragment swap."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

Handler = Callable[[HttpRequest], HttpResponse]


class HtmxVaryMiddleware:
    """Tell caches that the same URL answers a page or a fragment depending on HX-Request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        return response


class HtmxLoginRedirectMiddleware:
    """Turn a redirect to the login page into a full-page navigation for htmx requests.

    Without this, htmx follows the 302 inside XHR and swaps the login form into the
    fragment; the user sees a form in the middle of a table and nothing is decided.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code not in (301, 302):
            return response
        login_path = resolve_url(settings.LOGIN_URL)
        if urlparse(response.get("Location", "")).path != login_path:
            return response
        current = request.headers.get("HX-Current-URL")
        next_path = urlparse(current).path if current else request.get_full_path()
        return HttpResponseClientRedirect(f"{login_path}?{urlencode({'next': next_path})}")


def is_fragment_request(request: HttpRequest) -> bool:
    """True for htmx swaps; history restores and normal loads get the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]
