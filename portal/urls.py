"""The portal's URL map; each app owns its own `urls.py`."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("django_prometheus.urls")),
    path("odoo/", include("portal.odoo.urls")),
    path("", include("portal.core.urls")),
]
