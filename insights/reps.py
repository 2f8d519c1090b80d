"""Rep performance: per rep, the funnel of the period (counts and conversion at each stage), activities per
week, win rate, average deal size, the sales cycle and the DSO of their receivables; and won value per product.

Definitions (said on the page and in the API):

- **win rate**: deals won in the period ÷ deals closed in it (won + lost), by count;
- **average deal size**: the won amount ÷ the deals won, in the chosen currency;
- **activities per week**: activities done in the period ÷ the period's weeks (days ÷ 7);
- **sales cycle to cash**: the median days from the lead's creation (the deal's opening when it had no lead)
  to the first money allocated on its contract, over the contracts whose first money arrived in the period;
- **sales cycle to close**: the median days from the deal's opening to its win, over the deals won in the period
  (imported deals, such as the Maven data, have no cash: this is their cycle);
- **DSO**: ``receivables.reports.dso`` over the period, for the rep's invoices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import Case, Count, DecimalField, Exists, F, Min, OuterRef, Subquery, Sum, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from activities.models import ACTIVITY_VISIBILITY, Activity
from insights.funnel import CASH, WON, FunnelRow, _cash, _deals, _row, stage_figures, won_at, won_condition
from insights.scope import DaysBetweenDates, DaysBetweenTimes, LocalDate, Percentile, Scope, round_days, share
from insights.stages import grouping_sets
from ltc.access import visible
from opportunities.models import Category, Opportunity, Product, Quote, QuoteLine
from org.models import User
from receivables import reports
from receivables.models import ZERO, Allocation, Invoice
from receivables.selectors import invoice_list_visible_to

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=18, decimal_places=2)


@dataclass(frozen=True)
class RepRow:
    id: int | None
    name: str
    funnel: FunnelRow | None
    won: int = 0
    lost: int = 0
    won_amount: Decimal = ZERO
    activities: int = 0
    activities_per_week: float | None = None
    cycle_to_cash: float | None = None
    cycle_to_close: float | None = None
    dso: Decimal | None = None

    @property
    def win_rate(self) -> float | None:
        return share(self.won, self.won + self.lost)

    @property
    def average_deal(self) -> Decimal | None:
        if not self.won:
            return None
        return (self.won_amount / self.won).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ProductRow:
    name: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class RepPerformance:
    scope: Scope
    total: RepRow
    reps: list[RepRow]
    products: list[ProductRow] = field(default_factory=list)
    months: list[date] = field(default_factory=list)
    # per rep (None: the whole) and month: (won, lost) — the win rate's trend month over month
    trend: dict[int | None, dict[date, tuple[int, int]]] = field(default_factory=dict)


def _won(scope: Scope) -> Any:
    return _deals(scope).filter(won_condition()).annotate(won_at=won_at()).filter(scope.in_period("won_at"))


def _closed(scope: Scope) -> tuple[dict[Any, dict[str, Any]], dict[int | None, dict[date, tuple[int, int]]]]:
    """Won and lost in the period, the won amount (in the currency) and the median cycle to close, per owner and
    for the whole (key ``_WHOLE``); and won and lost per owner and month (of the win, of the loss) — the win rate's
    trend. Two queries (one per outcome, its groupings at once)."""
    won = _won(scope).annotate(
        v_amount=Case(When(currency=scope.currency, then=F("amount")), output_field=MONEY),
        v_cycle=DaysBetweenTimes(F("won_at"), F("created_at")),
    )
    lost = _deals(scope).filter(stage__category=Category.LOST).filter(scope.in_period("closed_at"))
    sets = [("g_owner",), (), ("g_owner", "g_month")]
    out: dict[Any, dict[str, Any]] = {}
    months: dict[int | None, dict[date, list[int]]] = {}
    for position, qs, moment, figures in (
        (0, won, "won_at", {"n": "COUNT(*)", "a": "SUM(v_amount)", "cycle": _MEDIAN_CYCLE}),
        (1, lost, "closed_at", {"n": "COUNT(*)"}),
    ):
        columns = {"g_owner": F("owner_id"), "g_month": TruncMonth(moment)}
        if position == 0:
            columns.update(v_amount=F("v_amount"), v_cycle=F("v_cycle"))
        for n, row in grouping_sets(qs, columns, sets, figures):
            if n == 2:
                month = row["g_month"].date() if hasattr(row["g_month"], "date") else row["g_month"]
                for key in (row["g_owner"], None):
                    months.setdefault(key, {}).setdefault(month, [0, 0])[position] += row["n"]
                continue
            entry = out.setdefault(row["g_owner"] if n == 0 else _WHOLE, {})
            if position == 0:
                entry.update(won=row["n"], amount=ZERO if row["a"] is None else row["a"], cycle=row["cycle"])
            else:
                entry["lost"] = row["n"]
    trend = {k: {m: (v[0], v[1]) for m, v in by_month.items()} for k, by_month in months.items()}
    return out, trend


_WHOLE = object()  # the whole's key among the owners' (an owner's key may be None)
_MEDIAN_CYCLE = "percentile_cont(0.5) WITHIN GROUP (ORDER BY v_cycle)"


def _rows(qs: Any, group: str | None, figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures per ``group`` (a path), or one row for the whole with key None."""
    if group is None:
        return [{"k": None, **qs.aggregate(**figures)}]
    return [dict(r) for r in qs.values(k=F(group)).annotate(**figures).order_by()]


def _activities(scope: Scope, group: str | None) -> dict[Any, int]:
    """Activities done in the period by the people whose figures these are (their own, as assignees)."""
    qs = visible(Activity.objects.filter(done_at__isnull=False), scope.user, ACTIVITY_VISIBILITY).filter(
        scope.in_period("done_at")
    )
    if scope.owner:
        qs = qs.filter(assignee_id=scope.owner)
    if scope.team_ids:
        qs = qs.filter(assignee_id__in=sorted(scope.member_ids))
    return {row["k"]: row["n"] for row in _rows(qs, "assignee_id" if group else None, {"n": Count("pk")})}


def _cycle_to_cash(scope: Scope, group: str | None) -> dict[Any, float | None]:
    """Median days from the chain's start to the first money on the contract, for contracts first paid in the
    period, per contract owner."""
    invoices = scope.narrow(
        invoice_list_visible_to(user=scope.user).filter(kind=Invoice.Kind.INVOICE, contract__isnull=False),
        owner="owner_id",
        team="team_id",
        origin="contract__opportunity",
    )
    firsts = (
        Allocation.objects.filter(invoice__in=invoices.values("pk"), amount__gt=0, reversal__isnull=True)
        .values("invoice__contract_id")
        .annotate(first=Min("payment__received_on"))
        .order_by()
    )
    from contracts.models import Contract

    contracts = (
        Contract.objects.filter(pk__in=[r["invoice__contract_id"] for r in firsts])
        .annotate(
            first_cash=Subquery(
                Allocation.objects.filter(invoice__contract_id=OuterRef("pk"), amount__gt=0, reversal__isnull=True)
                .order_by("payment__received_on")
                .values("payment__received_on")[:1]
            ),
            started=LocalDate(Coalesce(F("opportunity__source_lead__created_at"), F("opportunity__created_at"))),
        )
        .filter(scope.on_days("first_cash"))
    )
    figures = {"cycle": Percentile(DaysBetweenDates(F("first_cash"), F("started")), 0.5)}
    return {row["k"]: row["cycle"] for row in _rows(contracts, "owner_id" if group else None, figures)}


def won_by_product(scope: Scope) -> list[ProductRow]:
    """The value won in the period per product: the lines of the accepted quotes (their net amounts), and for a
    deal without quote lines (an imported one) its amount under the product its name ends with
    (``<account> · <product>``, as the importer names deals). In the chosen currency."""
    won = _won(scope).filter(currency=scope.currency)
    lines = (
        QuoteLine.objects.filter(
            quote__status=Quote.Status.ACCEPTED, quote__opportunity__in=won.values("pk"), product__isnull=False
        )
        .values(name=F("product__name"))
        .annotate(n=Count("quote__opportunity_id", distinct=True), a=Sum("net"))
        .order_by()
    )
    out: dict[str, list[Any]] = {}
    for row in cast(Iterable[dict[str, Any]], lines):
        out[row["name"]] = [row["n"], row["a"]]
    with_lines = QuoteLine.objects.filter(quote__status=Quote.Status.ACCEPTED, quote__opportunity_id=OuterRef("pk"))
    # joins, not a lookup per deal: a product's name equal to the name's suffix is that suffix
    named = (
        won.filter(~Exists(with_lines))
        .filter(name__contains=" · ")
        .annotate(product=_name_suffix())
        .filter(Exists(Product.objects.filter(name=OuterRef("product"))))
        .values("product")
        .annotate(n=Count("pk"), a=Sum("amount"))
        .order_by()
    )
    for row in cast(Iterable[dict[str, Any]], named):
        entry = out.setdefault(row["product"], [0, ZERO])
        entry[0] += row["n"]
        entry[1] += row["a"]
    return sorted((ProductRow(k, v[0], v[1]) for k, v in out.items()), key=lambda r: (-r.amount, r.name))


def _name_suffix() -> Any:
    from django.db.models import CharField, Func

    # the part of the deal's name after its last " · "
    return Func(
        F("name"),
        function="regexp_replace",
        template="regexp_replace(%(expressions)s, '^.* · ', '')",
        output_field=CharField(),
    )


def _funnel_total(scope: Scope, per_rep: dict[str, dict[Any, tuple[int, Any]]]) -> FunnelRow:
    """The funnel of the whole, as ``funnel`` has it: each stage's count and amount summed over the reps (and
    no rep), but cash on its own (a contract paid on invoices of two reps counts once)."""
    whole: dict[str, dict[Any, tuple[int, Any]]] = {}
    for stage, figures in per_rep.items():
        if stage == CASH:
            continue
        amounts = [a for _n, a in figures.values() if a is not None]
        whole[stage] = {None: (sum(n for n, _a in figures.values()), sum(amounts, ZERO) if amounts else None)}
    whole[CASH] = _cash(scope, None)
    return _row(None, _("Total"), whole)


def rep_performance(scope: Scope) -> RepPerformance:
    """Every rep with figures in the period (in what the reader sees, narrowed by the filters), and the total.
    A bounded number of queries whatever the number of reps."""
    per_rep = stage_figures(scope, "owner")
    closed, trend = _closed(scope)
    closed_total = closed.pop(_WHOLE, {})
    acts = _activities(scope, "owner")
    acts_total = sum(acts.values())
    cash_cycle = _cycle_to_cash(scope, "owner")
    cash_total = _cycle_to_cash(scope, None).get(None)
    dso = reports.dso(scope.user, scope.start, scope.end, scope.team, scope.owner, currency=scope.currency)
    dso_by_rep = {row.key: row.dso for row in dso.reps}
    weeks = scope.days / 7.0
    funnel_ids = {k for figures in per_rep.values() for k in figures}
    ids = {k for k in [*funnel_ids, *closed, *acts, *cash_cycle, *dso_by_rep] if k is not None}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    funnels = {k: _row(k, names.get(k, _("Unassigned")), per_rep) for k in funnel_ids if k is not None}

    def row(key: Any, name: str, f: FunnelRow | None, c: dict[str, Any], n: int, cash: Any, d: Any) -> RepRow:
        return RepRow(
            id=key,
            name=name,
            funnel=f,
            won=c.get("won", 0),
            lost=c.get("lost", 0),
            won_amount=c.get("amount", ZERO),
            activities=n,
            activities_per_week=round(n / weeks, 1) if weeks else None,
            cycle_to_cash=round_days(cash),
            cycle_to_close=round_days(c.get("cycle")),
            dso=d,
        )

    reps = [
        row(
            k, names.get(k, ""), funnels.get(k), closed.get(k, {}), acts.get(k, 0), cash_cycle.get(k), dso_by_rep.get(k)
        )
        for k in ids
    ]
    reps.sort(key=lambda r: (r.name, r.id or 0))
    total = row(
        None, str(_("Total")), _funnel_total(scope, per_rep), closed_total, acts_total, cash_total, dso.company.dso
    )
    from insights.forms import month_starts

    return RepPerformance(
        scope=scope,
        total=total,
        reps=reps,
        products=won_by_product(scope),
        months=month_starts(scope.start, scope.end),
        trend=trend,
    )


__all__ = ["MONEY", "WON", "Opportunity", "ProductRow", "RepPerformance", "RepRow", "rep_performance", "won_by_product"]
