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
from decimal import Decimal, InvalidOperation
from typing import Any

import pghistory
from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, DecimalField, Model
from django.utils.timezone import localtime

# Secrets, and bookkeeping that changes with every save and tells a reader nothing.
HIDDEN_FIELDS = frozenset(
    {"password", "last_login", "updated_at", "phone_key", "email_key", "person_key", "name_key", "plan_changed_at"}
)


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
    fields = {f.attname: f for f in type(obj)._meta.concrete_fields}
    labels = {name: str(getattr(f, "verbose_name", f.name)) for name, f in fields.items()}
    diffs = [{k: v for k, v in (e.pgh_diff or {}).items() if k not in HIDDEN_FIELDS} for e in events]
    show = _Readable(fields, diffs)
    entries = []
    for event, diff in zip(events, diffs, strict=True):
        context = event.pgh_context or {}
        changes = tuple(
            Change(
                field=name,
                label=labels.get(name, name),
                before=show(name, values[0]),
                after=show(name, values[1]),
            )
            for name, values in sorted(diff.items())
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


class _Readable:
    """Shows stored values as people read them: a related record by its name, a choice by its label,
    a time in the local zone. The related records of all events are fetched in one query per model."""

    def __init__(self, fields: dict[str, Any], diffs: list[dict[str, Any]]) -> None:
        self.fields = fields
        wanted: dict[Any, set[Any]] = {}
        for diff in diffs:
            for name, values in diff.items():
                field = fields.get(name)
                if field is not None and field.is_relation and field.related_model is not None:
                    wanted.setdefault(field.related_model, set()).update(v for v in values if v is not None)
        self.related = {model: model._default_manager.in_bulk(ids) for model, ids in wanted.items()}

    def __call__(self, name: str, value: Any) -> Any:
        field = self.fields.get(name)
        if value is None or field is None:
            return value
        if field.is_relation and field.related_model is not None:
            found = self.related.get(field.related_model, {}).get(value)
            return str(found) if found is not None else f"#{value}"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, DateTimeField) and isinstance(value, str):
            try:
                return localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                return value
        if isinstance(field, DecimalField) and isinstance(value, int | float | str):
            # the history stores numbers as JSON; show them with the field's places (money to the fen)
            try:
                return f"{Decimal(str(value)):,.{field.decimal_places}f}"
            except InvalidOperation:
                return value
        return value


def audited(*, exclude: list[str] | None = None) -> Any:
    """Class decorator for business models: an event row on every insert, update and delete."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=exclude or []
    )


def checked_save(*, actor: Any, record: Model) -> Model:
    """Save a record an administrator keeps (a setting): checked by the model's own validation, written with
    the actor in its history. Refused with ``invalid_setting`` and every bad field named."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from ltc.errors import DomainError

    try:
        record.full_clean()
    except ValidationError as exc:
        raise DomainError(_("The setting is not valid."), code="invalid_setting", fields=exc.message_dict) from None
    with transaction.atomic(), acting_as(actor):
        record.save()
    return record
