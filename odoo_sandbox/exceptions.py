"""Odoo's exception classes as the sandbox raises them (reference §2.3)."""

from __future__ import annotations


class OdooError(Exception):
    """An error answered to the client with `data.name` = `odoo_name`."""

    odoo_name = "odoo.exceptions.UserError"
    http_status = 422  # JSON-2 status (reference §4)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(OdooError):
    odoo_name = "odoo.exceptions.UserError"


class ValidationError(UserError):
    odoo_name = "odoo.exceptions.ValidationError"


class AccessError(OdooError):
    odoo_name = "odoo.exceptions.AccessError"
    http_status = 403


class AccessDenied(OdooError):
    odoo_name = "odoo.exceptions.AccessDenied"
    http_status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class MissingError(UserError):
    odoo_name = "odoo.exceptions.MissingError"
    http_status = 404


class LockError(UserError):
    odoo_name = "odoo.exceptions.LockError"
    http_status = 409


class SessionExpired(OdooError):
    odoo_name = "odoo.http.SessionExpiredException"
    http_status = 403

    def __init__(self, message: str = "Session expired") -> None:
        super().__init__(message)


class ServerError(OdooError):
    """A plain Python error surfaced as Odoo does (builtins.KeyError, ValueError…)."""

    http_status = 500

    def __init__(self, odoo_name: str, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.odoo_name = odoo_name
        self.http_status = status


def missing(model: str, ids: list[int], uid: int) -> MissingError:
    """Build Odoo's MissingError for records that do not exist (reference §2.3)."""
    shown = ", ".join(str(i) for i in ids)
    return MissingError(
        f"Record does not exist or has been deleted.\n(Record: {model}({shown},), User: {uid})"
    )


ERRORS_BY_NAME: dict[str, type[OdooError]] = {
    cls.odoo_name: cls
    for cls in (UserError, ValidationError, AccessError, AccessDenied, MissingError, LockError)
}
