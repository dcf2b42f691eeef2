from __future__ import annotations

from django.urls import path

from portal.commercial import views

app_name = "commercial"
urlpatterns = [
    path("", views.adjustment_list, name="list"),
    path("new/", views.adjustment_new, name="new"),
    path("<int:pk>/", views.adjustment_detail, name="detail"),
]
