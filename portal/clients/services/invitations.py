"""Client invitations: signed, single-use, expiring links that lead to allauth sign-up.

The link carries a signed (invitation id, secret) pair; the database keeps only the
SHA-256 of the secret, so a leaked database cannot be turned into working links. The
signature stops tampering before any lookup; the row decides whether the link is still
usable (expired, used, revoked).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.clients.access import manager_client_ids
from portal.clients.models import Invitation
from portal.clients.services.mail import absolute, send_after_commit
from portal.core import audit
from portal.core.adapters import INVITATION_SESSION_KEY
from portal.core.errors import DomainError, NotAllowed
from portal.core.models import Role, RoleMembership, User
from portal.odoo.models import Partner

logger = logging.getLogger(__name__)

SALT = "portal.clients.invitation"
INVITATION_DAYS = int(getattr(settings, "CLIENT_INVITATION_DAYS", 7))

INVALID = "This invitation link is not valid. Ask your account manager to send a new one."
EXPIRED = "This invitation has expired. Ask your account manager to send a new one."
USED = "This invitation has already been used. Sign in with the account you created."
REVOKED = "This invitation was withdrawn. Ask your account manager if you still need access."


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_token(invitation_id: int, secret: str) -> str:
    return signing.dumps({"i": invitation_id, "s": secret}, salt=SALT, compress=True)


def invite_contact(*, actor: User, email: str, client_partner_id: int) -> tuple[Invitation, str]:
    """Invite `email` to the client portal of one of the account manager's clients.

    Returns the invitation and its link (also emailed); the link is not stored.
    """
    email = email.strip().lower()
    if client_partner_id not in manager_client_ids(actor):
        raise NotAllowed("You can invite contacts only for clients of your units' projects.")
    if not Partner.objects.active().filter(pk=client_partner_id).exists():
        raise DomainError("This client is archived in Odoo; its contacts cannot be invited.")
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        raise DomainError(
            "Someone with this address already has an account; invitations are for new contacts.",
            field="email",
        )

    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            client_partner_id=client_partner_id,
            token_hash=_hash(secret),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit.record(
            "clients.invitation.sent",
            actor=actor,
            obj=invitation,
            data={"client_partner_id": client_partner_id},
        )
        link = absolute("clients:accept_invitation", make_token(invitation.pk, secret))
        client = Partner.objects.filter(pk=client_partner_id).values_list("name", flat=True).first()
        send_after_commit(
            [email],
            f"You are invited to the {client or 'client'} project portal",
            f"{actor.display_name} invited you to follow your projects with us.\n\n"
            f"Create your account here (the link works once and expires on "
            f"{invitation.expires_at:%d %B %Y}):\n{link}\n",
        )
    return invitation, link


def invitation_from_token(token: str) -> Invitation:
    """The usable invitation a link refers to; DomainError with a clear message otherwise."""
    try:
        data: Any = signing.loads(token, salt=SALT, max_age=timedelta(days=INVITATION_DAYS + 1))
        invitation_id, secret = int(data["i"]), str(data["s"])
    except signing.SignatureExpired:
        raise DomainError(EXPIRED) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise DomainError(INVALID) from None
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None or not secrets.compare_digest(invitation.token_hash, _hash(secret)):
        raise DomainError(INVALID)
    _check_usable(invitation)
    return invitation


def _check_usable(invitation: Invitation) -> None:
    if invitation.used_at is not None:
        raise DomainError(USED)
    if invitation.revoked_at is not None:
        raise DomainError(REVOKED)
    if invitation.expires_at <= timezone.now():
        raise DomainError(EXPIRED)


def accept_invitation(request: HttpRequest, token: str) -> Invitation:
    """Open sign-up for the invited address: keep the token in the session, mark the
    address verified (the link reached that mailbox), and let allauth take over."""
    invitation = invitation_from_token(token)
    if request.user.is_authenticated:
        # Never say whose invitation it is: the link may have been forwarded.
        raise DomainError(
            "You are signed in with an account, and this invitation is for a new one. "
            "Sign out first if the invitation was sent to you."
        )
    request.session[INVITATION_SESSION_KEY] = token
    get_adapter(request).stash_verified_email(request, invitation.email)
    return invitation


def revoke_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    if invitation.client_partner_id not in manager_client_ids(actor):
        raise NotAllowed("You can withdraw invitations only for your own clients.")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is None and invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit.record("clients.invitation.revoked", actor=actor, obj=invitation)
    return invitation


def claim_invitation(request: HttpRequest, user: User) -> Invitation | None:
    """Tie a freshly signed-up user to the invitation's client (called by allauth's save_user).

    The row is locked and checked again: of two sign-ups racing on one link, the second
    finds it used. Its user is left inactive and without a client, so it sees nothing.
    """
    token = request.session.pop(INVITATION_SESSION_KEY, None)
    if not token:
        return None
    with transaction.atomic():
        try:
            found = invitation_from_token(token)
            invitation = Invitation.objects.select_for_update().get(pk=found.pk)
            _check_usable(invitation)
            if invitation.email.lower() != (user.email or "").lower():
                raise DomainError("The address does not match the invitation.")
        except DomainError as error:
            logger.warning("Sign-up %s did not match a usable invitation: %s", user.pk, error)
            user.is_active = False
            user.save(update_fields=["is_active"])
            return None
        invitation.used_at = timezone.now()
        invitation.used_by = user
        invitation.save(update_fields=["used_at", "used_by"])
        user.client_partner_id = invitation.client_partner_id
        user.save(update_fields=["client_partner_id"])
        RoleMembership.objects.get_or_create(
            user=user, role=Role.CLIENT_CONTACT, business_unit=None
        )
        audit.record(
            "clients.invitation.accepted",
            actor=user,
            obj=invitation,
            data={"client_partner_id": invitation.client_partner_id},
        )
    return invitation


class InvitationSignup:
    """The allauth side of invitations (registered with portal.core.adapters)."""

    def is_valid(self, request: HttpRequest) -> bool:
        try:
            invitation_from_token(request.session.get(INVITATION_SESSION_KEY) or "")
        except DomainError:
            return False
        return True

    def clean_email(self, request: HttpRequest, email: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            invitation = invitation_from_token(request.session.get(INVITATION_SESSION_KEY) or "")
        except DomainError as error:
            raise ValidationError(error.message) from None
        if email.strip().lower() != invitation.email.lower():
            raise ValidationError(
                "Use the address this invitation was sent to; it cannot be changed here."
            )
        return email

    def after_signup(self, request: HttpRequest, user: Any) -> None:
        claim_invitation(request, user)
