"""`Idempotency-Key` on POST: a retried mobile request never decides or uploads twice.

The key is remembered with the user, the path and a hash of the body. The first request
runs; a retry with the same key and body gets the stored answer (`Idempotent-Replayed:
true`); the same key with another body or path is refused with 422; a retry arriving
while the first is still running gets 409.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.base import api_user
from portal.api.errors import problem
from portal.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

Handler = Callable[..., Response]


def request_hash(request: Request) -> str:
    """Hash the method, path and parsed body; files by their content."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    items: list[tuple[str, Any]] = sorted(data.lists()) if hasattr(data, "lists") else [("", data)]
    for name, value in items:
        values = value if isinstance(value, list) else [value]
        for item in values:
            if hasattr(item, "chunks"):
                digest.update(f"{name}=file:{getattr(item, 'name', '')}:".encode())
                for chunk in item.chunks():
                    digest.update(chunk)
                item.seek(0)
            else:
                text = json.dumps(item, sort_keys=True, cls=DjangoJSONEncoder)
                digest.update(f"{name}={text}\n".encode())
    return digest.hexdigest()


def idempotent(handler: Handler) -> Handler:
    """Decorate an APIView's `post` to honour `Idempotency-Key`."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return problem(400, f"{HEADER} is at most {MAX_KEY_LENGTH} characters.")

        body_hash = request_hash(request)
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    user=api_user(request), key=key, path=request.path[:500], request_hash=body_hash
                )
        except IntegrityError:
            return _replay(request, key, body_hash)

        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            # Nothing was done (the service rolled back); a retry may run again.
            IdempotentRequest.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotentRequest.objects.filter(pk=record.pk).delete()
            return response
        IdempotentRequest.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            response_body=json.loads(json.dumps(response.data, cls=DjangoJSONEncoder)),
        )
        return response

    return wrapper


def _replay(request: Request, key: str, body_hash: str) -> Response:
    stored = IdempotentRequest.objects.filter(user=api_user(request), key=key).first()
    if stored is None:  # deleted by a failed first attempt in the meantime
        return problem(409, "The first request with this key failed; send it again.")
    if stored.request_hash != body_hash:
        return problem(
            422, f"This {HEADER} was already used for a different request; use a new key."
        )
    if stored.status_code == 0:
        return problem(409, "The first request with this key is still running; retry shortly.")
    response = Response(stored.response_body, status=stored.status_code)
    if stored.status_code >= 400:
        response.content_type = "application/problem+json"
    response["Idempotent-Replayed"] = "true"
    return response
