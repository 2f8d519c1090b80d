"""Targets against what happened (目标达成率), and the forecast of the period, per rep and per team.

Definitions (said on the page and in the API):

- **cash** (attainment counts on cash, 业绩以回款为准): the money allocated to invoices of contracts the rep owns
  (for a team: contracts routed to the team or a team below it, or owned by one of its sellers), on the day the
  money was received (``Payment.received_on``) in the period, net of reversals (a reversal is dated like the
  payment it undoes);
- **bookings**: the totals of the contracts signed in the period (signed, completed or terminated since);
- **target**: the targets of the months and quarters lying wholly in the period; where a quarter has a target,
  its months' targets are not added to it;
- **gap**: target − actual (negative once the target is passed); **rate**: actual ÷ target, in %;
- **forecast from the pipeline**: Σ amount × the stage's probability of the open deals whose expected close date
  falls in the period;
- **forecast from the payment plans**: Σ (amount − received) of the installments of signed contracts due in the
  period and not yet received (not cancelled).

Everything counts only what the reader sees (the visibility layer), narrowed by the filters, in the scope's
currency; targets are kept in the default currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from contracts.models import Installment
from contracts.models import Status as ContractStatus
from contracts.selectors import contract_list_visible_to
from insights.funnel import SIGNED_STATUSES
from insights.models import PeriodKind, Target, TargetKind, period_end
from insights.scope import SELLING_ROLES, Scope, visible_people
from ltc.access import profile_for
from opportunities.models import Category
from opportunities.selectors import opportunity_list_visible_to
from org.models import Membership, Team, User
from receivables.models import ZERO, Allocation, Invoice
from receivables.selectors import invoice_list_visible_to

REP, TEAM = "rep", "team"
KINDS = ((TargetKind.CASH, _("Cash received")), (TargetKind.BOOKINGS, _("Bookings")))
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MONEY = DecimalField(max_digits=24, decimal_places=4)


@dataclass(frozen=True)
class AttainmentRow:
    level: str  # "team" or "rep"
    subject_id: int
    label: str
    kind: str  # TargetKind: "cash" or "bookings"
    target: Decimal | None  # None: no target set for the period
    actual: Decimal
    gap: Decimal | None  # target − actual; None without a target
    rate: Decimal | None  # actual ÷ target in %, one decimal; None without a target or with a target of zero
    forecast_pipeline: Decimal  # the subject's weighted open pipeline expected to close in the period
    forecast_installments: Decimal  # the subject's open installments due in the period


# --- who is counted where ---------------------------------------------------------------------------------------

Key = tuple[int | None, int | None]  # (owner id, team id) of a record


def _team_map(team_ids: Iterable[int]) -> dict[int, tuple[frozenset[int], frozenset[int]]]:
    """Per team: its subtree's ids and the sellers in them. Two queries whatever the number of teams."""
    parents = dict(Team.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in parents.items():
        children[parent].append(pk)
    members: dict[int, set[int]] = defaultdict(set)
    for team, user in Membership.objects.filter(role__in=SELLING_ROLES).values_list("team_id", "user_id"):
        members[team].add(user)
    out = {}
    for team in team_ids:
        subtree, stack = set(), [team]
        while stack:
            node = stack.pop()
            if node not in subtree:
                subtree.add(node)
                stack.extend(children.get(node, []))
        sellers = set().union(*(members[t] for t in subtree)) if subtree else set()
        out[team] = (frozenset(subtree), frozenset(sellers))
    return out


def _subjects(scope: Scope) -> tuple[list[int], list[int]]:
    """The people and the teams whose rows the reader may see, narrowed by the filters: for a rep, themselves and
    no team (a team's figures are not theirs to see); for a manager, the people and teams they manage; for an
    administrator, everyone."""
    profile = profile_for(scope.user)
    if profile is None:
        return [], []
    people = [p.pk for p in visible_people(scope.user)]
    teams = list(Team.objects.values_list("pk", flat=True)) if profile.sees_all else sorted(profile.managed_team_ids)
    if scope.owner:
        return [p for p in people if p == scope.owner], []
    if scope.team_ids:
        people = [p for p in people if p in scope.member_ids]
        teams = [t for t in teams if t in scope.team_ids]
    return people, teams


# --- the figures per (owner, team) --------------------------------------------------------------------------------


def _sums(qs: QuerySet[Any], owner: str, team: str, amount: Any) -> dict[Key, Decimal]:
    rows = cast(Iterable[dict[str, Any]], qs.values(o=F(owner), t=F(team)).annotate(s=Sum(amount)).order_by())
    return {(r["o"], r["t"]): r["s"] or ZERO for r in rows}


def cash_received(scope: Scope) -> QuerySet[Allocation]:
    """Allocations (and their reversals) to invoices of contracts the reader sees, received in the period, in the
    scope's currency."""
    invoices = scope.narrow(
        invoice_list_visible_to(user=scope.user).filter(
            kind=Invoice.Kind.INVOICE, contract__isnull=False, currency=scope.currency
        ),
        owner="contract__owner_id",
        team="contract__team_id",
        origin="contract__opportunity",
    )
    return Allocation.objects.filter(invoice__in=invoices.values("pk")).filter(scope.on_days("payment__received_on"))


def _cash(scope: Scope) -> dict[Key, Decimal]:
    return _sums(cash_received(scope), "invoice__contract__owner_id", "invoice__contract__team_id", "amount")


def _contracts(scope: Scope) -> QuerySet[Any]:
    return scope.narrow(
        contract_list_visible_to(user=scope.user).filter(currency=scope.currency),
        owner="owner_id",
        team="team_id",
        origin="opportunity",
    ).order_by()


def _bookings(scope: Scope) -> dict[Key, Decimal]:
    signed = _contracts(scope).filter(status__in=SIGNED_STATUSES, signed_on__isnull=False)
    return _sums(signed.filter(scope.on_days("signed_on")), "owner_id", "team_id", "total")


def _pipeline(scope: Scope) -> dict[Key, Decimal]:
    deals = scope.narrow(
        opportunity_list_visible_to(user=scope.user), owner="owner_id", team="team_id", origin=""
    ).filter(stage__category=Category.OPEN, currency=scope.currency, amount__isnull=False)
    weighted = ExpressionWrapper(F("amount") * F("stage__probability") / Decimal(100), output_field=MONEY)
    return _sums(deals.filter(scope.on_days("expected_close_date")).order_by(), "owner_id", "team_id", weighted)


def _installments(scope: Scope) -> dict[Key, Decimal]:
    contracts = _contracts(scope).filter(status=ContractStatus.SIGNED)
    open_ = ExpressionWrapper(F("amount") - F("received"), output_field=MONEY)
    qs = (
        Installment.objects.filter(contract__in=contracts.values("pk"), cancelled=False, received__lt=F("amount"))
        .filter(scope.on_days("due_on"))
        .order_by()
    )
    return _sums(qs, "contract__owner_id", "contract__team_id", open_)


def _targets(scope: Scope, people: list[int], teams: list[int]) -> dict[tuple[str, int, str], Decimal]:
    """Per (level, subject, kind): the targets of the periods lying wholly in the scope's; a quarter's target
    replaces its months'."""
    rows = Target.objects.filter(
        Q(user_id__in=people) | Q(team_id__in=teams),
        currency=scope.currency,
        period_start__gte=scope.start,
        period_start__lte=scope.end,
    ).values_list("user_id", "team_id", "period_kind", "period_start", "kind", "amount")
    quarters: set[tuple[str, int, str, date]] = set()
    kept = []
    for user, team, period_kind, start, kind, amount in rows:
        if period_end(period_kind, start) > scope.end:
            continue
        level, subject = (REP, user) if user else (TEAM, team)
        if period_kind == PeriodKind.QUARTER:
            quarters.add((level, subject, kind, start))
        kept.append((level, subject, kind, period_kind, start, amount))
    out: dict[tuple[str, int, str], Decimal] = defaultdict(lambda: ZERO)
    for level, subject, kind, period_kind, start, amount in kept:
        quarter = start.replace(month=(start.month - 1) // 3 * 3 + 1)
        if period_kind == PeriodKind.MONTH and (level, subject, kind, quarter) in quarters:
            continue
        out[(level, subject, kind)] += amount
    return dict(out)


def _for(figures: dict[Key, Decimal], level: str, subject: int, team_map: dict[int, Any]) -> Decimal:
    if level == REP:
        total = sum((v for (o, _t), v in figures.items() if o == subject), ZERO)
    else:
        subtree, sellers = team_map[subject]
        total = sum((v for (o, t), v in figures.items() if t in subtree or o in sellers), ZERO)
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(actual: Decimal, target: Decimal | None) -> Decimal | None:
    if not target:
        return None
    return (actual * 100 / target).quantize(TENTH, rounding=ROUND_HALF_UP)


def attainment(*, scope: Scope, start: date, end: date) -> list[AttainmentRow]:
    """Per team the reader manages (or every team, for an administrator) and per rep they see, the target, the
    actual (cash and bookings), the gap, the rate and the two forecasts of the period ``start``–``end`` (which
    replaces the scope's). A rep gets their own rows only. Rows with neither a target nor a figure are left out.
    A bounded number of queries whatever the number of people and teams."""
    from dataclasses import replace

    scope = replace(scope, start=start, end=end)
    people, teams = _subjects(scope)
    if not people and not teams:
        return []
    targets = _targets(scope, people, teams)
    actual = {TargetKind.CASH: _cash(scope), TargetKind.BOOKINGS: _bookings(scope)}
    pipeline, installments = _pipeline(scope), _installments(scope)
    team_map = _team_map(teams)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=people)}
    team_names = {t.pk: str(t) for t in Team.objects.filter(pk__in=teams)}
    rows: list[AttainmentRow] = []
    for level, subjects, labels in ((TEAM, teams, team_names), (REP, people, names)):
        # a team above others first (its subtree is larger), then by name
        def order(s: int, level: str = level, labels: dict[int, str] = labels) -> tuple[int, str, int]:
            return (-len(team_map[s][0]) if level == TEAM else 0, labels.get(s, ""), s)

        for subject in sorted(subjects, key=order):
            forecast_p = _for(pipeline, level, subject, team_map)
            forecast_i = _for(installments, level, subject, team_map)
            subject_rows = []
            for kind, _label in KINDS:
                target = targets.get((level, subject, kind))
                value = _for(actual[kind], level, subject, team_map)
                subject_rows.append(
                    AttainmentRow(
                        level=level,
                        subject_id=subject,
                        label=labels.get(subject, ""),
                        kind=str(kind),
                        target=target,
                        actual=value,
                        gap=None if target is None else target - value,
                        rate=rate(value, target),
                        forecast_pipeline=forecast_p,
                        forecast_installments=forecast_i,
                    )
                )
            if any(r.target is not None or r.actual for r in subject_rows) or forecast_p or forecast_i:
                rows.extend(subject_rows)
    return rows
