"""The lead-to-cash funnel (漏斗) across the six stages, aggregated in SQL over what the reader sees.

The stages, and what counts in each:

1. **Leads** — leads created.
2. **Opportunities** — deals opened (from a lead or directly); amount: the deal's amount.
3. **Won** — deals won: an accepted quote, or the deal moved to a won stage, whichever came first; amount: the
   deal's amount (the accepted quote's total once accepted).
4. **Contracts signed** — contracts signed (signed, completed or terminated since); amount: the contract total.
5. **Accepted by the customer** — orders the customer accepted (验收); amount: the contract total.
6. **Cash collected** — contracts with money allocated to their invoices (net of reversals); amount: the money.

Two ways to read a period, said on the page:

- **activity**: each stage counts what happened in the period (a lead created, a deal won, a contract signed…
  on a day in the period); conversion is a ratio of flows and may exceed 100 %;
- **cohort**: the leads created in the period and the deals opened in it without a lead, followed through every
  later stage up to today, whenever that happened; conversion is the share that went on.

Counts include every currency; amounts add only the records in the chosen currency (no rates are kept).
Each stage's record carries its owner and team; per-rep and per-team funnels group by them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Order, OrderStatus
from contracts.models import Status as ContractStatus
from contracts.selectors import contract_list_visible_to, order_list_visible_to
from insights.scope import COHORT, Scope, share
from leads.models import Lead
from leads.selectors import lead_list_visible_to
from opportunities.models import Category, Opportunity, Quote
from opportunities.selectors import opportunity_list_visible_to
from org.models import Team, User
from receivables.models import ZERO, Allocation, Invoice
from receivables.selectors import invoice_list_visible_to

LEADS, OPPORTUNITIES, WON, SIGNED, ACCEPTED, CASH = "leads", "opportunities", "won", "signed", "accepted", "cash"
STAGES: tuple[tuple[str, Any], ...] = (
    (LEADS, _("Leads")),
    (OPPORTUNITIES, _("Opportunities")),
    (WON, _("Won")),
    (SIGNED, _("Contracts signed")),
    (ACCEPTED, _("Accepted by the customer")),
    (CASH, _("Cash collected")),
)
STAGE_KEYS = tuple(key for key, _label in STAGES)
SIGNED_STATUSES = (ContractStatus.SIGNED, ContractStatus.COMPLETED, ContractStatus.TERMINATED)
GROUPS = ("owner", "team")


@dataclass(frozen=True)
class StageFigure:
    key: str
    label: Any
    count: int
    amount: Decimal | None  # None for leads (they have no amount)
    conversion: float | None  # % of the previous stage's count; None for the first stage or after zero


@dataclass(frozen=True)
class FunnelRow:
    """One funnel: the company's (what the reader sees), a team's or a rep's."""

    key: int | None
    label: Any
    stages: list[StageFigure]

    @property
    def overall(self) -> float | None:
        """Cash collected as a % of the first stage."""
        return share(self.stages[-1].count, self.stages[0].count)


@dataclass(frozen=True)
class Funnel:
    scope: Scope
    total: FunnelRow
    teams: list[FunnelRow] = field(default_factory=list)
    reps: list[FunnelRow] = field(default_factory=list)


# --- what each stage is -------------------------------------------------------------------------------------------


def won_condition() -> Q:
    """A deal is won when a quote of it was accepted or it stands in a won stage."""
    accepted = Quote.objects.filter(opportunity=OuterRef("pk"), status=Quote.Status.ACCEPTED)
    return Q(stage__category=Category.WON) | Q(Exists(accepted))


def won_at() -> Any:
    """When a deal was won: the first of its quote's acceptance and its move to a won stage."""
    accepted = Quote.objects.filter(opportunity=OuterRef("pk"), status=Quote.Status.ACCEPTED).values("decided_at")[:1]
    from django.db.models import Case, When

    closed_won = Case(When(stage__category=Category.WON, then=F("closed_at")), output_field=DateTimeField())
    return Least(Subquery(accepted, output_field=DateTimeField()), closed_won)


def leads_of(scope: Scope) -> QuerySet[Lead]:
    """Leads the reader sees, created in the period (both modes), narrowed by the filters."""
    qs = scope.narrow(lead_list_visible_to(user=scope.user), owner="owner_id", team="team_id", origin=None)
    return qs.filter(scope.in_period("created_at")).order_by()


def _deals(scope: Scope) -> QuerySet[Opportunity]:
    return scope.narrow(opportunity_list_visible_to(user=scope.user), owner="owner_id", team="team_id", origin="")


def opportunities_of(scope: Scope) -> QuerySet[Opportunity]:
    """Deals opened in the period; for a cohort, those of the period's leads and those opened in it without one."""
    qs = _deals(scope)
    if scope.mode == COHORT:
        return qs.filter(
            scope.in_period("source_lead__created_at") | (Q(source_lead__isnull=True) & scope.in_period("created_at"))
        ).order_by()
    return qs.filter(scope.in_period("created_at")).order_by()


def won_of(scope: Scope) -> QuerySet[Opportunity]:
    """Deals won in the period; for a cohort, the cohort's deals won by now."""
    if scope.mode == COHORT:
        return opportunities_of(scope).filter(won_condition())
    return _deals(scope).filter(won_condition()).annotate(won_at=won_at()).filter(scope.in_period("won_at")).order_by()


def _cohort_deals(scope: Scope) -> QuerySet[Any]:
    return opportunities_of(scope).values("pk")


def signed_of(scope: Scope) -> QuerySet[Contract]:
    qs = scope.narrow(contract_list_visible_to(user=scope.user), owner="owner_id", team="team_id", origin="opportunity")
    qs = qs.filter(status__in=SIGNED_STATUSES, signed_on__isnull=False)
    if scope.mode == COHORT:
        return qs.filter(opportunity__in=_cohort_deals(scope)).order_by()
    return qs.filter(scope.on_days("signed_on")).order_by()


def accepted_of(scope: Scope) -> QuerySet[Order]:
    qs = scope.narrow(
        order_list_visible_to(user=scope.user), owner="owner_id", team="team_id", origin="contract__opportunity"
    )
    qs = qs.filter(customer_accepted_on__isnull=False).exclude(status=OrderStatus.CANCELLED)
    if scope.mode == COHORT:
        return qs.filter(contract__opportunity__in=_cohort_deals(scope)).order_by()
    return qs.filter(scope.on_days("customer_accepted_on")).order_by()


def cash_of(scope: Scope) -> QuerySet[Allocation]:
    """The allocations (and their reversals) to invoices of contracts: in the period by the day the money arrived,
    or for a cohort, every one on the cohort's contracts."""
    invoices = scope.narrow(
        invoice_list_visible_to(user=scope.user).filter(kind=Invoice.Kind.INVOICE, contract__isnull=False),
        owner="owner_id",
        team="team_id",
        origin="contract__opportunity",
    )
    qs = Allocation.objects.filter(invoice__in=invoices.values("pk"))
    if scope.mode == COHORT:
        return qs.filter(invoice__contract__opportunity__in=_cohort_deals(scope)).order_by()
    return qs.filter(scope.on_days("payment__received_on")).order_by()


# --- the figures --------------------------------------------------------------------------------------------------


def _grouped(qs: QuerySet[Any], group: str | None, *, amount: str | None, currency: str) -> dict[Any, tuple[int, Any]]:
    """(count, amount in the currency) per group key (None for the whole)."""
    figures: dict[str, Any] = {"n": Count("pk")}
    if amount:
        figures["a"] = Coalesce(Sum(amount, filter=Q(currency=currency)), Value(ZERO))
    if group is None:
        row = qs.aggregate(**figures)
        return {None: (row["n"], row.get("a"))}
    out: dict[Any, tuple[int, Any]] = {}
    for row in qs.values(g=F(group)).annotate(**figures).order_by():
        out[row["g"]] = (row["n"], row.get("a"))
    return out


def _cash(scope: Scope, group: str | None) -> dict[Any, tuple[int, Any]]:
    """Contracts with money in, and the money (in the currency), per group: summed per contract first, so that an
    allocation reversed counts for nothing."""
    path = {"owner": "invoice__owner_id", "team": "invoice__team_id"}.get(group or "")
    values = {"c": F("invoice__contract_id"), "cur": F("invoice__currency")}
    if path:
        values["g"] = F(path)
    rows = cast(Iterable[dict[str, Any]], cash_of(scope).values(**values).annotate(s=Sum("amount")).order_by())
    counted: dict[Any, set[int]] = defaultdict(set)
    money: dict[Any, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        if row["s"] <= 0:
            continue
        key = row.get("g") if path else None
        counted[key].add(row["c"])
        if row["cur"] == scope.currency:
            money[key] += row["s"]
    return {key: (len(contracts), money[key]) for key, contracts in counted.items()}


def stage_figures(scope: Scope, group: str | None = None) -> dict[str, dict[Any, tuple[int, Any]]]:
    """Per stage, per group key (None for the whole): (count, amount). Six queries."""
    owner = "owner_id" if group == "owner" else None
    team = "team_id" if group == "team" else None
    g = owner or team
    return {
        LEADS: {k: (n, None) for k, (n, _a) in _grouped(leads_of(scope), g, amount=None, currency="").items()},
        OPPORTUNITIES: _grouped(opportunities_of(scope), g, amount="amount", currency=scope.currency),
        WON: _grouped(won_of(scope), g, amount="amount", currency=scope.currency),
        SIGNED: _grouped(signed_of(scope), g, amount="total", currency=scope.currency),
        ACCEPTED: _accepted_amounts(scope, g),
        CASH: _cash(scope, group),
    }


def _accepted_amounts(scope: Scope, group: str | None) -> dict[Any, tuple[int, Any]]:
    figures = {
        "n": Count("pk"),
        "a": Coalesce(Sum("contract__total", filter=Q(contract__currency=scope.currency)), Value(ZERO)),
    }
    qs = accepted_of(scope)
    if group is None:
        row = qs.aggregate(**figures)
        return {None: (row["n"], row["a"])}
    rows = cast(Iterable[dict[str, Any]], qs.values(g=F(group)).annotate(**figures).order_by())
    return {r["g"]: (r["n"], r["a"]) for r in rows}


def _row(key: Any, label: Any, figures: dict[str, dict[Any, tuple[int, Any]]]) -> FunnelRow:
    stages: list[StageFigure] = []
    previous: int | None = None
    for stage_key, stage_label in STAGES:
        count, amount = figures[stage_key].get(key, (0, None if stage_key == LEADS else ZERO))
        if stage_key != LEADS and amount is None:
            amount = ZERO
        stages.append(
            StageFigure(stage_key, stage_label, count, amount, None if previous is None else share(count, previous))
        )
        previous = count
    return FunnelRow(key, label, stages)


def _names(model: Any, keys: Iterable[Any]) -> dict[int, str]:
    return {o.pk: str(o) for o in model.objects.filter(pk__in=[k for k in keys if k is not None])}


def funnel(scope: Scope, *, breakdown: bool = True) -> Funnel:
    """The funnel of what the reader sees (or the team or rep asked for), and with ``breakdown`` one per team
    and per rep (the record's team and owner at each stage; a lead in a team's pool has no rep). Six queries
    for the whole, six per breakdown, and the names."""
    total = _row(None, _("Total"), stage_figures(scope))
    if not breakdown:
        return Funnel(scope, total)
    rows: dict[str, list[FunnelRow]] = {}
    for group, model, unnamed in (("team", Team, _("No team")), ("owner", User, _("Unassigned"))):
        figures = stage_figures(scope, group)
        keys = set().union(*[set(v) for v in figures.values()])
        names = _names(model, keys)
        rows[group] = sorted(
            (_row(k, names.get(k, unnamed) if k is not None else unnamed, figures) for k in keys),
            key=lambda r: (r.key is None, str(r.label), r.key or 0),
        )
    return Funnel(scope, total, teams=rows["team"], reps=rows["owner"])
