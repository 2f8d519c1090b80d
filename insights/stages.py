"""Days in each stage and the bottleneck (价值流诊断): the median and 80th percentile (PostgreSQL's
``percentile_cont``) of the stays that ended in the period, for what the reader sees, per team and per rep, with
the slowest stage flagged and the median month by month.

The stays, each from its own records:

- **lead → converted**: a lead's creation to its conversion;
- **each open deal stage**: from entering the stage (its stage history) to the next move of the deal;
- **won → signed**: the quote's acceptance to the contract's signing day;
- **signed → hand-off accepted**: the signing day to delivery's acceptance of the order;
- **delivered → customer acceptance**: the delivery day to the customer's acceptance (验收);
- **installment due → paid**: an installment's due day to the day it was settled (negative when paid early).

Stays measured between two moments are in fractional days; between two days in whole days. A stay still
running is not counted (its length is not known yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from contracts.models import Installment, Order
from contracts.selectors import contract_list_visible_to
from insights.funnel import SIGNED_STATUSES, _deals, leads_of
from insights.scope import DaysBetweenDates, DaysBetweenTimes, LocalDate, Percentile, Scope, round_days
from opportunities.models import Category, Stage, StageChange
from org.models import Team, User

P50, P80 = 0.5, 0.8


@dataclass(frozen=True)
class Stay:
    """One kind of stay: its records (``days`` and ``ended`` annotated), and where owner and team are."""

    key: str
    label: Any
    queryset: QuerySet[Any]
    owner: str
    team: str


@dataclass(frozen=True)
class Figure:
    count: int
    median: float | None
    p80: float | None


@dataclass(frozen=True)
class StageTime:
    key: str
    label: Any
    total: Figure
    slowest: bool = False
    by_team: dict[int | None, Figure] = field(default_factory=dict)
    by_rep: dict[int | None, Figure] = field(default_factory=dict)
    by_month: dict[date, Figure] = field(default_factory=dict)


@dataclass(frozen=True)
class StageTimes:
    scope: Scope
    stages: list[StageTime]
    teams: dict[int, str]
    reps: dict[int, str]
    months: list[date]

    @property
    def slowest(self) -> StageTime | None:
        return next((s for s in self.stages if s.slowest), None)


def _next_move() -> Subquery:
    later = StageChange.objects.filter(opportunity_id=OuterRef("opportunity_id")).filter(
        Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk"))
    )
    return Subquery(later.order_by("at", "pk").values("at")[:1])


def stays(scope: Scope) -> list[Stay]:
    """Every kind of stay, in the order of the chain; the deal stages in their pipelines' order."""
    out: list[Stay] = []
    leads = (
        leads_of_all(scope)
        .filter(converted_at__isnull=False)
        .annotate(days=DaysBetweenTimes(F("converted_at"), F("created_at")), ended=F("converted_at"))
        .filter(scope.in_period("converted_at"))
    )
    out.append(Stay("lead", _("Lead → converted"), leads, "owner_id", "team_id"))

    deals = _deals(scope).values("pk")
    moves = StageChange.objects.filter(opportunity_id__in=deals, to_stage__category=Category.OPEN).annotate(
        left=_next_move()
    )
    moves = moves.filter(left__isnull=False, left__gte=scope.since, left__lt=scope.until).annotate(
        days=DaysBetweenTimes(F("left"), F("at")), ended=F("left")
    )
    used = moves.order_by().values_list("to_stage_id", flat=True).distinct()
    for stage in Stage.objects.filter(pk__in=used).select_related("pipeline").order_by("pipeline_id", "order"):
        out.append(
            Stay(
                f"stage_{stage.pk}",
                stage,
                moves.filter(to_stage_id=stage.pk),
                "opportunity__owner_id",
                "opportunity__team_id",
            )
        )

    contracts = scope.narrow(
        contract_list_visible_to(user=scope.user), owner="owner_id", team="team_id", origin="opportunity"
    )
    signed = (
        contracts.filter(status__in=SIGNED_STATUSES, signed_on__isnull=False, quote__decided_at__isnull=False)
        .filter(scope.on_days("signed_on"))
        .annotate(days=DaysBetweenDates(F("signed_on"), LocalDate(F("quote__decided_at"))), ended=F("signed_on"))
    )
    out.append(Stay("won_signed", _("Won → contract signed"), signed, "owner_id", "team_id"))

    orders = Order.objects.filter(contract__in=contracts.values("pk"))
    handoff = (
        orders.filter(accepted_at__isnull=False, contract__signed_on__isnull=False)
        .filter(scope.in_period("accepted_at"))
        .annotate(days=DaysBetweenDates(LocalDate(F("accepted_at")), F("contract__signed_on")), ended=F("accepted_at"))
    )
    out.append(Stay("signed_handoff", _("Signed → hand-off accepted"), handoff, "owner_id", "team_id"))
    acceptance = (
        orders.filter(delivered_on__isnull=False, customer_accepted_on__isnull=False)
        .filter(scope.on_days("customer_accepted_on"))
        .annotate(days=DaysBetweenDates(F("customer_accepted_on"), F("delivered_on")), ended=F("customer_accepted_on"))
    )
    out.append(Stay("delivered_accepted", _("Delivered → customer acceptance"), acceptance, "owner_id", "team_id"))
    installments = (
        Installment.objects.filter(contract__in=contracts.values("pk"), cancelled=False)
        .filter(due_on__isnull=False, settled_on__isnull=False)
        .filter(scope.on_days("settled_on"))
        .annotate(days=DaysBetweenDates(F("settled_on"), F("due_on")), ended=F("settled_on"))
    )
    out.append(Stay("due_paid", _("Installment due → paid"), installments, "contract__owner_id", "contract__team_id"))
    return out


def leads_of_all(scope: Scope) -> QuerySet[Any]:
    """Visible, filtered leads whatever their creation day (a stay is placed by when it ended)."""
    from leads.selectors import lead_list_visible_to

    return scope.narrow(lead_list_visible_to(user=scope.user), owner="owner_id", team="team_id", origin=None).order_by()


_FIGURES = {"n": Count("pk"), "p50": Percentile("days", P50), "p80": Percentile("days", P80)}


def _figure(row: dict[str, Any]) -> Figure:
    return Figure(row["n"], round_days(row["p50"]), round_days(row["p80"]))


def _by(qs: QuerySet[Any], key: Any) -> dict[Any, Figure]:
    rows = cast(Iterable[dict[str, Any]], qs.values(k=key).annotate(**_FIGURES).order_by())
    return {row["k"]: _figure(row) for row in rows}


def stage_times(scope: Scope, *, breakdown: bool = True) -> StageTimes:
    """Median and 80th percentile days per kind of stay; with ``breakdown`` per team, per rep and per month (of
    the day the stay ended). The slowest stage is the one with the longest median. Four queries per kind of
    stay (one without breakdown), and the names."""
    out: list[StageTime] = []
    team_ids: set[int] = set()
    rep_ids: set[int] = set()
    for stay in stays(scope):
        total = _figure(stay.queryset.aggregate(**_FIGURES))
        if not breakdown or not total.count:
            out.append(StageTime(stay.key, stay.label, total))
            continue
        by_team = _by(stay.queryset, F(stay.team))
        by_rep = _by(stay.queryset, F(stay.owner))
        by_month = {
            (m.date() if hasattr(m, "date") else m): f for m, f in _by(stay.queryset, TruncMonth("ended")).items()
        }
        team_ids |= {k for k in by_team if k}
        rep_ids |= {k for k in by_rep if k}
        out.append(StageTime(stay.key, stay.label, total, False, by_team, by_rep, by_month))
    medians = [s.total.median for s in out if s.total.median is not None]
    if medians:
        top = max(medians)
        first = next(i for i, s in enumerate(out) if s.total.median == top)
        s = out[first]
        out[first] = StageTime(s.key, s.label, s.total, True, s.by_team, s.by_rep, s.by_month)
    from insights.forms import month_starts

    return StageTimes(
        scope=scope,
        stages=out,
        teams={t.pk: str(t) for t in Team.objects.filter(pk__in=team_ids)},
        reps={u.pk: str(u) for u in User.objects.filter(pk__in=rep_ids)},
        months=month_starts(scope.start, scope.end),
    )


__all__ = ["Figure", "StageTime", "StageTimes", "leads_of", "stage_times", "stays"]
