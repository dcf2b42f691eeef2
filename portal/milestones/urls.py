from __future__ import annotations

from django.urls import path

from portal.milestones import views, views_client

app_name = "milestones"
urlpatterns = [
    path("", views.milestone_list, name="list"),
    path("billing/", views.billing_queue, name="billing"),
    path("<int:pk>/", views.milestone_detail, name="detail"),
    path("<int:pk>/evidence/", views.evidence_upload, name="upload"),
    path("<int:pk>/ready/", views.mark_ready, name="ready"),
    path("<int:pk>/billing/", views.update_billing, name="update_billing"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="download"),
    path("client/<int:pk>/", views_client.client_review, name="client_review"),
    path("client/<int:pk>/sign-off/", views_client.client_sign_off, name="client_sign_off"),
    path("client/<int:pk>/evidence/", views_client.client_evidence_upload, name="client_upload"),
]
