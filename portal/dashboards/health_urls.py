"""`/health/`, mounted at the root by portal/urls.py (outside the dashboards/ prefix)."""

from __future__ import annotations

from django.urls import URLPattern, path

from portal.dashboards.views import health_view

urlpatterns: list[URLPattern] = [path("", health_view, name="health")]
