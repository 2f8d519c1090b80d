"""Refusals with a stable code. Services raise these; the API and the pages show their message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the action. ``code`` is stable and machine-readable."""

    code = "refused"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class Conflict(DomainError):
    """The record changed under the caller (a concurrent edit); reload and try again."""

    code = "conflict"
    status = 409


class NotAllowed(DomainError):
    """The actor may see the record but may not do this to it."""

    code = "not_allowed"
    status = 403
