"""Domain errors raised by services; views and the API turn them into answers."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the action; the message is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The user may see the object but may not perform this action on it."""

    status_code = 403


class Conflict(DomainError):
    """The object changed since the user loaded it (decided, withdrawn, edited)."""

    status_code = 409
