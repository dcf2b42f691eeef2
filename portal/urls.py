"""The portal's URL map; each app owns its own `urls.py`."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("django_prometheus.urls")),
    path("health/", include("portal.dashboards.health_urls")),
    path("odoo/", include("portal.odoo.urls")),
    path("projects/", include("portal.projects.urls")),
    path("approvals/", include("portal.approvals.urls")),
    path("commercial/", include("portal.commercial.urls")),
    path("staffing/", include("portal.staffing.urls")),
    path("milestones/", include("portal.milestones.urls")),
    path("client/", include("portal.clients.urls")),
    path("dashboards/", include("portal.dashboards.urls")),
    path("api/v1/", include("portal.api.urls")),
    path("api/tokens/", include("portal.api.urls_pages")),
    path("", include("portal.core.urls")),
]
