from __future__ import annotations

from django.urls import URLPattern, path

from portal.dashboards import views

app_name = "dashboards"
urlpatterns: list[URLPattern] = [
    path("risk/", views.risk, name="risk"),
    path("kpis/", views.kpi_page, name="kpis"),
    path("operations/", views.operations_page, name="operations"),
]
