"""Receivables views (账龄, DSO, 逾期, 预计回款, 回款计划对比): read-only figures aggregated in SQL over the
visible querysets (``receivables.selectors``, ``contracts.selectors``), so that a rep's figures are their own,
a manager's their teams' and finance's the company's — the same rule as every list.

Money is Decimal end to end. Figures are in one currency at a time (``currency``, the default currency unless
asked): no rate table exists to add yuan to dollars, and a finance team reads each currency's ledger apart.

**The balance of an invoice as of a day** (``open_as_of``) is its total less the entries dated on or before that
day:

- an allocation (and its reversal) is dated by **its payment's ``received_on``** — the day the money arrived,
  not the day a clerk allocated it (``Allocation.at``). A reversal carries its original's payment, hence its
  date: a re-made allocation counts for the invoice it finally went to, and a bounced payment never counted.
  Dated this way, an original and its reversal are always in or out together, so no past balance is ever
  negative or more than the total, and the balance as of today equals the running sums on the invoice;
- a credit note by its ``issued_on`` (a void credit note takes nothing off);
- a write-off by the local day a finance manager approved it (``decided_at``); refused or pending ones by
  nothing.

An invoice counts from its ``issued_on``: one issued after the day is not in that day's figures; drafts and void
invoices never are, and credit notes are not receivables of their own (they reduce the invoice they correct).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Kind
from contracts.models import Contract, Installment
from contracts.models import Status as ContractStatus
from contracts.selectors import contract_get_for_user, contract_list_visible_to
from org.models import Membership, Role, Team, User
from org.selectors import team_subtree_ids
from receivables.models import ZERO, Allocation, Invoice, InvoiceStatus, WriteOff
from receivables.selectors import invoice_list_visible_to

MONEY = DecimalField(max_digits=18, decimal_places=2)

# The formula the DSO figures follow, written on the page and in the API.
DSO_FORMULA = _("DSO = receivables at period end ÷ credit sales in the period × days in the period")
DSO_PLACES = Decimal("0.1")

# The aging buckets, by days past due as of the day: (key, label, from day, to day); None is open-ended.
BUCKETS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("current", _("Current"), None, 0),
    ("1_30", _("1–30 days"), 1, 30),
    ("31_60", _("31–60 days"), 31, 60),
    ("61_90", _("61–90 days"), 61, 90),
    ("90_plus", _("Over 90 days"), 91, None),
)

# Expected cash, by days until due from today.
WINDOWS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("overdue", _("Overdue (already due)"), None, -1),
    ("0_30", _("Next 30 days"), 0, 30),
    ("31_60", _("In 31–60 days"), 31, 60),
    ("61_90", _("In 61–90 days"), 61, 90),
    ("later", _("Later than 90 days"), 91, None),
)
UNDATED = "undated"
UNDATED_LABEL = _("No due date yet (milestone not reached)")
# The cumulative horizons of the forecast (what falls due from today through today + N days) end with these.
HORIZON_WINDOWS = ("0_30", "31_60", "61_90")

# Invoices that are receivables at all: issued ones (of any status since), never drafts or void ones.
_NOT_RECEIVABLE = (InvoiceStatus.DRAFT, InvoiceStatus.VOID)
_SIGNED = (ContractStatus.SIGNED, ContractStatus.TERMINATED, ContractStatus.COMPLETED)


# --- the balance as of a day ------------------------------------------------------------------------------------


def _sum_of(queryset: QuerySet[Any], group: str, amount: str) -> Coalesce:
    """``Σ amount`` of the rows correlated with the outer invoice (0 without any), as a scalar subquery."""
    summed = queryset.order_by().values(group).annotate(s=Sum(amount)).values("s")
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def open_as_of(as_of: date) -> Any:
    """The expression of an invoice's open balance at the end of ``as_of`` (see the module's docstring for how
    each entry is dated)."""
    paid = _sum_of(
        Allocation.objects.filter(invoice=OuterRef("pk"), payment__received_on__lte=as_of), "invoice", "amount"
    )
    credited = _sum_of(
        Invoice.objects.filter(corrects=OuterRef("pk"), kind=Invoice.Kind.CREDIT_NOTE, issued_on__lte=as_of).exclude(
            status=InvoiceStatus.VOID
        ),
        "corrects",
        "total",
    )
    written_off = _sum_of(
        WriteOff.objects.filter(invoice=OuterRef("pk"), state=WriteOff.State.APPROVED, decided_at__date__lte=as_of),
        "invoice",
        "amount",
    )
    return F("total") - paid - credited - written_off


def receivables_visible_to(
    *,
    user: Any,
    currency: str | None = None,
    team: int | None = None,
    owner: int | None = None,
    account: int | None = None,
) -> QuerySet[Invoice]:
    """The invoices (not credit notes, drafts or void ones) the user may see, in one currency, narrowed by team
    (sub-teams included), owner and customer. A filter only ever narrows what the user sees."""
    invoices = (
        invoice_list_visible_to(user=user)
        .filter(kind=Invoice.Kind.INVOICE, currency=currency or settings.DEFAULT_CURRENCY)
        .exclude(status__in=_NOT_RECEIVABLE)
    )
    if team is not None:
        invoices = invoices.annotate(effective_team=_effective_team()).filter(
            effective_team__in=sorted(team_subtree_ids(team_ids=[team]))
        )
    if owner is not None:
        invoices = invoices.filter(owner_id=owner)
    if account is not None:
        invoices = invoices.filter(account_id=account)
    return invoices.order_by()


def _effective_team() -> Any:
    """The invoice's team: its contract's, else (an invoice without a contract has none) its owner's home team —
    the first team where they sell or manage, as ``org.selectors.home_team_id`` picks it."""
    home = Membership.objects.filter(user_id=OuterRef("owner_id"), role__in=[Role.REP, Role.MANAGER]).order_by("pk")
    return Coalesce(F("team_id"), Subquery(home.values("team_id")[:1]), output_field=BigIntegerField())


def _band(
    field_name: str, day: date, bands: Iterable[tuple[str, Any, int | None, int | None]], sign: int, default: str
) -> Case:
    """A CASE naming the band a date falls in. ``sign`` -1 counts days past ``day`` (aging: due 10 days ago is
    10), +1 days until it (expected cash: due in 10 days is 10). Compares dates, so that an index on the date
    serves; a missing date falls in ``default``."""
    whens = [When(**{f"{field_name}__isnull": True}, then=Value(default))]
    for key, _label, low, high in bands:
        condition = Q()
        if low is not None:
            edge = day + timedelta(days=sign * low)
            condition &= Q(**{f"{field_name}__{'lte' if sign < 0 else 'gte'}": edge})
        if high is not None:
            edge = day + timedelta(days=sign * high)
            condition &= Q(**{f"{field_name}__{'gte' if sign < 0 else 'lte'}": edge})
        whens.append(When(condition, then=Value(key)))
    return Case(*whens, default=Value(default), output_field=CharField())


# --- aging ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    key: str
    label: Any
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Aging:
    as_of: date
    currency: str
    buckets: list[Bucket]
    count: int
    amount: Decimal


def aging(
    user: Any,
    as_of: date,
    team: int | None = None,
    owner: int | None = None,
    account: int | None = None,
    *,
    currency: str | None = None,
) -> Aging:
    """The open balance as of the end of ``as_of`` by days past due — current (not yet due), 1–30, 31–60, 61–90
    and over 90 days — with the count of invoices and their amount, for what the user sees (the company for
    finance), narrowed to a team, an owner or a customer. One query."""
    currency = currency or settings.DEFAULT_CURRENCY
    rows = (
        receivables_visible_to(user=user, currency=currency, team=team, owner=owner, account=account)
        .filter(issued_on__lte=as_of)
        .annotate(open=open_as_of(as_of))
        .filter(open__gt=0)
        .values(bucket=_band("due_on", as_of, BUCKETS, sign=-1, default="current"))
        .annotate(count=Count("pk"), amount=Sum("open"))
        .order_by()
    )
    found: dict[str, dict[str, Any]] = {row["bucket"]: dict(row) for row in rows}
    buckets = [
        Bucket(key, label, found.get(key, {}).get("count", 0), found.get(key, {}).get("amount") or ZERO)
        for key, label, _low, _high in BUCKETS
    ]
    return Aging(
        as_of=as_of,
        currency=currency,
        buckets=buckets,
        count=sum(b.count for b in buckets),
        amount=sum((b.amount for b in buckets), ZERO),
    )


# --- DSO --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DsoRow:
    level: str  # "company", "team" or "rep"
    key: int | None
    label: Any  # a name, or a translatable word for the company's row
    receivables: Decimal
    credit_sales: Decimal
    dso: Decimal | None  # None when nothing was sold in the period: the ratio is undefined


@dataclass(frozen=True)
class Dso:
    period_start: date
    period_end: date
    days: int
    currency: str
    formula: Any
    company: DsoRow
    teams: list[DsoRow]
    reps: list[DsoRow]


def dso_value(receivables: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Receivables ÷ credit sales × days, to a tenth of a day (half up); None without sales."""
    if credit_sales <= 0:
        return None
    return (receivables * days / credit_sales).quantize(DSO_PLACES, rounding=ROUND_HALF_UP)


def dso(
    user: Any,
    period_start: date,
    period_end: date,
    team: int | None = None,
    owner: int | None = None,
    account: int | None = None,
    *,
    currency: str | None = None,
) -> Dso:
    """Days sales outstanding over ``period_start``..``period_end`` (both included): the open balance at the end
    of the last day ÷ the credit sales in the period (the totals of the invoices issued in it, tax included like
    the receivables) × the days in the period. For what the user sees as a whole (the company for finance), per
    team (an invoice's contract's team, else its owner's home team) and per rep (the invoice's owner); the
    company's figures are the sum of the reps' (every invoice has an owner). Two queries and the names."""
    if period_end < period_start:
        period_start, period_end = period_end, period_start
    currency = currency or settings.DEFAULT_CURRENCY
    days = (period_end - period_start).days + 1
    # every invoice issued by the period's end: its balance then (never negative: see the module's docstring),
    # and its total if it was issued in the period
    invoices = (
        receivables_visible_to(user=user, currency=currency, team=team, owner=owner, account=account)
        .filter(issued_on__lte=period_end)
        .annotate(open=open_as_of(period_end))
    )
    figures = {
        "receivables": Sum("open"),
        "credit_sales": Sum("total", filter=Q(issued_on__gte=period_start)),
    }

    def grouped(level: str, key: str) -> list[DsoRow]:
        qs = invoices
        if key == "effective_team" and key not in qs.query.annotations:
            qs = qs.annotate(effective_team=_effective_team())
        out = []
        for row in cast(Iterable[dict[str, Any]], qs.values(k=F(key)).annotate(**figures).order_by()):
            owed, sold = row["receivables"] or ZERO, row["credit_sales"] or ZERO
            if owed or sold:
                out.append(DsoRow(level, row["k"], "", owed, sold, dso_value(owed, sold, days)))
        return out

    team_rows = grouped("team", "effective_team")
    rep_rows = grouped("rep", "owner_id")
    owed = sum((r.receivables for r in rep_rows), ZERO)
    sold = sum((r.credit_sales for r in rep_rows), ZERO)
    company = DsoRow("company", None, _("Total"), owed, sold, dso_value(owed, sold, days))
    team_names = {t.pk: str(t) for t in Team.objects.filter(pk__in=[r.key for r in team_rows if r.key])}
    rep_names = _user_names(r.key for r in rep_rows)
    team_rows = sorted(
        (_renamed(r, team_names.get(r.key or 0, _("No team"))) for r in team_rows),
        key=lambda r: (str(r.label), r.key or 0),
    )
    rep_rows = sorted(
        (_renamed(r, rep_names.get(r.key or 0, "")) for r in rep_rows), key=lambda r: (r.label, r.key or 0)
    )
    return Dso(period_start, period_end, days, currency, DSO_FORMULA, company, team_rows, rep_rows)


def _renamed(row: DsoRow, label: Any) -> DsoRow:
    return DsoRow(row.level, row.key, label, row.receivables, row.credit_sales, row.dso)


def _user_names(ids: Iterable[int | None]) -> dict[int, str]:
    return {u.pk: str(u) for u in User.objects.filter(pk__in=[i for i in ids if i is not None])}


# --- the overdue list -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LastActivity:
    kind: str
    kind_label: Any  # translated when shown
    subject: str
    done_at: datetime
    by: str


@dataclass(frozen=True)
class OverdueInvoice:
    id: int
    number: str
    account_id: int
    account: str
    contract_id: int | None
    issued_on: date
    due_on: date
    days_overdue: int
    total: Decimal
    open: Decimal
    last_activity: LastActivity | None


@dataclass
class OwnerOverdue:
    owner_id: int
    owner: str
    count: int = 0
    amount: Decimal = ZERO
    invoices: list[OverdueInvoice] = field(default_factory=list)


@dataclass(frozen=True)
class Overdue:
    as_of: date
    currency: str
    owners: list[OwnerOverdue]
    count: int
    amount: Decimal


def overdue(user: Any, as_of: date, *, currency: str | None = None) -> Overdue:
    """The invoices past due with a balance at the end of ``as_of``, by owner (by name), the longest overdue
    first: days overdue, what is open, and the last collection activity done on the invoice (a call, a visit, a
    promise to pay…) by then. Two queries and the owners' names."""
    currency = currency or settings.DEFAULT_CURRENCY
    end_of_day = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    # The invoice's activities come with the invoice (activities.selectors: whoever sees the record sees its
    # activities); the last one done is found in the same query, for every invoice at once.
    last_done = Activity.objects.filter(
        target_type=ContentType.objects.get_for_model(Invoice),
        target_id=OuterRef("pk"),
        done_at__isnull=False,
        done_at__lt=end_of_day,
    ).order_by("-done_at", "-pk")
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in receivables_visible_to(user=user, currency=currency)
        .filter(issued_on__lte=as_of, due_on__lt=as_of)
        .annotate(open=open_as_of(as_of), last_activity_id=Subquery(last_done.values("pk")[:1]))
        .filter(open__gt=0)
        .values(
            "pk",
            "number",
            "account_id",
            "account__name",
            "contract_id",
            "issued_on",
            "due_on",
            "total",
            "open",
            "owner_id",
            "last_activity_id",
        )
        .order_by("due_on", "pk")
    ]
    activities = {
        a.pk: a
        for a in Activity.objects.filter(
            pk__in=[r["last_activity_id"] for r in rows if r["last_activity_id"]]
        ).select_related("assignee")
    }
    names = _user_names({r["owner_id"] for r in rows})
    owners: dict[int, OwnerOverdue] = {}
    for r in rows:
        activity = activities.get(r["last_activity_id"])
        last = None
        if activity is not None and activity.done_at is not None:
            last = LastActivity(
                activity.kind, Kind(activity.kind).label, activity.subject, activity.done_at,
                str(activity.assignee),
            )  # fmt: skip
        line = OverdueInvoice(
            r["pk"], r["number"], r["account_id"], r["account__name"], r["contract_id"], r["issued_on"], r["due_on"],
            (as_of - cast(date, r["due_on"])).days, r["total"], r["open"], last,
        )  # fmt: skip
        group = owners.setdefault(r["owner_id"], OwnerOverdue(r["owner_id"], names.get(r["owner_id"], "")))
        group.invoices.append(line)
        group.count += 1
        group.amount += r["open"]
    ordered = sorted(owners.values(), key=lambda o: (o.owner, o.owner_id))
    return Overdue(
        as_of=as_of,
        currency=currency,
        owners=ordered,
        count=sum(o.count for o in ordered),
        amount=sum((o.amount for o in ordered), ZERO),
    )


# --- expected cash ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    key: str
    label: Any
    invoices: Decimal
    installments: Decimal
    invoice_count: int
    installment_count: int

    @property
    def amount(self) -> Decimal:
        return self.invoices + self.installments


@dataclass(frozen=True)
class Horizon:
    days: int
    until: date
    amount: Decimal


@dataclass(frozen=True)
class ExpectedCash:
    today: date
    currency: str
    windows: list[Window]
    horizons: list[Horizon]


def _invoiced_of_installment() -> Coalesce:
    """What of the outer installment is invoiced: its issued invoices' totals less what credit notes took back (a
    credited amount can be invoiced again, as ``receivables.services`` allows). Read from the invoices
    themselves, not the reader's view of them: it is a figure of an installment the reader sees through its
    contract, and must not grow if an invoice's people differ from the contract's."""
    issued = Invoice.objects.filter(installment=OuterRef("pk"), kind=Invoice.Kind.INVOICE).exclude(
        status__in=_NOT_RECEIVABLE
    )
    net = issued.order_by().values("installment").annotate(s=Sum(F("total") - F("credited"))).values("s")
    return Coalesce(Subquery(net, output_field=MONEY), Value(ZERO), output_field=MONEY)


def expected_cash(user: Any, today: date, *, currency: str | None = None) -> ExpectedCash:
    """The cash to come, by when it falls due: the open invoices by their due date, plus the parts of the open
    installments of signed contracts that are not invoiced yet (not cancelled; the amount less what is invoiced)
    by their due date, or "no due date yet" while their milestone is not reached. Overdue is shown apart (it is
    expected but late); the horizons add up what falls due from today through today + 30, 60 and 90 days.
    Two queries."""
    currency = currency or settings.DEFAULT_CURRENCY
    invoices = (
        receivables_visible_to(user=user, currency=currency)
        .filter(status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID))
        .annotate(open=F("total") - F("allocated") - F("credited") - F("written_off"))
        .filter(open__gt=0)
        .values(band=_band("due_on", today, WINDOWS, sign=1, default=UNDATED))
        .annotate(count=Count("pk"), amount=Sum("open"))
        .order_by()
    )
    contracts = contract_list_visible_to(user=user).filter(status__in=_SIGNED, currency=currency)
    installments = (
        Installment.objects.filter(cancelled=False)
        .filter(Exists(contracts.filter(pk=OuterRef("contract_id"))))
        .annotate(left=F("amount") - _invoiced_of_installment())
        .filter(left__gt=0)
        .values(band=_band("due_on", today, WINDOWS, sign=1, default=UNDATED))
        .annotate(count=Count("pk"), amount=Sum("left"))
        .order_by()
    )
    by_invoice: dict[str, dict[str, Any]] = {row["band"]: dict(row) for row in invoices}
    by_installment: dict[str, dict[str, Any]] = {row["band"]: dict(row) for row in installments}
    windows = []
    for key, label in [(k, lbl) for k, lbl, _a, _b in WINDOWS] + [(UNDATED, UNDATED_LABEL)]:
        i: dict[str, Any] = by_invoice.get(key, {})
        p: dict[str, Any] = by_installment.get(key, {})
        windows.append(
            Window(key, label, i.get("amount") or ZERO, p.get("amount") or ZERO, i.get("count", 0), p.get("count", 0))
        )
    amounts = {w.key: w.amount for w in windows}
    horizons, running = [], ZERO
    for key, _label, _low, high in WINDOWS:
        if key in HORIZON_WINDOWS and high is not None:
            running += amounts[key]
            horizons.append(Horizon(high, today + timedelta(days=high), running))
    return ExpectedCash(today=today, currency=currency, windows=windows, horizons=horizons)


# --- plan against actual ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    received_on: date
    amount: Decimal


@dataclass(frozen=True)
class PlanLine:
    installment_id: int
    label: str
    milestone: str
    due_on: date | None
    expected: Decimal
    received: Decimal
    arrivals: list[Arrival]
    settled_on: date | None
    cancelled: bool
    days_late: int | None  # settled after the due date, or open past it (as of today); None otherwise


@dataclass(frozen=True)
class PlanVsActual:
    contract_id: int
    currency: str
    today: date
    lines: list[PlanLine]
    expected: Decimal
    received: Decimal


def plan_vs_actual(user: Any, contract: Contract, *, today: date | None = None) -> PlanVsActual:
    """Each installment of the payment plan — what it expected and when — against what arrived for it and when
    (the payments allocated to its invoices, net of reversals, by the day the money arrived), the day it was
    settled and how many days late. The contract must be one the user sees (404 otherwise). Three queries."""
    contract = contract_get_for_user(user=user, pk=contract.pk)
    today = today or timezone.localdate()
    arrived = (
        Allocation.objects.filter(
            invoice__in=invoice_list_visible_to(user=user).filter(contract=contract, kind=Invoice.Kind.INVOICE)
        )
        .values(installment=F("invoice__installment_id"), day=F("payment__received_on"))
        .annotate(amount=Sum("amount"))
        .exclude(installment__isnull=True)
        .order_by("day")
    )
    arrivals: dict[int, list[Arrival]] = {}
    for row in arrived:
        if row["amount"]:
            arrivals.setdefault(row["installment"], []).append(Arrival(row["day"], row["amount"]))
    lines = []
    for inst in contract.installments.order_by("position", "pk"):
        got = arrivals.get(inst.pk, [])
        received = sum((a.amount for a in got), ZERO)
        late = None
        if inst.due_on and not inst.cancelled:
            if inst.settled_on and inst.settled_on > inst.due_on:
                late = (inst.settled_on - inst.due_on).days
            elif not inst.settled_on and today > inst.due_on:
                late = (today - inst.due_on).days
        lines.append(
            PlanLine(
                inst.pk,
                inst.label,
                inst.milestone,
                inst.due_on,
                inst.amount,
                received,
                got,
                inst.settled_on,
                inst.cancelled,
                late,
            )
        )
    live = [line for line in lines if not line.cancelled]
    return PlanVsActual(
        contract_id=contract.pk,
        currency=contract.currency,
        today=today,
        lines=lines,
        expected=sum((line.expected for line in live), ZERO),
        received=sum((line.received for line in lines), ZERO),
    )


# --- defaults shared by the pages and the API -------------------------------------------------------------------

DSO_DEFAULT_DAYS = 90


def default_dso_period(today: date) -> tuple[date, date]:
    """The DSO period unless one is asked for: the last 90 days, today included."""
    return today - timedelta(days=DSO_DEFAULT_DAYS - 1), today
