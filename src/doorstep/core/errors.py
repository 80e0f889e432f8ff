"""The one error type services raise for a request that cannot be done as asked.

The API turns it into ``{"error": {"code", "message", "fields"}}`` with its HTTP status; views
turn it into a form error. ``message`` is already translated for the current language.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class ConflictError(DomainError):
    """The request contradicts what is already stored (HTTP 409)."""

    status = 409
