"""Reminders about leads, registered with the engine in activities/ (LeadsConfig.ready imports this module).

* ``first_contact_due_soon``: a new lead nobody has contacted, REMINDER_FIRST_CONTACT_WARN before its first-contact
  deadline → its owner.
* ``first_contact_missed``: the deadline passed and still nobody contacted it → its owner and the owner's managers.
  A reassignment sets a new deadline, hence a new occurrence: the new owner is reminded in turn.
* ``lead_stale``: an open lead with no contact for N days (REMINDER_LEAD_STALE_DAYS by status) → its owner, at the
  start of that day. One per silence: the occurrence is the date of the last touch, so a new touch followed by a
  new silence reminds again.

A *touch* is the latest of: the lead's creation, its first contact, and the latest done call, email, meeting,
visit or demo on it (``activities.models.CONTACT_KINDS``); tasks and notes are internal, not touches.

The day helpers below (``day_start``, ``days_starting_in``) are shared by the later stages' reminders, which may
import leads (imports run from later stages to earlier ones).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from activities.models import CONTACT_KINDS, Activity
from activities.reminders import Due, reminder_kind, reminder_source, user_zone
from leads.models import OPEN_STATUSES, Lead, Status
from org.selectors import managers_of

FIRST_CONTACT_DUE_SOON = "first_contact_due_soon"
FIRST_CONTACT_MISSED = "first_contact_missed"
LEAD_STALE = "lead_stale"

MESSAGE_FIRST_CONTACT_DUE_SOON = gettext_noop("First contact with lead %(lead)s is due by %(deadline)s.")
MESSAGE_FIRST_CONTACT_MISSED = gettext_noop(
    "First contact with lead %(lead)s was due by %(deadline)s and has not happened yet."
)
MESSAGE_FIRST_CONTACT_MISSED_MANAGER = gettext_noop("%(owner)s has not contacted lead %(lead)s, due by %(deadline)s.")
MESSAGE_LEAD_STALE = gettext_noop("Lead %(lead)s has had no contact for %(days)s days (last on %(last)s).")

reminder_kind(FIRST_CONTACT_DUE_SOON, label=_("A lead's first contact is due soon"))
reminder_kind(FIRST_CONTACT_MISSED, label=_("A lead's first contact deadline has passed"))
reminder_kind(LEAD_STALE, label=_("A lead has had no contact for a while"))


# --- days (shared with opportunities, contracts and receivables) ----------------------------------------------------


def company_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """The moment a reminder about ``day`` fires: REMINDER_DAY_STARTS_AT on that day in the company's zone."""
    return datetime.combine(day, settings.REMINDER_DAY_STARTS_AT, tzinfo=company_zone())


def days_starting_in(since: datetime, now: datetime) -> list[date]:
    """The company days whose start (``day_start``) lies in ``(since, now]``, oldest first; empty for a window that
    holds no start (most minutes of the day)."""
    zone = company_zone()
    day, last = since.astimezone(zone).date(), now.astimezone(zone).date()
    days = []
    while day <= last:
        if since < day_start(day) <= now:
            days.append(day)
        day += timedelta(days=1)
    return days


def midnight(day: date) -> datetime:
    """00:00 of ``day`` in the company's zone: a day's records are those in [midnight(day), midnight(day + 1))."""
    return datetime.combine(day, datetime.min.time(), tzinfo=company_zone())


def local_time(moment: datetime, user: Any) -> str:
    """A moment as the person reads it on their own clock, e.g. "2026-12-01 10:00"."""
    return f"{moment.astimezone(user_zone(user)):%Y-%m-%d %H:%M}"


# --- first contact --------------------------------------------------------------------------------------------------


def _waiting_for_first_contact() -> Any:
    """New, owned leads nobody has contacted yet (``Lead.is_first_contact_overdue`` without the clock)."""
    return Lead.objects.filter(status=Status.NEW, first_contacted_at__isnull=True, owner__isnull=False).select_related(
        "owner"
    )


def _deadline_occurrence(lead: Lead) -> str:
    assert lead.first_contact_due_at is not None
    return f"deadline-{lead.first_contact_due_at.astimezone(company_zone()):%Y%m%dT%H%M}"


@reminder_source
def first_contact_due_soon(since: datetime, now: datetime) -> Iterator[Due]:
    """REMINDER_FIRST_CONTACT_WARN before the deadline, the owner of a lead still waiting for its first contact;
    not once the deadline has passed (``first_contact_missed`` says so then)."""
    warn: timedelta = settings.REMINDER_FIRST_CONTACT_WARN
    leads = _waiting_for_first_contact().filter(
        first_contact_due_at__gt=max(since + warn, now), first_contact_due_at__lte=now + warn
    )
    for lead in leads.order_by("first_contact_due_at", "pk"):
        assert lead.first_contact_due_at is not None and lead.owner is not None
        yield Due(
            kind=FIRST_CONTACT_DUE_SOON,
            target=lead,
            occurrence=_deadline_occurrence(lead),
            recipient_id=lead.owner.pk,
            at=lead.first_contact_due_at - warn,
            message=MESSAGE_FIRST_CONTACT_DUE_SOON,
            params={"lead": str(lead), "deadline": local_time(lead.first_contact_due_at, lead.owner)},
        )


@reminder_source
def first_contact_missed(since: datetime, now: datetime) -> Iterator[Due]:
    """At the deadline, a lead still waiting for its first contact: its owner and the owner's managers."""
    leads = _waiting_for_first_contact().filter(first_contact_due_at__gt=since, first_contact_due_at__lte=now)
    managers: dict[int, list[Any]] = {}
    for lead in leads.order_by("first_contact_due_at", "pk"):
        owner, deadline = lead.owner, lead.first_contact_due_at
        assert owner is not None and deadline is not None
        occurrence = _deadline_occurrence(lead)
        yield Due(
            kind=FIRST_CONTACT_MISSED,
            target=lead,
            occurrence=occurrence,
            recipient_id=owner.pk,
            at=deadline,
            message=MESSAGE_FIRST_CONTACT_MISSED,
            params={"lead": str(lead), "deadline": local_time(deadline, owner)},
        )
        if owner.pk not in managers:
            managers[owner.pk] = managers_of(user=owner)
        for manager in managers[owner.pk]:
            yield Due(
                kind=FIRST_CONTACT_MISSED,
                target=lead,
                occurrence=occurrence,
                recipient_id=manager.pk,
                at=deadline,
                message=MESSAGE_FIRST_CONTACT_MISSED_MANAGER,
                params={"lead": str(lead), "owner": str(owner), "deadline": local_time(deadline, manager)},
            )


# --- stale leads ----------------------------------------------------------------------------------------------------


def lead_stale_days() -> dict[str, int]:
    """Days of silence after which an open lead of each status is stale; 0 (or a status left out) never."""
    configured: dict[str, int] = settings.REMINDER_LEAD_STALE_DAYS
    return {str(status): int(configured.get(str(status), 0)) for status in OPEN_STATUSES}


def _contacts(**filters: Any) -> Any:
    return Activity.objects.filter(
        target_type=ContentType.objects.get_for_model(Lead), kind__in=CONTACT_KINDS, done_at__isnull=False, **filters
    )


def leads_with_last_touch() -> Any:
    """Leads annotated with ``last_touch``: the latest of their creation, first contact and done contact activity.
    (PostgreSQL's GREATEST leaves out NULLs.)"""
    latest = _contacts(target_id=OuterRef("pk")).order_by().values("target_id").annotate(m=Max("done_at")).values("m")
    return Lead.objects.annotate(last_touch=Greatest("created_at", "first_contacted_at", Subquery(latest)))


def touched_on(day: date) -> Q:
    """Leads created, first contacted or contacted by a done activity on ``day``: those whose last touch may
    have been that day."""
    start, end = midnight(day), midnight(day + timedelta(days=1))
    return (
        Q(created_at__gte=start, created_at__lt=end)
        | Q(first_contacted_at__gte=start, first_contacted_at__lt=end)
        | Q(pk__in=_contacts(done_at__gte=start, done_at__lt=end).values("target_id"))
    )


def last_touch_on(day: date) -> Q:
    """On leads annotated by ``leads_with_last_touch``: their last touch fell on ``day``."""
    return Q(last_touch__gte=midnight(day), last_touch__lt=midnight(day + timedelta(days=1)))


@reminder_source
def leads_stale(since: datetime, now: datetime) -> Iterator[Due]:
    """At the start of the day N days after an open lead's last touch (N by its status), its owner."""
    stale = lead_stale_days()
    silences = [
        (status, day - timedelta(days=n))
        for day in days_starting_in(since, now)
        for status, n in stale.items()
        if n > 0
    ]
    if not silences:
        return
    # Two steps: the few leads touched on a silent day (cheap), then the latest touch of those only. One query
    # with both costs the planner's estimate of a latest touch per open lead, enough to start PostgreSQL's JIT
    # compiler (measured on 30,000 leads: 0.5 s of compiling for 10 ms of work).
    candidates = list(
        Lead.objects.filter(
            reduce(operator.or_, [Q(status=status) & touched_on(day) for status, day in silences]), owner__isnull=False
        ).values_list("pk", flat=True)
    )
    if not candidates:
        return
    leads = (
        leads_with_last_touch()
        .filter(reduce(operator.or_, [Q(status=status) & last_touch_on(day) for status, day in silences]))
        .filter(pk__in=candidates)
        .select_related("owner")
    )
    for lead in leads.order_by("last_touch", "pk"):
        assert lead.owner is not None
        last = lead.last_touch.astimezone(company_zone()).date()
        n = stale[lead.status]
        yield Due(
            kind=LEAD_STALE,
            target=lead,
            occurrence=f"touch-{last.isoformat()}",
            recipient_id=lead.owner.pk,
            at=day_start(last + timedelta(days=n)),
            message=MESSAGE_LEAD_STALE,
            params={"lead": str(lead), "days": str(n), "last": last.isoformat()},
        )
