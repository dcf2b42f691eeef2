"""The client access log: what each client user viewed, downloaded, accepted or rejected.

Other apps (milestones) call `log_client_access` from their client-facing views. Staff
and account managers previewing as a client are not logged here (they are in the audit
trail), so the log shows only what the client's own people did.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models
from django.http import HttpRequest

from portal.clients.models import ClientAccessLog
from portal.core.models import User

logger = logging.getLogger(__name__)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy
    # rewrites it, and the proxy's configuration is not ours to assume.
    return request.META.get("REMOTE_ADDR") or None


def _describe(obj: Any) -> tuple[str, str, str]:
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)[:255]
    if isinstance(obj, tuple) and len(obj) >= 2:
        label = str(obj[2]) if len(obj) > 2 else ""
        return str(obj[0]), str(obj[1]), label[:255]
    raise TypeError(f"Cannot log access to {obj!r}.")


def log_client_access(
    user: User | Any, action: str, obj: Any, request: HttpRequest | None = None
) -> ClientAccessLog | None:
    """Record that client user `user` did `action` on `obj` (a model instance or
    ("app.model", pk[, label])). `action` is a verb of AccessAction ("viewed",
    "downloaded", "accepted", "rejected", ...), optionally prefixed by what it applies to
    ("evidence.downloaded", "milestone.accepted").

    Does nothing for staff users, who are not clients.
    """
    company_id = getattr(user, "client_partner_id", None)
    if company_id is None or not getattr(user, "is_authenticated", False):
        return None
    if not action or len(action) > 40:
        raise ValueError(f"A client access action is a short verb, not {action!r}.")
    object_type, object_id, label = _describe(obj)
    return ClientAccessLog.objects.create(
        user_id=user.pk,
        client_partner_id=company_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        label=label,
        path=(request.get_full_path()[:500] if request is not None else ""),
        ip_address=_client_ip(request),
    )
