"""Logins, passwords and API keys (reference §1.3, §3.1, §4)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from odoo_sandbox.exceptions import AccessDenied

if TYPE_CHECKING:
    from odoo_sandbox.store import Store


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _active_user(store: Store, uid: Any) -> dict[str, Any] | None:
    user = store.records["res.users"].get(uid) if isinstance(uid, int) else None
    if user is None or not user.get("active", True):
        return None
    return user


def _matches(store: Store, uid: int, user: dict[str, Any], secret: Any) -> bool:
    if not isinstance(secret, str) or not secret:
        return False
    # Known limitation: passwords are kept in clear in the state file (a test double).
    if user.get("password") and hmac.compare_digest(str(user["password"]), secret):
        return True
    return key_owner(store, secret) == uid


def login(store: Store, db_login: Any, password: Any) -> int | bool:
    """uid for a login and password (or API key), False otherwise (common.login)."""
    for uid, user in store.records["res.users"].items():
        if user.get("login") == db_login and user.get("active", True):
            return uid if _matches(store, uid, user, password) else False
    return False


def check(store: Store, uid: Any, password: Any) -> int:
    """Re-check credentials on an object call; AccessDenied when wrong (§3.1)."""
    user = _active_user(store, uid)
    if user is None or not _matches(store, int(uid), user, password):
        raise AccessDenied()
    return int(uid)


def key_owner(store: Store, key: str) -> int | None:
    """uid owning an API key (global or rpc scope), None if no key matches."""
    digest = _hash(key)
    for rec in store.records["res.users.apikeys"].values():
        if rec.get("scope") in (False, None, "", "rpc") and hmac.compare_digest(rec["key"], digest):
            user = _active_user(store, rec["user_id"])
            return int(rec["user_id"]) if user else None
    return None


def create_api_key(store: Store, uid: int, name: str = "sandbox", key: str | None = None) -> str:
    """Create an API key for a user and return it (only its hash is stored)."""
    key = key or secrets.token_hex(20)  # Odoo keys are 40 hex characters
    store.create(
        "res.users.apikeys", {"name": name, "user_id": uid, "scope": False, "key": _hash(key)}
    )
    return key


def uid_for_login(store: Store, login_name: str) -> int | None:
    for uid, user in store.records["res.users"].items():
        if user.get("login") == login_name:
            return uid
    return None
