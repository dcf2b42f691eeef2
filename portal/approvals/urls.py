from __future__ import annotations

from django.urls import path

from portal.approvals import views, views_admin

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("bulk-approve/", views.bulk_approve, name="bulk_approve"),
    path("link/<str:token>/", views.link, name="link"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/<slug:decision>/", views.decide, name="decide"),
    path("delegations/", views_admin.delegations, name="delegations"),
    path("delegations/<int:pk>/cancel/", views_admin.delegation_cancel, name="delegation_cancel"),
    path("policies/", views_admin.policies, name="policies"),
    path("policies/new/", views_admin.policy_new, name="policy_new"),
    path("policies/<int:pk>/", views_admin.policy, name="policy"),
    path(
        "policies/versions/<int:pk>/<slug:action>/",
        views_admin.version_action,
        name="version_action",
    ),
    path("routing/", views_admin.routing_queue, name="routing"),
    path("routing/<int:pk>/", views_admin.route, name="route"),
]
