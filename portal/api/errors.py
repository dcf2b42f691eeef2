"""One error format for every 4xx/5xx the API returns: RFC 9457 problem details.

`{"type", "title", "status", "detail", "errors": [{"field", "message"}]}` with the media
type `application/problem+json`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation, TooManyFilesSent
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from portal.core.errors import Conflict, DomainError, NotAllowed

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Server error",
}


def problem_body(
    status_code: int, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem(
    status_code: int, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any
) -> Response:
    return Response(
        problem_body(status_code, detail, errors, **extra),
        status=status_code,
        content_type=PROBLEM,
    )


def _field_errors(data: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested error dict into [{field, message}]."""
    out: list[dict[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix
            out.extend(_field_errors(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, dict | list):
                out.extend(_field_errors(value, f"{prefix}[{index}]" if prefix else str(index)))
            else:
                out.append({"field": prefix, "message": str(value)})
    else:
        out.append({"field": prefix, "message": str(data)})
    return out


def domain_problem(exc: DomainError) -> Response:
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    extra_errors = getattr(exc, "errors", None)  # InvalidRequest lists every problem
    if extra_errors:
        errors = [{"field": field or "", "message": message} for field, message in extra_errors]
    code = exc.status_code
    if isinstance(exc, Conflict):
        code = 409
    elif isinstance(exc, NotAllowed):
        code = 403
    return problem(code, exc.message, errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's handler, answering in problem+json; unexpected errors become a logged 500."""
    if isinstance(exc, DomainError):
        return domain_problem(exc)
    if isinstance(exc, TooManyFilesSent):
        return problem(
            400,
            "Too many files in one request.",
            [{"field": "files", "message": "Send fewer files at once."}],
        )
    if isinstance(exc, SuspiciousOperation):
        # Oversized bodies, too many fields: the client's mistake, not ours.
        return problem(400, str(exc) or "The request could not be read.")
    if isinstance(exc, OverflowError):
        # An id beyond what the database can store names nothing that exists.
        return problem(404, "Not found.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_handler(exc, context)
    if response is None:
        logger.exception("API request failed", exc_info=exc)
        return problem(500, "Something went wrong on our side; nothing was changed.")

    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        detail = "Check the fields listed in errors."
    elif isinstance(exc, exceptions.APIException):
        detail = str(exc.detail)
    else:
        detail = str(response.data)
    extra: dict[str, Any] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        extra["retry_after"] = int(wait)
    body = problem_body(response.status_code, detail, errors, **extra)
    out = Response(body, status=response.status_code, content_type=PROBLEM)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            out[header] = response[header]
    return out


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/v1/ answer like the rest of the API, not with HTML."""
    return JsonResponse(
        problem_body(status.HTTP_404_NOT_FOUND, "There is no such API endpoint."),
        status=404,
        content_type=PROBLEM,
    )
