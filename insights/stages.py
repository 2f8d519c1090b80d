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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import Case, DateTimeField, F, QuerySet, When, Window
from django.db.models.functions import Lead, TruncMonth
from django.utils.translation import gettext_lazy as _

from contracts.models import Installment, Order
from contracts.selectors import contract_list_visible_to
from insights.funnel import SIGNED_STATUSES, _deals, leads_of
from insights.scope import DaysBetweenDates, DaysBetweenTimes, LocalDate, Scope, round_days
from opportunities.models import Category, Stage, StageChange
from org.models import Team, User

P50, P80 = 0.5, 0.8


@dataclass(frozen=True)
class Stay:
    """One kind of stay: its records (``days`` and ``ended`` annotated), and where owner and team are; with
    ``split``, the path whose values make a stay each (the deal stages: the stage entered)."""

    key: str
    label: Any
    queryset: QuerySet[Any]
    owner: str
    team: str
    split: str | None = None


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


def _left_open_stage() -> Case:
    """When the deal left the open stage a move put it in: the deal's next move (``LEAD`` over its history, in
    order of time then id, one pass over the history instead of a lookup per move); None after a move to a won
    or lost stage, or while the deal is still in the stage."""
    next_move = Window(Lead("at"), partition_by=F("opportunity_id"), order_by=[F("at").asc(), F("pk").asc()])
    return Case(When(to_stage__category=Category.OPEN, then=next_move), output_field=DateTimeField())


def stays(scope: Scope) -> list[Stay]:
    """Every kind of stay, in the order of the chain; the deal stages as one stay split by the stage entered
    (``stage_times`` orders them as their pipelines do)."""
    out: list[Stay] = []
    leads = (
        leads_of_all(scope)
        .filter(converted_at__isnull=False)
        .annotate(days=DaysBetweenTimes(F("converted_at"), F("created_at")), ended=F("converted_at"))
        .filter(scope.in_period("converted_at"))
    )
    out.append(Stay("lead", _("Lead → converted"), leads, "owner_id", "team_id"))

    # every move of the deals seen that moved in the period (a stay ends with a move: the window reads the whole
    # history of each such deal); only the filters on the window's value (in the period, so into an open stage
    # and left since) apply after it: add no filter on single moves
    moved = StageChange.objects.filter(at__gte=scope.since, at__lt=scope.until).values("opportunity_id")
    deals = _deals(scope).filter(pk__in=moved).values("pk")
    moves = (
        StageChange.objects.filter(opportunity_id__in=deals)
        .annotate(left=_left_open_stage())
        .filter(left__gte=scope.since, left__lt=scope.until)
        .annotate(days=DaysBetweenTimes(F("left"), F("at")), ended=F("left"))
    )
    out.append(Stay("stage", None, moves, "opportunity__owner_id", "opportunity__team_id", split="to_stage_id"))

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


_FIGURES = {
    "n": "COUNT(*)",
    "p50": f"percentile_cont({P50}) WITHIN GROUP (ORDER BY v_days)",
    "p80": f"percentile_cont({P80}) WITHIN GROUP (ORDER BY v_days)",
}


def grouping_sets(
    qs: QuerySet[Any], columns: dict[str, Any], sets: Sequence[tuple[str, ...]], figures: dict[str, str]
) -> list[tuple[int, dict[str, Any]]]:
    """Several GROUP BYs of the same rows in one query (``GROUP BY GROUPING SETS``): ``qs`` with ``columns``
    (alias → expression) gives the rows, each set of aliases is one grouping and ``figures`` (name → SQL
    aggregate over the aliases, trusted text) are computed for each group. Yields (the set's index, the row: the
    figures and the aliases, None where not grouped on — told apart from a NULL key by the set's index)."""
    sql, params = qs.order_by().values(**columns).query.sql_with_params()
    keys = sorted({k for group in sets for k in group})
    masks = {
        sum(1 << (len(keys) - 1 - i) for i, k in enumerate(keys) if k not in group): n for n, group in enumerate(sets)
    }
    grouping = f"GROUPING({', '.join(keys)})" if keys else "0"
    chosen = ", ".join(f"({', '.join(group)})" for group in sets)
    select = ", ".join([f"{grouping} AS grouping_set", *keys, *(f"{sql_} AS {name}" for name, sql_ in figures.items())])
    query = f"SELECT {select} FROM ({sql}) AS grouped_rows GROUP BY GROUPING SETS ({chosen})"  # noqa: S608 - aliases and aggregates are the code's own
    with connections[qs.db].cursor() as cursor:
        cursor.execute(query, params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    return [(masks[row.pop("grouping_set")], row) for row in rows]


def _figure(row: dict[str, Any]) -> Figure:
    return Figure(row["n"], round_days(row["p50"]), round_days(row["p80"]))


EMPTY = Figure(0, None, None)


def _stage_times(stay: Stay, breakdown: bool) -> dict[Any, StageTime]:
    """The figures of a kind of stay (per value of its ``split``): its total, and with ``breakdown`` per team,
    rep and month. One query."""
    split = ("g_split",) if stay.split else ()
    columns: dict[str, Any] = {"v_days": F("days")}
    if stay.split:
        columns["g_split"] = F(stay.split)
    sets: list[tuple[str, ...]] = [split]
    if breakdown:
        columns.update(g_team=F(stay.team), g_owner=F(stay.owner), g_month=TruncMonth("ended"))
        sets += [(*split, "g_team"), (*split, "g_owner"), (*split, "g_month")]
    totals: dict[Any, Figure] = {}
    parts: dict[Any, tuple[dict[Any, Figure], dict[Any, Figure], dict[Any, Figure]]] = {}
    for n, row in grouping_sets(stay.queryset, columns, sets, _FIGURES):
        key = row.get("g_split")
        if n == 0:
            totals[key] = _figure(row)
            continue
        by_team, by_rep, by_month = parts.setdefault(key, ({}, {}, {}))
        if n == 1:
            by_team[row["g_team"]] = _figure(row)
        elif n == 2:
            by_rep[row["g_owner"]] = _figure(row)
        else:
            m = row["g_month"]
            by_month[m.date() if hasattr(m, "date") else m] = _figure(row)
    if not stay.split and None not in totals:
        totals[None] = EMPTY
    out = {}
    for key, total in totals.items():
        by_team, by_rep, by_month = parts.get(key, ({}, {}, {})) if total.count else ({}, {}, {})
        out[key] = StageTime(stay.key, stay.label, total, False, by_team, by_rep, by_month)
    return out


def stage_times(scope: Scope, *, breakdown: bool = True) -> StageTimes:
    """Median and 80th percentile days per kind of stay; with ``breakdown`` per team, per rep and per month (of
    the day the stay ended). The slowest stage is the one with the longest median. One query per kind of stay
    (the deal stages together), the deal stages' names and the names."""
    out: list[StageTime] = []
    for stay in stays(scope):
        figures = _stage_times(stay, breakdown)
        if not stay.split:
            out.append(figures[None])
            continue
        stages = (
            Stage.objects.filter(pk__in=sorted(figures)).select_related("pipeline").order_by("pipeline_id", "order")
        )
        for stage in stages:
            s = figures[stage.pk]
            out.append(StageTime(f"stage_{stage.pk}", stage, s.total, False, s.by_team, s.by_rep, s.by_month))
    team_ids = {k for s in out for k in s.by_team if k}
    rep_ids = {k for s in out for k in s.by_rep if k}
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
