"""What a dashboard figure covers: who asks (their visibility), the period and how it is read (cohort or
activity), and the filters — team, rep, channel, campaign, grade, currency.

Every figure starts from the visible querysets of the stage apps (``<entity>_list_visible_to``), then narrows:
a filter never widens what the reader sees. A team the reader cannot see is refused by the form
(``insights.forms``) before any figure is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Aggregate, FloatField, Func, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.access import profile_for
from org.models import Membership, Role, Team, User
from org.selectors import team_subtree_ids

COHORT = "cohort"
ACTIVITY = "activity"
MODES = (
    (ACTIVITY, _("Activity in the period")),
    (COHORT, _("Cohort of the period's leads")),
)
# The sellers: whose records the rep rows and the team filter are about.
SELLING_ROLES = (Role.REP, Role.MANAGER)


@dataclass(frozen=True)
class Scope:
    user: Any
    start: date
    end: date
    mode: str = ACTIVITY
    team: int | None = None
    owner: int | None = None
    source: int | None = None
    campaign: int | None = None
    grade: str | None = None
    segment: str | None = None  # the customer's company size (customers.models.CompanySize)
    currency: str = field(default_factory=lambda: settings.DEFAULT_CURRENCY)
    # filled by ``Scope.build``: the team's subtree and its sellers, when a team is asked for
    team_ids: frozenset[int] = frozenset()
    member_ids: frozenset[int] = frozenset()

    @classmethod
    def build(cls, **kwargs: Any) -> Scope:
        team = kwargs.get("team")
        if team:
            ids = frozenset(team_subtree_ids(team_ids=[team]))
            members = frozenset(
                Membership.objects.filter(team_id__in=ids, role__in=SELLING_ROLES).values_list("user_id", flat=True)
            )
            kwargs.update(team_ids=ids, member_ids=members)
        return cls(**kwargs)

    @property
    def since(self) -> datetime:
        """The period's first moment (local midnight)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The moment after the period's last day (exclusive)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def in_period(self, path: str) -> Q:
        """A datetime or date field within the period."""
        return Q(**{f"{path}__gte": self.since, f"{path}__lt": self.until})

    def on_days(self, path: str) -> Q:
        """A date field within the period."""
        return Q(**{f"{path}__gte": self.start, f"{path}__lte": self.end})

    def narrow(self, qs: QuerySet[Any], *, owner: str, team: str, origin: str | None) -> QuerySet[Any]:
        """Apply the team, rep, channel, campaign, grade and customer segment filters to a queryset whose owner,
        team and origin (the path to a deal, or ``""`` for a deal itself, or ``None`` for a lead) are at the given
        paths.

        A team means its records as its manager sees them: routed to the team (or a team below it), or owned by
        one of its sellers."""
        if self.owner:
            qs = qs.filter(**{owner: self.owner})
        if self.team_ids:
            qs = qs.filter(Q(**{f"{team}__in": sorted(self.team_ids)}) | Q(**{f"{owner}__in": sorted(self.member_ids)}))
        if origin is None:  # a lead
            lead = {"source": "source_id", "campaign": "campaign_id", "grade": "grade", "segment": "size"}
        else:
            prefix = f"{origin}__" if origin else ""
            lead = {
                "source": f"{prefix}source_id",
                "campaign": f"{prefix}campaign_id",
                "grade": f"{prefix}source_lead__grade",
                "segment": f"{prefix}account__size",
            }
        if self.segment:
            qs = qs.filter(**{lead["segment"]: self.segment})
        if self.source:
            qs = qs.filter(**{lead["source"]: self.source})
        if self.campaign:
            qs = qs.filter(**{lead["campaign"]: self.campaign})
        if self.grade:
            qs = qs.filter(**{lead["grade"]: self.grade})
        return qs


def visible_teams(user: Any) -> list[Team]:
    """The teams whose figures the person may ask for: every team for those who see everything, else the teams
    they manage and those below them, and the teams they belong to (whose figures, for a rep, are their own)."""
    profile = profile_for(user)
    if profile is None:
        return []
    teams = Team.objects.order_by("name")
    if profile.sees_all:
        return list(teams)
    own = set(Membership.objects.filter(user_id=profile.user_id).values_list("team_id", flat=True))
    return list(teams.filter(pk__in=sorted(set(profile.managed_team_ids) | own)))


def visible_people(user: Any) -> list[User]:
    """The sellers whose figures the person may ask for: themselves, the people of the teams they manage, or
    every seller for those who see everything."""
    profile = profile_for(user)
    if profile is None:
        return []
    people = User.objects.filter(memberships__role__in=SELLING_ROLES).distinct()
    if not profile.sees_all:
        people = User.objects.filter(pk__in=sorted(profile.owner_ids))
    return sorted(people, key=lambda u: (str(u), u.pk))


# --- SQL helpers ------------------------------------------------------------------------------------------------


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY x)``: the interpolated percentile."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


class DaysBetweenTimes(Func):
    """``end - start`` of two timestamps, in days (fractional)."""

    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
    arg_joiner = " - "
    output_field = FloatField()


class DaysBetweenDates(Func):
    """``end - start`` of two dates, in whole days."""

    template = "CAST((%(expressions)s) AS double precision)"
    arg_joiner = " - "
    output_field = FloatField()


class LocalDate(Func):
    """A timestamp's day in the company's time zone (``settings.TIME_ZONE``)."""

    template = "((%(expressions)s) AT TIME ZONE %(zone)s)::date"

    def __init__(self, expression: Any, **extra: Any) -> None:
        from django.db.models import DateField

        super().__init__(expression, zone=f"'{settings.TIME_ZONE}'", output_field=DateField(), **extra)


def share(part: int | float | Any, whole: int | float | Any, places: int = 1) -> float | None:
    """``part ÷ whole`` as a percentage rounded to ``places``; None when the whole is zero."""
    if not whole:
        return None
    return round(float(part) * 100.0 / float(whole), places)


def round_days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
