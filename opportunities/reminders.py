"""Reminders about deals and quotes, registered with the engine in activities/ (OpportunitiesConfig.ready imports
this module).

* ``deal_stale``: an open deal with no done activity and no stage change for N days → its owner, at the start of
  that day. N comes from REMINDER_DEAL_STALE_DAYS by the stage's name (Chinese or English), else its category
  ("open"), else "default", else 14; 0 turns a stage off. One per silence: the occurrence is the date of the last
  activity, so new activity followed by a new silence reminds again.
* ``quote_expiring``: a sent quote of an open deal, REMINDER_QUOTE_EXPIRY_WARN_DAYS before its last valid day
  (``valid_until``; it expires the day after) → the deal's owner, once per validity date.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from activities.models import Activity
from activities.reminders import Due, reminder_kind, reminder_source
from leads.reminders import company_zone, day_start, days_starting_in, midnight
from opportunities.models import Category, Opportunity, Quote, Stage

DEAL_STALE = "deal_stale"
QUOTE_EXPIRING = "quote_expiring"
DEAL_STALE_DEFAULT_DAYS = 14

MESSAGE_DEAL_STALE = gettext_noop(
    "Deal %(deal)s (%(account)s) has had no activity for %(days)s days (last on %(last)s)."
)
MESSAGE_QUOTE_EXPIRING = gettext_noop(
    "Quote %(quote)s for deal %(deal)s is valid only until %(date)s: ask the customer to accept it in time."
)

reminder_kind(DEAL_STALE, label=_("A deal has had no activity for a while"))
reminder_kind(QUOTE_EXPIRING, label=_("A sent quote is about to expire"))


# --- stale deals ----------------------------------------------------------------------------------------------------


def deal_stale_days(stage: Stage) -> int:
    """Days without activity after which an open deal at ``stage`` is stale (0: never)."""
    configured: dict[str, int] = settings.REMINDER_DEAL_STALE_DAYS
    for key in (stage.name, stage.name_en, stage.category, "default"):
        if key and key in configured:
            return int(configured[key])
    return DEAL_STALE_DEFAULT_DAYS


def _done(**filters: Any) -> Any:
    return Activity.objects.filter(
        target_type=ContentType.objects.get_for_model(Opportunity), done_at__isnull=False, **filters
    )


def deals_with_last_activity() -> Any:
    """Deals annotated with ``last_activity``: the latest of their creation, their entry into the current stage and
    their latest done activity of any kind. (PostgreSQL's GREATEST leaves out NULLs.)"""
    latest = _done(target_id=OuterRef("pk")).order_by().values("target_id").annotate(m=Max("done_at")).values("m")
    return Opportunity.objects.annotate(last_activity=Greatest("created_at", "stage_entered_at", Subquery(latest)))


def active_on(day: date) -> Q:
    """Deals created, moved to their stage or worked on (a done activity) on ``day``: those whose last activity
    may have been that day."""
    start, end = midnight(day), midnight(day + timedelta(days=1))
    return (
        Q(created_at__gte=start, created_at__lt=end)
        | Q(stage_entered_at__gte=start, stage_entered_at__lt=end)
        | Q(pk__in=_done(done_at__gte=start, done_at__lt=end).values("target_id"))
    )


def last_activity_on(day: date) -> Q:
    """On deals annotated by ``deals_with_last_activity``: their last activity fell on ``day``."""
    return Q(last_activity__gte=midnight(day), last_activity__lt=midnight(day + timedelta(days=1)))


@reminder_source
def deals_stale(since: datetime, now: datetime) -> Iterator[Due]:
    """At the start of the day N days after an open deal's last activity (N by its stage), its owner."""
    days = days_starting_in(since, now)
    if not days:
        return
    by_days: dict[int, list[int]] = {}
    for stage in Stage.objects.filter(category=Category.OPEN):
        by_days.setdefault(deal_stale_days(stage), []).append(stage.pk)
    silences = [(stage_ids, day - timedelta(days=n)) for day in days for n, stage_ids in by_days.items() if n > 0]
    if not silences:
        return
    # Two steps, as for stale leads (leads.reminders.leads_stale): the deals active on a silent day, then the
    # latest activity of those only.
    candidates = list(
        Opportunity.objects.filter(
            reduce(operator.or_, [Q(stage_id__in=ids) & active_on(day) for ids, day in silences]),
            closed_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    if not candidates:
        return
    stale = {pk: n for n, pks in by_days.items() for pk in pks}
    deals = (
        deals_with_last_activity()
        .filter(reduce(operator.or_, [Q(stage_id__in=ids) & last_activity_on(day) for ids, day in silences]))
        .filter(pk__in=candidates)
        .select_related("account")
        .order_by("last_activity", "pk")
    )
    for deal in deals:
        assert deal.stage_id is not None
        last = deal.last_activity.astimezone(company_zone()).date()
        n = stale[deal.stage_id]
        yield Due(
            kind=DEAL_STALE,
            target=deal,
            occurrence=f"activity-{last.isoformat()}",
            recipient_id=deal.owner_id,
            at=day_start(last + timedelta(days=n)),
            message=MESSAGE_DEAL_STALE,
            params={"deal": deal.name, "account": deal.account.name, "days": str(n), "last": last.isoformat()},
        )


# --- quotes ---------------------------------------------------------------------------------------------------------


@reminder_source
def quotes_expiring(since: datetime, now: datetime) -> Iterator[Due]:
    """At the start of the day REMINDER_QUOTE_EXPIRY_WARN_DAYS before a sent quote's last valid day, the deal's
    owner (a deal already won or lost has nothing to chase)."""
    warn: int = settings.REMINDER_QUOTE_EXPIRY_WARN_DAYS
    days = days_starting_in(since, now)
    if not days:
        return
    quotes = (
        Quote.objects.filter(
            status=Quote.Status.SENT,
            valid_until__in=[day + timedelta(days=warn) for day in days],
            opportunity__closed_at__isnull=True,
        )
        .select_related("opportunity")
        .order_by("valid_until", "pk")
    )
    for quote in quotes:
        yield Due(
            kind=QUOTE_EXPIRING,
            target=quote,
            occurrence=f"valid-until-{quote.valid_until.isoformat()}",
            recipient_id=quote.opportunity.owner_id,
            at=day_start(quote.valid_until - timedelta(days=warn)),
            message=MESSAGE_QUOTE_EXPIRING,
            params={"quote": str(quote), "deal": quote.opportunity.name, "date": quote.valid_until.isoformat()},
        )
