"""The link in an invitation email: check it, then hand over to allauth's sign-up."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from portal.clients import services
from portal.core.errors import DomainError


@require_GET
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.accept_invitation(request, token)
    except DomainError as error:
        return render(
            request, "clients/invitation_error.html", {"message": error.message}, status=400
        )
    return redirect("account_signup")
