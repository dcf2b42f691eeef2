"""Mail to client contacts and staff, one message per person, sent after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from portal.core.models import User

logger = logging.getLogger(__name__)


def absolute(name: str, *args: object) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=list(args) or None)


def client_contacts(client_partner_id: int) -> list[User]:
    return list(User.objects.filter(client_partner_id=client_partner_id, is_active=True))


def send_after_commit(recipients: Iterable[str], subject: str, body: str) -> None:
    """Queue one mail per address for when the transaction commits.

    One message per person, so no client sees another person's address.
    """
    addresses = sorted({a for a in recipients if a})
    if not addresses:
        return

    def send() -> None:
        for address in addresses:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        logger.info("Client portal mail %r sent to %s people", subject, len(addresses))

    transaction.on_commit(send)
