"""The allowed moves of a lead's status, in one table."""

from __future__ import annotations

from leads.models import Status

ALLOWED: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.CONTACTED, Status.QUALIFIED, Status.DISQUALIFIED, Status.NURTURING}),
    Status.CONTACTED: frozenset({Status.QUALIFIED, Status.DISQUALIFIED, Status.NURTURING, Status.CONVERTED}),
    Status.QUALIFIED: frozenset({Status.CONVERTED, Status.DISQUALIFIED, Status.NURTURING}),
    Status.NURTURING: frozenset({Status.CONTACTED, Status.QUALIFIED, Status.DISQUALIFIED}),
    Status.CONVERTED: frozenset(),
    Status.DISQUALIFIED: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())
