"""The review pack (复盘): one page per team and period (a week, Monday to Sunday, or a calendar month) with

- **what moved**: deals that changed stage in the period, contracts signed in it, cash received in it;
- **what stalled**: open deals that have stood in their stage longer than that stage's 80th percentile (the stays
  that ended in the twelve months up to the period's end, ``insights.stages``), with owner and days;
- **the funnel** of the period (``insights.funnel``, read by activity);
- **targets vs bookings vs cash** (``insights.targets.attainment`` once targets exist; bookings and cash always);
- **overdue receivables** at the period's end (``insights.customers``).

The same figures make the page, its print and the Monday email (``review_text``). Everything is what the reader
(the manager, for the email) sees, narrowed to the team asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from insights.customers import OverdueLine, OverdueOwner, allocations_of, as_of_day, overdue_of
from insights.funnel import FunnelRow, _deals, funnel, signed_of
from insights.scope import ACTIVITY, Scope
from insights.stages import stage_times
from ltc.money import format_money
from opportunities.models import Category, StageChange
from org.models import Team
from receivables.models import ZERO

WEEK, MONTH = "week", "month"
SHOWN = 50  # rows of each list on the page and in the email
REFERENCE_DAYS = 365  # the stays that set a stage's 80th percentile: those that ended in the year up to the end


def review_period(period: str, start: date) -> tuple[date, date]:
    """The week (Monday to Sunday) or the calendar month containing ``start``."""
    if period == MONTH:
        first = start.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    monday = start - timedelta(days=start.weekday())
    return monday, monday + timedelta(days=6)


def previous_period(period: str, today: date) -> date:
    """The first day of the last full week or month before ``today`` (what a Monday review looks back on)."""
    if period == MONTH:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return today - timedelta(days=today.weekday() + 7)


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Move:
    deal_id: int
    deal: str
    owner: str
    from_stage: str
    to_stage: str
    at: datetime


@dataclass(frozen=True)
class Signed:
    id: int
    number: str
    account: str
    owner: str
    signed_on: date
    total: Decimal
    currency: str


@dataclass(frozen=True)
class Received:
    account: str
    amount: Decimal


@dataclass(frozen=True)
class Stalled:
    deal_id: int
    deal: str
    owner: str
    stage: str
    days: float
    p80: float


@dataclass
class ReviewPack:
    scope: Scope
    period: str
    team: str  # the team's name, or "" for everything the reader sees
    moves: list[Move]
    moves_count: int
    signed: list[Signed]
    bookings: Decimal  # contracts signed in the period, in the currency
    cash: list[Received]
    cash_total: Decimal
    stalled: list[Stalled]
    stalled_count: int
    funnel: FunnelRow
    targets: list[Any] | None  # insights.targets.AttainmentRow; None while targets do not exist
    as_of: date
    overdue: list[OverdueOwner]
    overdue_lines: list[OverdueLine]
    overdue_total: Decimal = ZERO
    p80: dict[str, float] = field(default_factory=dict)

    @property
    def has_targets(self) -> bool:
        return any(getattr(t, "target", None) is not None for t in self.targets or [])

    @property
    def overdue_context(self) -> dict[str, Any]:
        """The overdue figures in the shape the receivables tab shows them (days as ISO dates)."""
        lines = [{**i.__dict__, "due_on": i.due_on.isoformat()} for i in self.overdue_lines]
        return {"owners": self.overdue, "invoices": lines}

    @property
    def label(self) -> str:
        if self.period == MONTH:
            return self.scope.start.strftime("%Y-%m")
        return iso_week(self.scope.start)


def _moves(scope: Scope) -> tuple[list[Move], int]:
    changes = (
        StageChange.objects.filter(opportunity__in=_deals(scope).values("pk"))
        .filter(scope.in_period("at"))
        .select_related("opportunity__owner", "from_stage", "to_stage")
        .order_by("-at", "-pk")
    )
    count = changes.count()
    rows = [
        Move(
            c.opportunity_id,
            c.opportunity.name,
            str(c.opportunity.owner),
            str(c.from_stage) if c.from_stage else "",
            str(c.to_stage),
            c.at,
        )
        for c in changes[:SHOWN]
    ]
    return rows, count


def _signed(scope: Scope) -> tuple[list[Signed], Decimal]:
    contracts = signed_of(scope)
    bookings = contracts.filter(currency=scope.currency).aggregate(s=Sum("total"))["s"] or ZERO
    rows = [
        Signed(c.pk, c.number, c.account.name, str(c.owner), cast(date, c.signed_on), c.total, c.currency)
        for c in contracts.select_related("account", "owner").order_by("signed_on", "pk")[:SHOWN]
    ]
    return rows, bookings


def _cash(scope: Scope) -> tuple[list[Received], Decimal]:
    rows = cast(
        Iterable[dict[str, Any]],
        allocations_of(scope)
        .filter(scope.on_days("payment__received_on"))
        .values(name=F("invoice__account__name"))
        .annotate(a=Sum("amount"))
        .order_by(),
    )
    received = sorted((Received(r["name"], r["a"]) for r in rows if r["a"]), key=lambda r: (-r.amount, r.account))
    return received[:SHOWN], sum((r.amount for r in received), ZERO)


def stage_p80(scope: Scope) -> dict[int, float]:
    """Each deal stage's 80th percentile of days, over the stays that ended in the year up to the period's end."""
    reference = Scope.build(
        user=scope.user,
        start=scope.end - timedelta(days=REFERENCE_DAYS - 1),
        end=scope.end,
        team=scope.team,
        owner=scope.owner,
        currency=scope.currency,
    )
    out: dict[int, float] = {}
    for stage in stage_times(reference, breakdown=False).stages:
        if stage.key.startswith("stage_") and stage.total.p80 is not None:
            out[int(stage.key.removeprefix("stage_"))] = stage.total.p80
    return out


def _stalled(scope: Scope, p80: dict[int, float], moment: datetime) -> tuple[list[Stalled], int]:
    """Open deals in a stage longer than its 80th percentile at ``moment``, the longest first."""
    if not p80:
        return [], 0
    longer = Q()
    for stage_id, days in p80.items():
        longer |= Q(stage_id=stage_id, stage_entered_at__lt=moment - timedelta(days=days))
    deals = (
        _deals(scope)
        .filter(stage__category=Category.OPEN, stage_entered_at__isnull=False)
        .filter(longer)
        .select_related("owner", "stage")
        .order_by("stage_entered_at", "pk")
    )
    count = deals.count()
    rows = []
    for d in deals[:SHOWN]:
        assert d.stage_id is not None and d.stage_entered_at is not None
        days = round((moment - d.stage_entered_at).total_seconds() / 86400.0, 1)
        rows.append(Stalled(d.pk, d.name, str(d.owner), str(d.stage), days, p80[d.stage_id]))
    return rows, count


def _targets(scope: Scope) -> list[Any] | None:
    """The attainment rows of the period for the team asked for (and its people), or None while the targets
    module is not there."""
    try:
        targets = importlib.import_module("insights.targets")
    except ImportError:
        return None
    rows = targets.attainment(scope=scope, start=scope.start, end=scope.end)
    if scope.team:
        rows = [
            r
            for r in rows
            if (r.level == "team" and r.subject_id in scope.team_ids)
            or (r.level != "team" and r.subject_id in scope.member_ids)
        ]
    return list(rows)


def review_pack(scope: Scope, period: str) -> ReviewPack:
    """The pack of the scope's period (read by activity) for what the reader sees, narrowed to its team. A
    bounded number of queries whatever the number of deals."""
    if scope.mode != ACTIVITY:
        from dataclasses import replace

        scope = replace(scope, mode=ACTIVITY)
    moment = min(timezone.now(), scope.until)
    moves, moves_count = _moves(scope)
    signed, bookings = _signed(scope)
    cash, cash_total = _cash(scope)
    p80 = stage_p80(scope)
    stalled, stalled_count = _stalled(scope, p80, moment)
    as_of = as_of_day(scope)
    owners, lines = overdue_of(scope, as_of)
    team = Team.objects.filter(pk=scope.team).first() if scope.team else None
    return ReviewPack(
        scope=scope,
        period=period,
        team=str(team) if team else "",
        moves=moves,
        moves_count=moves_count,
        signed=signed,
        bookings=bookings,
        cash=cash,
        cash_total=cash_total,
        stalled=stalled,
        stalled_count=stalled_count,
        funnel=funnel(scope, breakdown=False).total,
        targets=_targets(scope),
        as_of=as_of,
        overdue=owners,
        overdue_lines=lines,
        overdue_total=sum((o.amount for o in owners), ZERO),
        p80={str(k): v for k, v in p80.items()},
    )


def review_text(pack: ReviewPack, *, link: str = "", title: bool = True) -> str:
    """The pack as plain text for the email, in the active language (without its first line, the title, when the
    message carries it)."""
    cur = pack.scope.currency
    money = lambda v: format_money(v, cur)  # noqa: E731
    lines = [
        _("Review pack %(period)s: %(team)s, %(start)s to %(end)s")
        % {
            "period": pack.label,
            "team": pack.team or _("all your teams"),
            "start": pack.scope.start.isoformat(),
            "end": pack.scope.end.isoformat(),
        },
        "",
        _("Funnel"),
    ]
    if not title:
        lines[0] = f"{pack.scope.start.isoformat()} – {pack.scope.end.isoformat()}"
    lines += [
        f"- {s.label}: {s.count}" + (f" ({s.conversion} %)" if s.conversion is not None else "")
        for s in pack.funnel.stages
    ]
    lines += ["", _("What moved")]
    lines.append(_("- Deals that changed stage: %(count)s") % {"count": pack.moves_count})
    lines.append(
        _("- Contracts signed: %(count)s, bookings %(amount)s")
        % {"count": len(pack.signed), "amount": money(pack.bookings)}
    )
    lines += [f"  {c.number} {c.account} ({c.owner}): {format_money(c.total, c.currency)}" for c in pack.signed]
    lines.append(_("- Cash received: %(amount)s") % {"amount": money(pack.cash_total)})
    lines += [f"  {r.account}: {money(r.amount)}" for r in pack.cash]
    lines += ["", _("What stalled (%(count)s)") % {"count": pack.stalled_count}]
    lines += [
        _("- %(deal)s (%(owner)s): %(stage)s for %(days)s days, 80th percentile %(p80)s")
        % {"deal": s.deal, "owner": s.owner, "stage": s.stage, "days": s.days, "p80": s.p80}
        for s in pack.stalled
    ] or [_("Nothing stalled.")]
    lines += ["", _("Targets, bookings and cash")]
    if pack.targets:
        for t in pack.targets:
            rate = f"{t.rate} %" if t.rate is not None else "—"
            target = money(t.target) if t.target is not None else "—"
            kind = _("Cash") if t.kind == "cash" else _("Bookings")
            lines.append(f"- {t.label} · {kind}: {money(t.actual)} / {target} ({rate})")
    if not pack.has_targets:
        lines.append(_("No targets set."))
    lines.append(
        _("Bookings %(bookings)s, cash %(cash)s") % {"bookings": money(pack.bookings), "cash": money(pack.cash_total)}
    )
    lines += [
        "",
        _("Overdue receivables on %(day)s: %(amount)s")
        % {"day": pack.as_of.isoformat(), "amount": money(pack.overdue_total)},
    ]
    lines += [
        _("- %(invoice)s %(customer)s (%(owner)s): %(amount)s, %(days)s days overdue")
        % {"invoice": i.number, "customer": i.account, "owner": i.owner, "amount": money(i.open), "days": i.days}
        for i in pack.overdue_lines
    ]
    if link:
        lines += ["", link]
    return "\n".join(str(line) for line in lines)
