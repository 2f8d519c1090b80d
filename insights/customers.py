"""Receivables and customer value (回款与客户价值), over what the reader sees, narrowed to a team or a rep.

Receivables reuse ``receivables.reports`` (the same figures as the finance pages):

- **aging** (账龄) of the open balance at the period's last day (today if the period ends later), by days past due;
- **DSO** over the period (``receivables.reports.dso``, its formula said on the page);
- **overdue by owner**: the invoices past due with a balance at that day, per owner, with the oldest due date;
- **collections**: the money allocated to invoices, dated by the day it arrived (``payment.received_on``), month by
  month, net of reversals.

Customer value:

- **lifetime value** (客户终身价值) of an account: the cash collected on its invoices up to the period's last day;
  the top accounts with their cumulative cash month by month;
- **new and repeat customers**: of the accounts with cash in the period, *new* are those whose first money ever
  (on the invoices the reader sees) arrived in the period, *repeat* those who had paid before it.

Amounts are in the chosen currency (invoices in other currencies are left out: no rates are kept). The team and
rep filters narrow as the receivables pages do (an invoice's contract team, else its owner's home team; the
invoice's owner); the channel, campaign, grade and segment filters do not apply to these figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from insights.forms import month_starts
from insights.scope import Scope
from org.models import User
from receivables import reports
from receivables.models import ZERO, Allocation, Invoice

TOP_ACCOUNTS = 10
OVERDUE_SHOWN = 20


def as_of_day(scope: Scope) -> date:
    """The day balances are read at: the period's last day, or today when the period ends later."""
    return min(scope.end, timezone.localdate())


def invoices_of(scope: Scope) -> QuerySet[Invoice]:
    """The receivable invoices the reader sees in the currency, narrowed to the team or rep asked for."""
    return reports.receivables_visible_to(user=scope.user, currency=scope.currency, team=scope.team, owner=scope.owner)


def allocations_of(scope: Scope) -> QuerySet[Allocation]:
    """The allocations (and their reversals) to those invoices, whenever the money arrived."""
    return Allocation.objects.filter(invoice__in=invoices_of(scope).values("pk")).order_by()


# --- receivables --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueOwner:
    id: int
    name: str
    count: int
    amount: Decimal
    oldest_due: date
    days: int  # days the oldest is overdue


@dataclass(frozen=True)
class OverdueLine:
    id: int
    number: str
    account: str
    owner: str
    due_on: date
    days: int
    open: Decimal
    url: str


@dataclass(frozen=True)
class Month:
    month: date
    amount: Decimal
    payments: int


@dataclass(frozen=True)
class ReceivablesSummary:
    scope: Scope
    as_of: date
    aging: reports.Aging
    dso: reports.Dso
    overdue: list[OverdueOwner]
    overdue_lines: list[OverdueLine]
    overdue_count: int
    overdue_amount: Decimal
    collections: list[Month]

    @property
    def collected(self) -> Decimal:
        return sum((m.amount for m in self.collections), ZERO)


def overdue_of(scope: Scope, as_of: date) -> tuple[list[OverdueOwner], list[OverdueLine]]:
    """Invoices past due with a balance at the end of ``as_of``: per owner (by name) and the longest overdue
    first (at most OVERDUE_SHOWN). Three queries."""
    late = (
        invoices_of(scope)
        .filter(issued_on__lte=as_of, due_on__lt=as_of)
        .annotate(open=reports.open_as_of(as_of))
        .filter(open__gt=0)
    )
    rows = cast(
        Iterable[dict[str, Any]],
        late.values("owner_id").annotate(n=Count("pk"), a=Sum("open"), oldest=Min("due_on")).order_by(),
    )
    lines = list(
        late.values("pk", "number", "account__name", "owner_id", "due_on", "open").order_by("due_on", "pk")[
            :OVERDUE_SHOWN
        ]
    )
    rows = list(rows)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={r["owner_id"] for r in rows})}
    owners = sorted(
        (
            OverdueOwner(
                r["owner_id"], names.get(r["owner_id"], ""), r["n"], r["a"], r["oldest"], (as_of - r["oldest"]).days
            )
            for r in rows
        ),
        key=lambda o: (-o.amount, o.name, o.id),
    )
    out = [
        OverdueLine(
            r["pk"],
            str(r["number"]),
            r["account__name"],
            names.get(r["owner_id"], ""),
            cast(date, r["due_on"]),
            (as_of - cast(date, r["due_on"])).days,
            r["open"],
            Invoice(pk=r["pk"]).get_absolute_url(),
        )
        for r in lines
    ]
    return owners, out


def collections_of(scope: Scope) -> list[Month]:
    """Cash received in the period, month by month (every month of the period, zero where nothing came). One
    query."""
    rows = cast(
        Iterable[dict[str, Any]],
        allocations_of(scope)
        .filter(scope.on_days("payment__received_on"))
        .values(m=TruncMonth("payment__received_on"))
        .annotate(a=Sum("amount"), n=Count("payment_id", distinct=True))
        .order_by(),
    )
    found = {(r["m"].date() if hasattr(r["m"], "date") else r["m"]): r for r in rows}
    return [
        Month(m, found.get(m, {}).get("a") or ZERO, found.get(m, {}).get("n", 0))
        for m in month_starts(scope.start, scope.end)
    ]


def receivables_summary(scope: Scope) -> ReceivablesSummary:
    """Aging and DSO (``receivables.reports``), overdue by owner and collections month by month."""
    as_of = as_of_day(scope)
    owners, lines = overdue_of(scope, as_of)
    return ReceivablesSummary(
        scope=scope,
        as_of=as_of,
        aging=reports.aging(scope.user, as_of, scope.team, scope.owner, currency=scope.currency),
        dso=reports.dso(scope.user, scope.start, scope.end, scope.team, scope.owner, currency=scope.currency),
        overdue=owners,
        overdue_lines=lines,
        overdue_count=sum(o.count for o in owners),
        overdue_amount=sum((o.amount for o in owners), ZERO),
        collections=collections_of(scope),
    )


# --- customer value -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountValue:
    id: int
    name: str
    lifetime: Decimal  # cash collected up to the period's last day
    in_period: Decimal
    first_cash: date | None
    cumulative: list[Decimal] = field(default_factory=list)  # at each month's end (capped at the period's end)


@dataclass(frozen=True)
class CustomerValue:
    scope: Scope
    months: list[date]
    accounts: int  # accounts with cash collected up to the period's end
    lifetime: Decimal
    top: list[AccountValue]
    new: int
    new_amount: Decimal
    repeat: int
    repeat_amount: Decimal

    @property
    def average(self) -> Decimal | None:
        if not self.accounts:
            return None
        return (self.lifetime / self.accounts).quantize(Decimal("0.01"))


def customer_value(scope: Scope) -> CustomerValue:
    """Cash per account up to the period's end, the top accounts' cumulative cash month by month, and the new and
    repeat customers of the period. Three queries."""
    until = scope.end
    per_account = cast(
        Iterable[dict[str, Any]],
        allocations_of(scope)
        .filter(payment__received_on__lte=until)
        .values(k=F("invoice__account_id"), name=F("invoice__account__name"))
        .annotate(
            life=Sum("amount"),
            period=Sum("amount", filter=scope.on_days("payment__received_on")),
            first=Min("payment__received_on", filter=Q(amount__gt=0, reversal__isnull=True)),
        )
        .order_by(),
    )
    rows = [r for r in per_account if (r["life"] or ZERO) > 0 or (r["period"] or ZERO) != 0]
    new = [r for r in rows if (r["period"] or ZERO) > 0 and r["first"] is not None and r["first"] >= scope.start]
    repeat = [r for r in rows if (r["period"] or ZERO) > 0 and r["first"] is not None and r["first"] < scope.start]
    ranked = sorted((r for r in rows if (r["life"] or ZERO) > 0), key=lambda r: (-r["life"], r["name"], r["k"]))
    top_rows = ranked[:TOP_ACCOUNTS]
    months = month_starts(scope.start, scope.end)
    monthly: dict[int, dict[date, Decimal]] = {}
    before: dict[int, Decimal] = {}
    if top_rows:
        ids = [r["k"] for r in top_rows]
        by_month = cast(
            Iterable[dict[str, Any]],
            allocations_of(scope)
            .filter(invoice__account_id__in=ids, payment__received_on__lte=until)
            .values(k=F("invoice__account_id"), m=TruncMonth("payment__received_on"))
            .annotate(a=Sum("amount"))
            .order_by(),
        )
        for r in by_month:
            m = r["m"].date() if hasattr(r["m"], "date") else r["m"]
            if m < months[0]:
                before[r["k"]] = before.get(r["k"], ZERO) + r["a"]
            else:
                monthly.setdefault(r["k"], {})[m] = r["a"]
    top = []
    for r in top_rows:
        running, cumulative = before.get(r["k"], ZERO), []
        for m in months:
            running += monthly.get(r["k"], {}).get(m, ZERO)
            cumulative.append(running)
        top.append(AccountValue(r["k"], r["name"], r["life"], r["period"] or ZERO, r["first"], cumulative))
    return CustomerValue(
        scope=scope,
        months=months,
        accounts=len(ranked),
        lifetime=sum((r["life"] for r in ranked), ZERO),
        top=top,
        new=len(new),
        new_amount=sum((r["period"] for r in new), ZERO),
        repeat=len(repeat),
        repeat_amount=sum((r["period"] for r in repeat), ZERO),
    )


# --- as plain rows: the charts, the exports and the API -----------------------------------------------------------


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def receivables_data(result: ReceivablesSummary) -> dict[str, Any]:
    scope = result.scope
    dso = result.dso
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "as_of": result.as_of.isoformat(),
        "currency": scope.currency,
        "aging": [
            {"key": b.key, "label": str(b.label), "count": b.count, "amount": _money(b.amount)}
            for b in result.aging.buckets
        ],
        "open": {"count": result.aging.count, "amount": _money(result.aging.amount)},
        "dso": {
            "formula": str(dso.formula),
            "days": dso.days,
            "receivables": _money(dso.company.receivables),
            "credit_sales": _money(dso.company.credit_sales),
            "dso_days": None if dso.company.dso is None else f"{dso.company.dso:.1f}",
            "reps": [
                {"id": r.key, "name": str(r.label), "dso_days": None if r.dso is None else f"{r.dso:.1f}"}
                for r in dso.reps
            ],
        },
        "overdue": {
            "count": result.overdue_count,
            "amount": _money(result.overdue_amount),
            "owners": [
                {
                    "id": o.id,
                    "name": o.name,
                    "count": o.count,
                    "amount": _money(o.amount),
                    "oldest_due": o.oldest_due.isoformat(),
                    "days": o.days,
                }
                for o in result.overdue
            ],
            "invoices": [
                {
                    "id": i.id,
                    "number": i.number,
                    "account": i.account,
                    "owner": i.owner,
                    "due_on": i.due_on.isoformat(),
                    "days": i.days,
                    "open": _money(i.open),
                    "url": i.url,
                }
                for i in result.overdue_lines
            ],
        },
        "collections": [
            {"month": m.month.isoformat()[:7], "amount": _money(m.amount), "payments": m.payments}
            for m in result.collections
        ],
        "collected": _money(result.collected),
    }


def customers_data(result: CustomerValue) -> dict[str, Any]:
    scope = result.scope
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "currency": scope.currency,
        "months": [m.isoformat()[:7] for m in result.months],
        "accounts": result.accounts,
        "lifetime": _money(result.lifetime),
        "average": _money(result.average),
        "new": {"count": result.new, "amount": _money(result.new_amount)},
        "repeat": {"count": result.repeat, "amount": _money(result.repeat_amount)},
        "top": [
            {
                "id": a.id,
                "name": a.name,
                "lifetime": _money(a.lifetime),
                "in_period": _money(a.in_period),
                "first_cash": a.first_cash.isoformat() if a.first_cash else None,
                "cumulative": [_money(v) for v in a.cumulative],
            }
            for a in result.top
        ],
    }


def _amount(value: str | None) -> Any:
    return "" if value is None else Decimal(value)


def receivables_records(data: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """(section, name, count, amount) rows: the aging buckets, each owner's overdue, each month's collections."""
    out: list[tuple[str, str, Any, Any]] = [(_("Aging"), b["label"], b["count"], b["amount"]) for b in data["aging"]]
    out += [(_("Overdue"), o["name"], o["count"], o["amount"]) for o in data["overdue"]["owners"]]
    out += [(_("Collections"), m["month"], m["payments"], m["amount"]) for m in data["collections"]]
    out.append((_("DSO (days)"), _("Total"), "", data["dso"]["dso_days"]))
    return out


def receivables_columns() -> list[tuple[Any, Any]]:
    return [
        (_("Section"), lambda r: r[0]),
        (_("Name"), lambda r: r[1]),
        (_("Count"), lambda r: r[2]),
        (_("Amount"), lambda r: _amount(r[3])),
    ]


def customer_records(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data["top"])


def customer_columns(data: dict[str, Any]) -> list[tuple[Any, Any]]:
    def month(i: int) -> Any:
        return lambda r: _amount(r["cumulative"][i])

    return [
        (_("Customer"), lambda r: r["name"]),
        (_("Lifetime cash"), lambda r: _amount(r["lifetime"])),
        (_("Cash in the period"), lambda r: _amount(r["in_period"])),
        (_("First cash"), lambda r: r["first_cash"] or ""),
        *[(m, month(i)) for i, m in enumerate(data["months"])],
    ]
