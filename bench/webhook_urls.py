"""URLs for the webhook benchmark only: the portal's, plus a no-op view as the baseline."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def noop(request: HttpRequest) -> JsonResponse:
    """Reads the body and answers, like the intake minus the secret check and the insert."""
    return JsonResponse({"status": "ok", "bytes": len(request.body)})


urlpatterns = [path("bench/noop/", noop), path("", include("portal.urls"))]
