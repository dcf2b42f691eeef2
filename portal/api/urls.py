"""The API's URL map under /api/v1/; each app's resources live in its own `api.py`."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from portal.api import pages, views
from portal.api.errors import not_found
from portal.approvals import api as approvals
from portal.clients import api as clients
from portal.commercial import api as commercial
from portal.milestones import api as milestones
from portal.projects import api as projects
from portal.staffing import api as staffing

app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="schema",
    ),
    path("docs/", pages.docs, name="docs"),
    path("me/", views.Me.as_view(), name="me"),
    path("changes/", views.Changes.as_view(), name="changes"),
    # approvals
    path("inbox/", approvals.InboxList.as_view(), name="inbox"),
    path("approvals/raised/", approvals.RaisedList.as_view(), name="approvals-raised"),
    path("approvals/bulk-decide/", approvals.BulkDecide.as_view(), name="approvals-bulk-decide"),
    path("approvals/<int:pk>/", approvals.ApprovalDetail.as_view(), name="approval-detail"),
    path("approvals/<int:pk>/decide/", approvals.Decide.as_view(), name="approval-decide"),
    # projects
    path("projects/", projects.ProjectList.as_view(), name="projects"),
    path("projects/<int:pk>/", projects.ProjectDetail.as_view(), name="project-detail"),
    path(
        "projects/<int:pk>/milestones/",
        projects.ProjectMilestones.as_view(),
        name="project-milestones",
    ),
    path(
        "projects/<int:pk>/status-summaries/",
        projects.ProjectSummaries.as_view(),
        name="project-summaries",
    ),
    path("timesheet-entries/", projects.TimesheetList.as_view(), name="timesheets"),
    # commercial
    path("adjustments/", commercial.AdjustmentList.as_view(), name="adjustments"),
    path("adjustments/<int:pk>/", commercial.AdjustmentDetail.as_view(), name="adjustment-detail"),
    # staffing
    path("staffing-requests/", staffing.StaffingRequestList.as_view(), name="staffing-requests"),
    path(
        "staffing-requests/<int:pk>/",
        staffing.StaffingRequestDetail.as_view(),
        name="staffing-request-detail",
    ),
    path(
        "staffing-requests/<int:pk>/candidates/",
        staffing.Candidates.as_view(),
        name="staffing-candidates",
    ),
    path("staffing-requests/<int:pk>/book/", staffing.Book.as_view(), name="staffing-book"),
    # milestones
    path("milestones/", milestones.MilestoneList.as_view(), name="milestones"),
    path("milestones/<int:pk>/", milestones.MilestoneDetail.as_view(), name="milestone-detail"),
    path(
        "milestones/<int:pk>/evidence/",
        milestones.MilestoneEvidenceUpload.as_view(),
        name="milestone-evidence",
    ),
    path("milestones/<int:pk>/ready/", milestones.MilestoneReady.as_view(), name="milestone-ready"),
    path(
        "milestones/<int:pk>/sign-off/",
        milestones.MilestoneSignOff.as_view(),
        name="milestone-sign-off",
    ),
    path("evidence/", milestones.EvidenceCreate.as_view(), name="evidence"),
    # client requests
    path("client-requests/", clients.ClientRequestList.as_view(), name="client-requests"),
    path(
        "client-requests/<int:pk>/",
        clients.ClientRequestDetail.as_view(),
        name="client-request-detail",
    ),
    path("client-requests/<int:pk>/replies/", clients.Reply.as_view(), name="client-request-reply"),
    # Anything else under /api/v1/ answers problem+json, not the HTML 404 page.
    re_path(r"^.*$", not_found),
]
