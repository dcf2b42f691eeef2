from __future__ import annotations

from django.urls import path

from portal.clients.views import client, invitation, preview, staff

app_name = "clients"
urlpatterns = [
    # The client's own pages.
    path("", client.home, name="home"),
    path("projects/<int:pk>/", client.project, name="project"),
    path("projects/<int:pk>/requests/new/", client.request_new, name="request_new"),
    path("summaries/<int:pk>/", client.summary, name="summary"),
    path("requests/", client.requests, name="requests"),
    path("requests/<int:pk>/", client.request_detail, name="request"),
    path("files/<int:pk>/", client.attachment, name="attachment"),
    path("invitation/<str:token>/", invitation.accept_invitation, name="accept_invitation"),
    # Account managers.
    path("manage/", staff.manage, name="manage"),
    path("manage/projects/<int:pk>/publication/", staff.publication, name="publication"),
    path("manage/invite/", staff.invite, name="invite"),
    path("manage/invitations/<int:pk>/revoke/", staff.invitation_revoke, name="invitation_revoke"),
    path("manage/access-log/", staff.access_log, name="access_log"),
    path("manage/preview/<int:contact_id>/", preview.preview_home, name="preview_home"),
    path(
        "manage/preview/<int:contact_id>/projects/<int:pk>/",
        preview.preview_project,
        name="preview_project",
    ),
    path(
        "manage/preview/<int:contact_id>/summaries/<int:pk>/",
        preview.preview_summary,
        name="preview_summary",
    ),
    path(
        "manage/preview/<int:contact_id>/requests/",
        preview.preview_requests,
        name="preview_requests",
    ),
    path(
        "manage/preview/<int:contact_id>/requests/<int:pk>/",
        preview.preview_request,
        name="preview_request",
    ),
    # Project managers and delivery leaders.
    path("summaries/", staff.summaries, name="summaries"),
    path("summaries/<int:pk>/edit/", staff.summary_edit, name="summary_edit"),
    path("queue/", staff.queue, name="queue"),
    path("queue/<int:pk>/", staff.staff_request, name="staff_request"),
    path("queue/<int:pk>/status/", staff.staff_request_status, name="staff_request_status"),
]
