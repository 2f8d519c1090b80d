"""Audit helpers over django-pghistory: who changed what, and when, for any tracked record.

Tracked models write an event row from a Postgres trigger on every insert, update and delete
(bulk updates and raw SQL included). Web requests attach the acting user through
``pghistory.middleware.HistoryMiddleware``; services running outside a request wrap their writes
in ``acting_as(actor)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pghistory
from django.contrib.auth import get_user_model
from django.db.models import Model

HIDDEN_FIELDS = frozenset({"password", "last_login"})


@contextmanager
def acting_as(actor: Any, **extra: Any) -> Iterator[None]:
    """Record ``actor`` (and any extra context) on every tracked write inside the block."""
    user_id = getattr(actor, "pk", None)
    with pghistory.context(user=user_id, **extra):
        yield


@dataclass(frozen=True)
class Change:
    field: str
    label: str  # the field's verbose name, in the current language
    before: Any
    after: Any


@dataclass(frozen=True)
class AuditEntry:
    when: datetime
    label: str  # insert / update / delete / a named event
    actor: Any  # a user, or None for the system
    changes: tuple[Change, ...]


def record_history(obj: Model, *, limit: int = 50) -> list[AuditEntry]:
    """The audit events of one record, newest first, with the acting user and the fields changed."""
    events = list(pghistory.models.Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    actor_ids = {int(e.pgh_context["user"]) for e in events if e.pgh_context and e.pgh_context.get("user") is not None}
    actors = get_user_model()._default_manager.in_bulk(actor_ids)
    labels = {f.attname: str(getattr(f, "verbose_name", f.name)) for f in type(obj)._meta.concrete_fields}
    entries = []
    for event in events:
        context = event.pgh_context or {}
        diff = event.pgh_diff or {}
        changes = tuple(
            Change(field=name, label=labels.get(name, name), before=values[0], after=values[1])
            for name, values in sorted(diff.items())
            if name not in HIDDEN_FIELDS
        )
        user_id = context.get("user")
        entries.append(
            AuditEntry(
                when=event.pgh_created_at,
                label=event.pgh_label,
                actor=actors.get(int(user_id)) if user_id is not None else None,
                changes=changes,
            )
        )
    return entries


def audited(*, exclude: list[str] | None = None) -> Any:
    """Class decorator for business models: an event row on every insert, update and delete."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=exclude or []
    )
