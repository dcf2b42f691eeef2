"""Pages of the core app: the home page each persona lands on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.core.access import roles_of
from portal.core.home import optional_url, panels_for
from portal.core.models import Role, User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)

    # Client contacts live in the client portal; send them there once it exists.
    client_home = optional_url("clients:home")
    if user.is_client_contact and client_home:
        return redirect(client_home)

    roles = roles_of(user)
    context = {
        "roles": [Role(r).label for r in sorted(roles) if r in Role.values],
        "panels": panels_for(user, roles),
    }
    return render(request, "core/home.html", context)
