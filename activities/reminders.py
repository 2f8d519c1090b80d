"""The reminder registry: kinds, sources and digest sections, registered by each app in its AppConfig.ready.

A *source* is a function ``fn(since, now)`` yielding a :class:`Due` for every reminder whose moment ``at`` lies
in ``(since, now]``. The beat calls every source each minute over a look-back window (``REMINDER_LOOKBACK``,
24 hours by default) and inserts what they yield into the delivery table, unique per (kind, record, occurrence,
recipient, channel); a source may therefore yield the same reminder on many runs: it is created once.
Sources must be cheap (one or two queries for the window) and must not write.

``activities`` knows no stage app: leads, opportunities, contracts and receivables register here. The kinds of
activities itself (a planned activity due, then overdue) and the morning digest are registered at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from org.models import User

CHANNELS = ("inbox", "email")
OCCURRENCE_MAX_LENGTH = 64

ACTIVITY_DUE = "activity_due"
ACTIVITY_OVERDUE = "activity_overdue"
DIGEST = "digest"


@dataclass(frozen=True)
class Due:
    kind: str  # a registered kind, e.g. "invoice_overdue"
    target: models.Model  # the record the reminder is about (its get_absolute_url is the inbox link)
    occurrence: str  # what makes it distinct for that record, e.g. "2026-12-01" or "level-2"; <= 64 chars
    recipient_id: int  # the person
    at: datetime  # the moment it became due (aware)
    message: str  # an English text marked with gettext_noop, with %(name)s placeholders
    params: dict[str, str]  # values for the placeholders (strings only)


@dataclass(frozen=True)
class ReminderKind:
    name: str
    label: str | Promise
    channels: tuple[str, ...]


Source = Callable[[datetime, datetime], Iterable[Due]]
DigestSection = Callable[["User", date], list[str]]

_kinds: dict[str, ReminderKind] = {}
_sources: list[Source] = []
_digest_sections: list[DigestSection] = []


def reminder_kind(name: str, *, label: str | Promise, channels: tuple[str, ...] = ("inbox",)) -> None:
    """Declare a kind, its (lazy-translated) label for preferences pages and its default channels ("inbox",
    "email"). Declaring it again replaces it (AppConfig.ready may run twice in tests). Refuses an unknown
    channel or a name longer than the delivery table keeps."""
    unknown = [channel for channel in channels if channel not in CHANNELS]
    if unknown:
        raise ValueError(f"reminder kind {name!r}: unknown channel(s) {unknown}; use {CHANNELS}")
    if not name or len(name) > 64:
        raise ValueError(f"reminder kind {name!r}: the name must have 1 to 64 characters")
    _kinds[name] = ReminderKind(name=name, label=label, channels=tuple(channels))


def reminder_source(fn: Source) -> Source:
    """Register a source: fn(since, now) yields the reminders whose moment `at` lies in (since, now]."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def register_digest_section(fn: DigestSection) -> DigestSection:
    """Register ``fn(user, day) -> lines`` adding lines to a person's morning digest for their local ``day``
    (e.g. receivables: the invoices they own that are overdue). Called under the person's language; an empty
    list adds nothing. Must not write."""
    if fn not in _digest_sections:
        _digest_sections.append(fn)
    return fn


def kinds() -> dict[str, ReminderKind]:
    """Every declared kind by name (the preferences page lists them by label)."""
    return dict(_kinds)


def sources() -> list[Source]:
    return list(_sources)


def digest_sections() -> list[DigestSection]:
    return list(_digest_sections)


def user_zone(user: Any) -> ZoneInfo:
    """The person's time zone; blank or unknown means the company's (settings.TIME_ZONE)."""
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo(settings.TIME_ZONE)


def user_language(user: Any) -> str:
    """The person's language; blank means the company's (settings.LANGUAGE_CODE)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


# --- activities' own kinds ------------------------------------------------------------------------------------------

MESSAGE_ACTIVITY_DUE = gettext_noop("Due now: %(subject)s (%(target)s)")
MESSAGE_ACTIVITY_OVERDUE = gettext_noop("Overdue, not done yet: %(subject)s (%(target)s)")

reminder_kind(ACTIVITY_DUE, label=_("A planned activity is due"))
reminder_kind(ACTIVITY_OVERDUE, label=_("A planned activity is overdue"))
reminder_kind(DIGEST, label=_("Morning digest"), channels=("email",))


def activity_occurrence(activity: Any) -> str:
    """A planned activity reminds once per due time: moved to another time, it reminds again."""
    return f"activity-{activity.pk}@{activity.due_at:%Y%m%dT%H%M%S}"


def _activity_dues(kind: str, message: str, since: datetime, now: datetime) -> Iterator[Due]:
    from activities.models import Activity

    shift = settings.REMINDER_OVERDUE_AFTER if kind == ACTIVITY_OVERDUE else None
    low, high = (since - shift, now - shift) if shift else (since, now)
    planned = (
        Activity.objects.filter(done_at__isnull=True, due_at__gt=low, due_at__lte=high)
        .prefetch_related("target")
        .order_by("due_at", "pk")
    )
    for activity in planned:
        target = activity.target
        if target is None or activity.due_at is None:  # the record is gone
            continue
        yield Due(
            kind=kind,
            target=target,
            occurrence=activity_occurrence(activity),
            recipient_id=activity.assignee_id,
            at=activity.due_at + shift if shift else activity.due_at,
            message=message,
            params={"subject": activity.subject, "target": str(target)},
        )


@reminder_source
def activities_due(since: datetime, now: datetime) -> Iterator[Due]:
    """A planned, not yet done activity reminds its assignee at its due time."""
    yield from _activity_dues(ACTIVITY_DUE, MESSAGE_ACTIVITY_DUE, since, now)


@reminder_source
def activities_overdue(since: datetime, now: datetime) -> Iterator[Due]:
    """Still not done ``REMINDER_OVERDUE_AFTER`` (one hour by default) after its due time: reminds again."""
    yield from _activity_dues(ACTIVITY_OVERDUE, MESSAGE_ACTIVITY_OVERDUE, since, now)


DIGEST_SECTION_LIMIT = 20


@register_digest_section
def activities_digest(user: User, day: date) -> list[str]:
    """The person's planned activities due on their local ``day`` (with their local time), then those overdue
    from before it, oldest first; at most DIGEST_SECTION_LIMIT of each."""
    from activities.models import Activity

    zone = user_zone(user)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    planned = Activity.objects.filter(assignee=user, done_at__isnull=True).prefetch_related("target")
    lines: list[str] = []
    for heading, rows in (
        (gettext("Due today"), planned.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "pk")),
        (gettext("Overdue"), planned.filter(due_at__lt=start).order_by("due_at", "pk")),
    ):
        total = rows.count()
        if not total:
            continue
        lines.append(f"{heading} ({total})")
        for activity in rows[:DIGEST_SECTION_LIMIT]:
            assert activity.due_at is not None
            local = activity.due_at.astimezone(zone)
            when = f"{local:%H:%M}" if local.date() == day else f"{local:%Y-%m-%d %H:%M}"
            about = f" ({activity.target})" if activity.target is not None else ""
            lines.append(f"- {when} {activity.subject}{about}")
        if total > DIGEST_SECTION_LIMIT:
            lines.append(gettext("… and %(count)s more") % {"count": total - DIGEST_SECTION_LIMIT})
    return lines
