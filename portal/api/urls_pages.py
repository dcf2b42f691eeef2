"""Browser pages for API users, mounted at /api/tokens/."""

from __future__ import annotations

from django.urls import path

from portal.api import pages

urlpatterns = [
    path("", pages.token_list, name="api_tokens"),
    path("<int:pk>/revoke/", pages.token_revoke, name="api_tokens_revoke"),
]
