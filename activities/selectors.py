"""Reads of activities and of the inbox. On a record's page they come with the record: whoever sees the record
(through its app's visibility selector, named in ``settings.ACTIVITY_TARGETS``) sees its activities; a person
also sees the activities assigned to them. A notification is only ever its recipient's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from activities import reminders
from activities.models import ACTIVITY_VISIBILITY, Activity, Notification, NotificationPreference
from ltc.access import visible

# --- records an activity may be about ------------------------------------------------------------------------------


def target_key(target: Model | type[Model]) -> str:
    """ "leads.lead" for a lead: the key of ``settings.ACTIVITY_TARGETS``."""
    return target._meta.label_lower


def target_get_for_user(*, user: Any, target_type: str, pk: Any) -> Model:
    """The record ``target_type`` / ``pk`` through its app's own visibility selector. Http404 when the kind of
    record takes no activities, the record does not exist, or the person may not see it (never telling which)."""
    path = settings.ACTIVITY_TARGETS.get(str(target_type))
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not path or number <= 0:
        raise Http404
    try:
        record = import_string(path)(user=user, pk=number)
    except ObjectDoesNotExist:
        raise Http404 from None
    if target_key(record) != target_type:  # a misconfigured selector must not widen anything
        raise Http404
    return record


def target_visible_to(*, user: Any, target: Model) -> bool:
    """Whether ``user`` sees ``target`` under its app's rule (a kind of record without activities: no)."""
    try:
        target_get_for_user(user=user, target_type=target_key(target), pk=target.pk)
    except Http404:
        return False
    return True


def target_url(target: Any) -> str:
    """The page of a record (settings.ACTIVITY_TARGET_PAGES), or "" when it has none."""
    if target is None:
        return ""
    name = settings.ACTIVITY_TARGET_PAGES.get(target_key(target))
    if not name:
        return ""
    try:
        return reverse(name, args=[target.pk])
    except NoReverseMatch:
        return ""


def assignee_choices(*, user: Any, target: Model) -> list[Any]:
    """Whom a planned activity on ``target`` may be given to on its page: oneself, then the record's owner and
    the people working on it (presales, delivery) — each only if they may see the record."""
    from django.contrib.auth import get_user_model

    ids = [user.pk]
    for attribute in ("owner_id", "presales_id", "delivery_id"):
        value = getattr(target, attribute, None)
        if value and value not in ids:
            ids.append(value)
    people = get_user_model()._default_manager.in_bulk(ids)
    chosen = [user]
    for pk in ids[1:]:
        person = people.get(pk)
        if person is not None and person.is_active and target_visible_to(user=person, target=target):
            chosen.append(person)
    return chosen


# --- activities ----------------------------------------------------------------------------------------------------


def activity_list_for(target: Model) -> QuerySet[Activity]:
    """The record's activities: planned ones by due time first, then those done, latest first."""
    return (
        Activity.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("assignee")
        .order_by(F("done_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "pk")
    )


def activity_due_for(*, user: Any, until: datetime) -> QuerySet[Activity]:
    """The person's own planned activities due by ``until`` (overdue first): their day's follow-ups."""
    mine = visible(Activity.objects.filter(assignee_id=getattr(user, "pk", None)), user, ACTIVITY_VISIBILITY)
    return mine.filter(done_at__isnull=True, due_at__lte=until).select_related("target_type").order_by("due_at", "pk")


def activity_list_visible_to(
    *, user: Any, target_type: str | None = None, target_id: Any = None, done: bool | None = None
) -> QuerySet[Activity]:
    """Without a target: the person's own activities (assigned to them). With ``target_type`` and ``target_id``:
    the activities of that record, which must be one the person sees (else Http404). ``done`` narrows to those
    done (True) or planned (False). Planned first by due time, then done, latest first."""
    qs = Activity.objects.select_related("assignee", "target_type")
    if target_type or target_id:
        target = target_get_for_user(user=user, target_type=target_type or "", pk=target_id)
        qs = qs.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
    else:
        qs = visible(qs.filter(assignee_id=getattr(user, "pk", None)), user, ACTIVITY_VISIBILITY)
    if done is not None:
        qs = qs.filter(done_at__isnull=not done)
    return qs.order_by(F("done_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "-pk")


def activity_get_for_user(*, user: Any, pk: Any) -> Activity:
    """One activity the person may see: assigned to them, or on a record they see. Http404 otherwise."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    activity = get_object_or_404(Activity.objects.select_related("assignee", "target_type"), pk=number)
    if activity.assignee_id == getattr(user, "pk", None) and getattr(user, "is_active", False):
        return activity
    target_get_for_user(user=user, target_type=activity.target_type.app_label + "." + activity.target_type.model,
                        pk=activity.target_id)  # fmt: skip
    return activity


@dataclass(frozen=True)
class MyDay:
    """A person's planned activities: overdue (before today), today's, and the next seven days."""

    overdue: list[Activity]
    today: list[Activity]
    upcoming: list[Activity]
    start: datetime  # the person's local midnight today
    now: datetime

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming)


MY_DAY_AHEAD = timedelta(days=7)
MY_DAY_LIMIT = 200


def my_day(*, user: Any, now: datetime | None = None) -> MyDay:
    """The person's planned, not yet done activities up to seven days after today, in their own time zone:
    overdue (due before today's midnight), today's, then later ones; each part by due time. Every row carries
    its record (``activity.target``, one query per kind of record) and ``activity.url`` (its page)."""
    now = now or timezone.now()
    zone = reminders.user_zone(user)
    start = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    tomorrow = start + timedelta(days=1)
    rows = list(
        activity_due_for(user=user, until=tomorrow + MY_DAY_AHEAD)
        .filter(due_at__lt=tomorrow + MY_DAY_AHEAD)
        .prefetch_related("target")[:MY_DAY_LIMIT]
    )
    for activity in rows:
        activity.url = target_url(activity.target)  # type: ignore[attr-defined]
    return MyDay(
        overdue=[a for a in rows if a.due_at is not None and a.due_at < start],
        today=[a for a in rows if a.due_at is not None and start <= a.due_at < tomorrow],
        upcoming=[a for a in rows if a.due_at is not None and a.due_at >= tomorrow],
        start=start,
        now=now,
    )


# --- the inbox ------------------------------------------------------------------------------------------------------


def notification_list_for(*, user: Any, unread: bool | None = None) -> QuerySet[Notification]:
    """The person's own inbox: unread first, then newest first. ``unread`` narrows to unread (True) or read."""
    qs = Notification.objects.filter(recipient_id=getattr(user, "pk", None))
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.order_by(F("read_at").desc(nulls_first=True), "-created_at", "-pk")


def notification_get_for_user(*, user: Any, pk: Any) -> Notification:
    """One of the person's own notifications; another's, or none, answers Http404."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(Notification, pk=number, recipient_id=getattr(user, "pk", None))


_UNREAD_ATTR = "_ltc_inbox_unread"


def notification_unread_count(*, user: Any, request: Any = None) -> int:
    """How many of the person's notifications are unread: one count over the (recipient, read_at) index, kept on
    the request so the navigation asks once per page."""
    if request is not None and hasattr(request, _UNREAD_ATTR):
        return int(getattr(request, _UNREAD_ATTR))
    if not getattr(user, "is_authenticated", False):
        return 0
    count = Notification.objects.filter(Q(recipient_id=user.pk) & Q(read_at__isnull=True)).count()
    if request is not None:
        setattr(request, _UNREAD_ATTR, count)
    return count


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    channels: tuple[str, ...]  # what applies now: the person's choice, else the kind's default
    default: tuple[str, ...]
    chosen: bool  # the person made a choice for this kind


def preference_rows(*, user: Any) -> list[PreferenceRow]:
    """Every registered reminder kind, by label, with the channels that apply to the person."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user_id=getattr(user, "pk", 0))}
    rows = []
    for name, kind in reminders.kinds().items():
        pref = saved.get(name)
        rows.append(
            PreferenceRow(
                kind=name,
                label=str(kind.label),
                channels=pref.channel_list if pref is not None else kind.channels,
                default=kind.channels,
                chosen=pref is not None,
            )
        )
    return sorted(rows, key=lambda row: row.label)
