"""The project list and the project page, read from the Odoo mirror."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.core.access import has_role
from portal.core.htmx import is_fragment_request
from portal.core.models import Role
from portal.projects import queries
from portal.projects.access import get_project_for_user, visible_to
from portal.projects.forms import ProjectFilterForm

PAGE_SIZE = 50


@require_GET
@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    visible = visible_to(request.user)
    form = ProjectFilterForm(request.GET or None, **queries.filter_choices(visible))
    filters = form.filters() if form.is_bound else {"status": "active"}

    rows = queries.list_rows(queries.filtered(visible, filters))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)

    context = {"form": form, "page": page, "query": query.urlencode()}
    # The filter form swaps only the table; history restores and direct loads get it all.
    template = "projects/_table.html" if is_fragment_request(request) else "projects/list.html"
    return render(request, template, context)


@require_GET
@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for_user(request.user, pk)
    staffing_roles = [Role.PROJECT_MANAGER, Role.RESOURCE_MANAGER, Role.DELIVERY_LEADER]
    context = {
        "project": project,
        "can_request_staff": has_role(request.user, staffing_roles, project.business_unit_id),
        **queries.project_detail(project),
    }
    return render(request, "projects/detail.html", context)
