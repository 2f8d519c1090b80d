"""One record's timeline: its activities (planned and done), its stage or status changes and its audit history,
merged newest first, each with who and when.

Stage changes come from a record's own stage-history table where ``settings.ACTIVITY_STAGE_HISTORY`` names one
(opportunities' StageChange, orders' OrderChange); for other records, from the audit history's changes of
``status``. The audit entries leave out the fields a stage change already shows. The queries are bounded: one for
the activities, one for the stage history, and the audit history's own (its events, the people, and one per kind
of related record in the changes), whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from activities.models import Activity
from ltc.audit import AuditEntry, Change, record_history

ACTIVITY = "activity"
STAGE = "stage"
AUDIT = "audit"

TIMELINE_LIMIT = 50
# Audit changes of these fields read as a status change on records without a stage-history table.
STATUS_FIELDS = ("status",)
# Entries at the same moment: the audit row a write made comes after (below) the activity or move that made it.
_ORDER = {ACTIVITY: 0, STAGE: 1, AUDIT: 2}


@dataclass(frozen=True)
class Entry:
    when: datetime
    type: str  # "activity", "stage" or "audit"
    actor: Any  # a user, or None for the system
    activity: Activity | None = None
    label: str = ""  # audit: insert / update / delete / a named event; stage: the field that moved ("stage")
    changes: tuple[Change, ...] = ()
    before: Any = None  # stage: from …
    after: Any = None  # … to
    note: str = ""

    @property
    def planned(self) -> bool:
        return self.activity is not None and self.activity.done_at is None


def record_timeline(*, target: Model, limit: int = TIMELINE_LIMIT) -> list[Entry]:
    """The ``limit`` newest entries of ``target``'s timeline, newest first. The caller has checked that the
    reader sees ``target``; nothing here narrows further (whoever sees a record sees its history)."""
    entries = _activities(target, limit) + _stage_changes(target, limit) + _audit(target, limit)
    entries.sort(key=lambda e: (e.when, -_ORDER[e.type]), reverse=True)
    return entries[:limit]


def _activities(target: Model, limit: int) -> list[Entry]:
    rows = (
        Activity.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("assignee", "created_by")
        .order_by("-created_at", "-pk")[:limit]
    )
    entries = []
    for activity in rows:
        if activity.done_at is not None:  # done: when and by whom it was done
            entries.append(Entry(when=activity.done_at, type=ACTIVITY, actor=activity.assignee, activity=activity))
        else:  # planned: when and by whom it was planned (the due time and assignee show on the entry)
            entries.append(Entry(when=activity.created_at, type=ACTIVITY, actor=activity.created_by, activity=activity))
    return entries


def _stage_config(target: Model) -> dict[str, Any] | None:
    config: dict[str, Any] | None = getattr(settings, "ACTIVITY_STAGE_HISTORY", {}).get(target._meta.label_lower)
    return config


def _stage_changes(target: Model, limit: int) -> list[Entry]:
    config = _stage_config(target)
    if config is None:
        return []
    model = apps.get_model(config["model"])
    before, after, at, actor = config["before"], config["after"], config["at"], config["actor"]
    related = [name for name in (before, after, actor) if model._meta.get_field(name).is_relation]
    rows = model._default_manager.filter(**{config["record"]: target.pk}).select_related(*related)
    rows = rows.order_by(f"-{at}", "-pk")[:limit]
    note = config.get("note")
    label = str(getattr(target._meta.get_field(config["covers"][0]), "verbose_name", config["covers"][0]))
    return [
        Entry(
            when=getattr(row, at),
            type=STAGE,
            actor=getattr(row, actor),
            label=label,
            before=_shown(row, before),
            after=_shown(row, after),
            note=getattr(row, note, "") if note else "",
        )
        for row in rows
    ]


def _shown(row: Model, name: str) -> Any:
    """A related record by its name, a choice by its label."""
    value = getattr(row, name)
    if value in (None, ""):
        return None
    display = getattr(row, f"get_{name}_display", None)
    return str(display()) if display is not None else str(value)


def _audit(target: Model, limit: int) -> list[Entry]:
    config = _stage_config(target)
    covered = set(config.get("covers", ())) if config else set()
    entries: list[Entry] = []
    for event in record_history(target, limit=limit):
        changes = tuple(c for c in event.changes if c.field not in covered)
        if event.label == "update":
            status = [c for c in changes if c.field in STATUS_FIELDS] if config is None else []
            for change in status:
                entries.append(
                    Entry(
                        when=event.when,
                        type=STAGE,
                        actor=event.actor,
                        label=change.label,
                        before=change.before,
                        after=change.after,
                    )
                )
            changes = tuple(c for c in changes if c not in status)
            if not changes:  # nothing left that the stage change does not say
                continue
        entries.append(_audit_entry(event, changes))
    return entries


def _audit_entry(event: AuditEntry, changes: tuple[Change, ...]) -> Entry:
    return Entry(when=event.when, type=AUDIT, actor=event.actor, label=event.label, changes=changes)


@dataclass
class TimelinePanel:
    """What the record page's activity panel shows: the timeline, the forms' choices, where to come back."""

    target: Model
    target_type: str
    entries: list[Entry]
    assignees: list[Any] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)
    next_url: str = ""
