"""Domain errors raised by services. Views turn them into a message; the API into its error shape."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse (for example a transition the current status does not allow)."""

    status_code = 409
    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotAllowed(DomainError):
    status_code = 403
    code = "not_allowed"
