"""Pages of the core app: the home page each persona lands on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.core.access import roles_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = sorted(roles_of(request.user))
    return render(request, "core/home.html", {"roles": roles})
