"""Issue, find and revoke personal access tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portal.api.models import ApiToken, Scope
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.models import User

TOKEN_PREFIX = "pat"  # noqa: S105 - a public marker, not a secret
# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_LIFETIME_DAYS = 365


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, *, name: str, scopes: list[str], days: int | None = 90) -> IssuedToken:
    """Create a token for `user`; the returned secret is the only copy."""
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise DomainError(f"Unknown scope: {', '.join(unknown)}.", field="scopes")
    if not scopes:
        raise DomainError("Choose at least one scope.", field="scopes")
    if not name.strip():
        raise DomainError("Name the token after the app that uses it.", field="name")
    if days is not None and not 1 <= days <= MAX_LIFETIME_DAYS:
        raise DomainError(f"A token lasts 1 to {MAX_LIFETIME_DAYS} days.", field="days")

    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    expires = timezone.now() + dt.timedelta(days=days) if days is not None else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=prefix,
            token_hash=digest(raw),
            scopes=sorted(set(scopes)),
            expires_at=expires,
        )
        audit.record(
            "api.token.created",
            actor=user,
            obj=token,
            data={"scopes": token.scopes, "expires_at": expires},
        )
    return IssuedToken(token, raw)


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
        if token is None:
            raise DomainError("No such token.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record("api.token.revoked", actor=user, obj=token)
    return token


def find_token(raw: str) -> ApiToken | None:
    """The usable token matching `raw`, or None; compares hashes, never secrets."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not secrets.compare_digest(token.token_hash, digest(raw)):
        return None
    return token if token.is_usable else None


def touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
