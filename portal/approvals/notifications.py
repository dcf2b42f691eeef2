"""Notifications owed to people: one row per notification (unique key), then email.

A row is written in the transaction that made it necessary; the email goes out after
commit from a Celery task. When someone has more than APPROVALS_DIGEST_THRESHOLD
notifications within the batching window, further ones wait for the digest task.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.approvals.models import ApprovalRequest, ApprovalStep, Notification
from portal.core.models import User

logger = logging.getLogger(__name__)

LINK_SALT = "approvals.item-link"
LINK_MAX_AGE = dt.timedelta(days=7)


def digest_threshold() -> int:
    return int(getattr(settings, "APPROVALS_DIGEST_THRESHOLD", 5))


def batching_window() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "APPROVALS_DIGEST_WINDOW_MINUTES", 60)))


def signed_link_path(user_id: int, request_id: int) -> str:
    token = signing.TimestampSigner(salt=LINK_SALT).sign(f"{user_id}:{request_id}")
    return reverse("approvals:link", args=[token])


def read_link(token: str) -> tuple[int, int]:
    """(user id, request id); raises signing.SignatureExpired / BadSignature."""
    value = signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=LINK_MAX_AGE)
    user_id, _, request_id = value.partition(":")
    return int(user_id), int(request_id)


def absolute(path: str) -> str:
    return str(getattr(settings, "PORTAL_BASE_URL", "http://localhost:8000")).rstrip("/") + path


def notify(
    user_id: int,
    kind: str,
    key: str,
    *,
    request: ApprovalRequest | None = None,
    step: ApprovalStep | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Owe `user_id` one notification; False when the same key was already owed."""
    _, created = Notification.objects.get_or_create(
        key=key[:160],
        defaults={
            "user_id": user_id,
            "kind": kind,
            "request": request,
            "step": step,
            "created_at": now or timezone.now(),
        },
    )
    if created:
        transaction.on_commit(_send_soon)
    return created


def _send_soon() -> None:
    from portal.approvals.tasks import send_notifications

    send_notifications.delay()


def _context(n: Notification) -> dict[str, Any]:
    link = absolute(signed_link_path(n.user_id, n.request_id)) if n.request_id else ""
    return {"n": n, "request": n.request, "step": n.step, "link": link}


def send_due(now: dt.datetime | None = None) -> int:
    """Send queued notifications one by one unless their owner is being batched."""
    now = now or timezone.now()
    sent = 0
    queued = Notification.objects.filter(state=Notification.State.QUEUED).select_related(
        "user", "request", "step"
    )
    for n in queued.order_by("id")[:500]:
        recent = Notification.objects.filter(
            user_id=n.user_id, created_at__gte=now - batching_window()
        ).count()
        if recent > digest_threshold():
            continue  # left for the digest
        with transaction.atomic():
            # Claim the row first so a second runner sends nothing twice.
            claimed = Notification.objects.filter(pk=n.pk, state=Notification.State.QUEUED).update(
                state=Notification.State.SENT, sent_at=now
            )
            if not claimed:
                continue
        subject = f"[Portal] {n.get_kind_display()}: {n.request.title if n.request else ''}"
        send_mail(
            subject[:200],
            render_to_string("approvals/email/notification.txt", _context(n)),
            None,
            [n.user.email],
        )
        sent += 1
    return sent


def send_digests(now: dt.datetime | None = None) -> int:
    """One email per person listing every notification still queued for them."""
    now = now or timezone.now()
    users = (
        Notification.objects.filter(state=Notification.State.QUEUED)
        .values_list("user_id", flat=True)
        .distinct()
    )
    count = 0
    for user_id in list(users):
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(of=("self",))
                .filter(user_id=user_id, state=Notification.State.QUEUED)
                .select_related("request", "step")
                .order_by("id")
            )
            if not rows:
                continue
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                state=Notification.State.DIGESTED, sent_at=now
            )
        user = User.objects.get(pk=user_id)
        items = [_context(r) for r in rows]
        send_mail(
            f"[Portal] {len(rows)} approval notifications",
            render_to_string("approvals/email/digest.txt", {"items": items, "user": user}),
            None,
            [user.email],
        )
        count += 1
    logger.info("Sent %s approval digests", count)
    return count
