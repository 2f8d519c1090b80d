"""Demo cash collection (回款): two years of invoices and payments on the demo's customers, and the invoices of
the demo contracts' invoiceable installments, so that every receivables view (aging, DSO, the overdue list by
owner, expected cash) shows real figures.

- The customers of ``customers.demo`` are billed as their deals were written: monthly service fees (月结, due 30
  or 60 days after the invoice), quarterly subscriptions billed in advance, and three projects billed by
  milestone (首付款, 到货款, 验收款, 质保金 a year on) followed by quarterly maintenance. Each customer pays in its
  own way: most on time, some 10 to 120 days late, a few never; manufacturers often by bank acceptance bill
  (承兑汇票), one bill settling two months at once; now and then in two parts.
- The invoiceable installments of the demo contracts are invoiced at their milestone: some paid in full, some in
  part, some overdue.
- Finance's corrections happened too: an invoice with the wrong tax number reversed by a credit note (红冲) and
  issued again, a payment allocated to the wrong invoice and re-allocated, a customer who paid a round sum (the
  rest stays on the customer as a credit), and a small customer's balance written off with the finance
  manager's approval once collection had failed.

Whether something happened is decided in whole days before today (so the same records come out whichever day
the demo runs); the days themselves are then moved off weekends. Everything goes through the services, each
step announced to a clock with its time; at the end every timestamp written during a step (audit events
included) moves to it, as in ``contracts.demo``."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from functools import reduce
from itertools import pairwise
from operator import or_
from typing import Any

import pgtrigger
from django.apps import apps
from django.db import connection
from django.db.models import DateTimeField, Model, Q
from django.utils import timezone

from contracts.models import Contract, Installment, Milestone, Order
from contracts.models import Status as ContractStatus
from customers.models import Account
from org.models import User
from receivables.models import ZERO, Allocation, Invoice, Method, Payment, WriteOff
from receivables.services import (
    allocate,
    allocation_reverse,
    credit_note_issue,
    invoice_create,
    invoice_create_from_installment,
    invoice_issue,
    payment_record,
    write_off_decide,
    write_off_request,
)

SEED = 20261128
MONTHLY, QUARTERLY, PROJECT = "monthly", "quarterly", "project"
PROMPT, STEADY, SLOW, DIFFICULT = "prompt", "steady", "slow", "difficult"

# How a customer pays: (share, days late from, to) drawn per invoice, and the share of invoices never paid. Big
# groups and state-owned customers pay when their own approval runs are done (SLOW).
HABITS: dict[str, tuple[list[tuple[float, int, int]], float]] = {
    PROMPT: ([(0.85, -6, 0), (0.12, 10, 30), (0.03, 31, 60)], 0.0),
    STEADY: ([(0.6, -4, 0), (0.3, 10, 45), (0.1, 46, 100)], 0.02),
    SLOW: ([(0.3, -2, 0), (0.45, 15, 60), (0.25, 61, 120)], 0.03),
    DIFFICULT: ([(0.2, 0, 5), (0.45, 15, 90), (0.35, 91, 150)], 0.15),
}
PARTLY = 0.1  # of the invoices paid in two parts
BY_BILL = 0.7  # of the invoices of a customer paying by acceptance bill (承兑汇票) that it pays so
TOGETHER = 20  # days: two invoices paid by bill within these settle with one bill
DAY_RATE = Decimal(2800)  # an on-site service day, billed apart now and then

# (customer, how billed, what, tax %, fee per period, 账期 days, habit, pays by acceptance bill, periods billed); a
# project has its total for the fee and, for the periods, how many days ago its first invoice was issued. Services
# abroad are invoiced without VAT (跨境服务免税).
CUSTOMERS: list[tuple[str, str, str, int, int, int, str, bool, int]] = [
    ("上海申远智能制造有限公司", MONTHLY, "MES 系统运维服务费", 6, 36000, 30, PROMPT, True, 24),
    ("杭州云帆电子商务有限公司", QUARTERLY, "LTC CRM 企业版订阅费", 6, 90000, 30, PROMPT, False, 8),
    ("苏州金桥精密机械股份有限公司", MONTHLY, "设备联网平台运维服务费", 6, 52000, 60, STEADY, True, 24),
    ("南京博远医疗器械有限公司", QUARTERLY, "LTC CRM 标准版订阅费", 6, 48000, 30, PROMPT, False, 7),
    ("宁波海通物流有限公司", QUARTERLY, "LTC CRM 标准版订阅费", 6, 18600, 30, STEADY, False, 8),
    ("上海浦江新能源科技有限公司", PROJECT, "储能电站 MES 项目", 13, 860000, 30, PROMPT, False, 610),
    ("深圳前海星辰科技有限公司", MONTHLY, "CRM 系统运维服务费", 6, 28000, 30, PROMPT, False, 20),
    ("广州珠江食品集团", QUARTERLY, "MES 系统运维服务费", 6, 150000, 60, SLOW, False, 8),
    ("东莞恒达电子厂", MONTHLY, "物联网平台服务费", 6, 24500, 30, STEADY, True, 22),
    ("佛山美居家具有限公司", QUARTERLY, "LTC CRM 标准版订阅费", 6, 12600, 30, DIFFICULT, False, 6),
    ("北京中关村数智科技有限公司", MONTHLY, "CRM 系统运维服务费", 6, 19800, 30, PROMPT, False, 18),
    ("天津港联供应链管理有限公司", QUARTERLY, "供应链协同平台运维服务费", 6, 66000, 60, STEADY, False, 8),
    ("石家庄华北制药设备有限公司", PROJECT, "生产设备联网改造项目", 13, 520000, 30, DIFFICULT, False, 520),
    ("青岛海润水务集团", QUARTERLY, "智慧水务平台运维服务费", 6, 120000, 60, SLOW, False, 8),
    ("Acme Corporation", QUARTERLY, "LTC CRM enterprise subscription", 0, 135000, 30, PROMPT, False, 8),
    ("Betatech", PROJECT, "IoT gateway roll-out", 0, 380000, 30, DIFFICULT, False, 430),
    ("Singapore Harbour Trading Pte Ltd", QUARTERLY, "LTC CRM standard subscription", 0, 42000, 30, PROMPT, False, 8),
    ("Rhine Precision GmbH", QUARTERLY, "MES maintenance and support", 0, 78000, 30, PROMPT, False, 6),
]  # fmt: skip

# A project, billed by milestone: (label, English label, share of the total, days after the first invoice,
# [(line, English line, share of the milestone, tax % or None for the project's)])
MILESTONES: list[tuple[str, str, Decimal, int, list[tuple[str, str, Decimal, int | None]]]] = [
    ("首付款", "Down payment", Decimal("0.30"), 0, [("软件许可", "Software licences", Decimal(1), None)]),
    ("到货款", "On delivery", Decimal("0.40"), 75,
     [("硬件设备", "Hardware", Decimal("0.7"), None), ("实施服务", "Implementation services", Decimal("0.3"), 6)]),
    ("验收款", "On acceptance", Decimal("0.25"), 150, [("实施服务", "Implementation services", Decimal(1), 6)]),
    ("质保金", "Warranty retention", Decimal("0.05"), 515, [("质保金", "Warranty retention", Decimal(1), None)]),
]  # fmt: skip
PROJECT_MAINTENANCE = Decimal("0.025")  # of the project total, a quarter, billed from a quarter after acceptance

# The contract installments: what became of each signing installment, in contract order (paid on time, by
# acceptance bill 12 days late, late, nothing yet, half, early); of the later milestones the first is half paid.
SIGNING_OUTCOMES = ["paid", "bill", "paid", "late", "open", "half", "early", "open", "paid"]

CREDIT_NOTE_CUSTOMER = "南京博远医疗器械有限公司"
CREDIT_NOTE_REASON = "开票信息有误（购方纳税人识别号错误），红字冲销后按正确信息重开"
ROUND_SUM_CUSTOMER = "深圳前海星辰科技有限公司"
ROUND_SUM_NOTE = "客户按整数汇款，多付部分留作预付款，下期服务费抵扣"
MISALLOCATED_CUSTOMERS = ["北京中关村数智科技有限公司", "上海申远智能制造有限公司", "深圳前海星辰科技有限公司"]
MISALLOCATION_REASON = "分配有误：客户付款附言指定的是上一期发票"
WRITE_OFF_CUSTOMER = "佛山美居家具有限公司"
WRITE_OFF_REASON = "客户已停产，多次催收（电话、上门、律师函）无果，经评估余款无法收回，申请核销"
WRITE_OFF_COMMENT = "同意核销，停止对该客户赊销，后续欠款转法务跟进"


def _workday(day: date) -> date:
    """The day, or the Friday before when it falls on a weekend (banks post and finance invoices on workdays)."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _next_workday(day: date) -> date:
    day += timedelta(days=1)
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _chinese(name: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in name)


def _money(value: Decimal | int, unit: int = 1, rounding: str = ROUND_DOWN) -> Decimal:
    """Whole yuan (or hundreds), then in fen."""
    step = Decimal(unit)
    return ((Decimal(value) / step).to_integral_value(rounding=rounding) * step).quantize(Decimal("0.01"))


# --- the clock: services write the present, the demo's history happened earlier -----------------------------

_EVENTS = ["receivables.InvoiceEvent", "receivables.PaymentEvent", "contracts.InstallmentEvent",
           "contracts.ContractEvent"]  # fmt: skip
_TRIGGERS = ["receivables.Invoice:update_update", "receivables.Payment:update_update",
             "contracts.Contract:update_update"]  # fmt: skip
_TIMED: list[type[Model]] = [Invoice, Payment, Allocation, WriteOff, Contract]


def _datetimes(model: type[Model]) -> list[str]:
    return [
        f.attname for f in model._meta.concrete_fields if isinstance(f, DateTimeField) and f.attname != "pgh_created_at"
    ]


class _Clock:
    """Each step is announced with the time it happened (``at``); ``redate`` then moves every timestamp written
    during a step to that time, keeping the fractions of a second between the writes, and dates the step's audit
    events alike. Dates the services set to today (a credit note's) are given with ``date_note``."""

    def __init__(self) -> None:
        self.events = [apps.get_model(label) for label in _EVENTS]
        self.real: list[datetime] = []
        self.fake: list[datetime] = []
        self.marks: list[tuple[int, ...]] = []
        self.end: datetime | None = None
        self.notes: dict[int, date] = {}

    def at(self, moment: datetime) -> None:
        tables = [connection.ops.quote_name(m._meta.db_table) for m in self.events]
        with connection.cursor() as cursor:
            # one round trip for all of them; the table names are our models', not input
            cursor.execute("SELECT " + ", ".join(f"(SELECT COALESCE(MAX(pgh_id), 0) FROM {t})" for t in tables))  # noqa: S608
            self.marks.append(tuple(cursor.fetchone()))
        self.real.append(timezone.now())
        self.fake.append(moment)

    def date_note(self, note: Invoice, day: date) -> None:
        self.notes[note.pk] = day

    def moved(self, value: datetime) -> datetime:
        if not self.real or not self.real[0] <= value <= (self.end or timezone.now()):
            return value
        step = bisect_right(self.real, value) - 1
        return self.fake[step] + (value - self.real[step])

    def redate(self) -> None:
        if not self.real:
            return
        self.end = timezone.now()
        with pgtrigger.ignore(*_TRIGGERS):
            for model in _TIMED:
                names = _datetimes(model)
                written = reduce(or_, (Q(**{f"{name}__range": (self.real[0], self.end)}) for name in names))
                self._save(list(model._default_manager.filter(written)), names, model)
            for index, model in enumerate(self.events):
                marks = [mark[index] for mark in self.marks]
                rows = list(model._default_manager.filter(pgh_id__gt=marks[0]).order_by("pgh_id"))
                for row in rows:
                    row.pgh_created_at = self.fake[bisect_left(marks, row.pk) - 1]
                self._save(rows, [*_datetimes(model), "pgh_created_at"], model)
            events = self.events[0]._default_manager
            for pk, day in self.notes.items():
                Invoice.objects.filter(pk=pk).update(issued_on=day, due_on=day)
                events.filter(pgh_obj_id=pk).update(issued_on=day, due_on=day)

    def _save(self, rows: list[Any], names: list[str], model: type[Model]) -> None:
        for row in rows:
            for name in names:
                value = getattr(row, name)
                if value is not None and name != "pgh_created_at":
                    setattr(row, name, self.moved(value))
        if rows:
            model._default_manager.bulk_update(rows, names, batch_size=500)


# --- what is billed and what is paid --------------------------------------------------------------------------


@dataclass(eq=False)
class _Bill:
    """An invoice to issue: with lines of its own, or for a contract installment."""

    account: Account
    offset: int  # issued this many days before today (then moved off a weekend)
    terms: int  # 账期: due this many days after issue
    lines: list[dict[str, Any]] = field(default_factory=list)
    installment: Installment | None = None
    day: date | None = None  # the issue day, when given rather than an offset
    invoice: Invoice | None = None

    @property
    def total(self) -> Decimal:
        if self.installment is not None:
            return self.installment.amount
        return sum((Decimal(line["total"]) for line in self.lines), ZERO)


def _issued(bill: _Bill) -> Invoice:
    """The bill's invoice: always issued before anything is paid on it (the plan plays in date order)."""
    if bill.invoice is None:  # a bug in the plan, not bad input
        raise RuntimeError(f"paid before it was issued: {bill}")
    return bill.invoice


@dataclass(eq=False)
class _Receipt:
    """Money in from a customer, settling ``parts``; more than their sum leaves a credit on the customer."""

    account: Account
    offset: int
    parts: list[tuple[_Bill, Decimal]]
    method: str = Method.TRANSFER
    extra: Decimal = ZERO
    bill_number: str = ""
    note: str = ""
    misallocated_to: _Bill | None = None  # allocated there first by mistake, put right the next working day

    @property
    def amount(self) -> Decimal:
        return sum((amount for _b, amount in self.parts), ZERO) + self.extra


def _lateness(rng: random.Random, habit: str) -> int | None:
    """Days after the due date the customer pays; None for never. Always draws the same number of values."""
    bands, never = HABITS[habit]
    pick, lost, days = rng.random(), rng.random(), rng.random()
    low, high = bands[-1][1:]
    for share, first, last in bands:
        if pick < share:
            low, high = first, last
            break
        pick -= share
    return None if lost < never else low + int(days * (high - low + 1))


def _period_line(kind: str, what: str, tax: int, amount: Decimal, day: date, english: bool) -> dict[str, Any]:
    if kind == MONTHLY:
        month = day.replace(day=1) - timedelta(days=1)  # 月结: the month before the invoice
        period = month.strftime("%b %Y") if english else f"{month.year}年{month.month}月"
    else:
        quarter = (day.month - 1) // 3 + 1  # a subscription: the quarter it is issued in, in advance
        period = f"Q{quarter} {day.year}" if english else f"{day.year}年第{quarter}季度"
    return {"description": f"{what} ({period})" if english else f"{what}（{period}）", "total": amount,
            "tax_rate": tax}  # fmt: skip


class _Plan:
    """The whole history drawn first, in days before today: what is billed, what is paid and when, and finance's
    corrections. ``_Player`` then plays it in date order through the services."""

    def __init__(self, rng: random.Random, today: date, accounts: dict[str, Account]) -> None:
        self.rng, self.today, self.accounts = rng, today, accounts
        self.bills: list[_Bill] = []
        self.receipts: list[_Receipt] = []
        self.by_customer: dict[str, list[_Bill]] = {}
        self.paid_by: dict[_Bill, list[_Receipt]] = {}

    def day(self, offset: int) -> date:
        return _workday(self.today - timedelta(days=offset))

    # the customers' history

    def history(self) -> None:
        for name, kind, what, tax, fee, terms, habit, by_bill, periods in CUSTOMERS:
            account = self.accounts.get(name)
            if account is None:
                continue  # not in this database
            english = not _chinese(name)
            if kind == PROJECT:
                bills = self._project(account, what, tax, fee, terms, periods, english)
            else:
                bills = self._periodic(account, kind, what, tax, fee, terms, periods, english)
            self.by_customer[name] = bills
            self.bills.extend(bills)
            for bill in bills:
                self._settle(bill, habit)
            if by_bill:
                self._pay_by_bill(bills)

    def _periodic(
        self, account: Any, kind: str, what: str, tax: int, fee: int, terms: int, periods: int, english: bool
    ) -> list[_Bill]:
        bills = []
        for n in range(periods, 0, -1):
            if kind == MONTHLY:
                offset = int(Decimal("30.44") * n) - 24 + self.rng.randint(0, 3)
            else:
                offset = 91 * (n - 1) + 12 + self.rng.randint(0, 5)
            renewed = (periods - n) >= (12 if kind == MONTHLY else 4)  # a year in: the renewal, 5 % up
            amount = _money(fee * Decimal("1.05"), 100) if renewed else _money(fee)
            extra_days = self.rng.choice([0] * 9 + [2, 3, 5])
            day = self.day(offset)
            lines = [_period_line(kind, what, tax, amount, day, english)]
            if extra_days:
                lines.append(
                    {"description": f"On-site service, {extra_days} days" if english else f"现场服务 {extra_days} 人天",
                     "total": _money(DAY_RATE * extra_days), "tax_rate": 0 if english else 6}
                )  # fmt: skip
            bills.append(_Bill(account=account, offset=offset, terms=terms, lines=lines))
        return bills

    def _project(
        self, account: Any, what: str, tax: int, total: int, terms: int, start: int, english: bool
    ) -> list[_Bill]:
        bills = []
        for label, label_en, share, after, parts in MILESTONES:
            offset = start - after - self.rng.randint(0, 4)
            if offset < 1:
                continue
            amount = _money(total * share)
            weights = [weight for _l, _e, weight, _t in parts]
            amounts = [_money(amount * weight) for weight in weights[:-1]]
            amounts.append(amount - sum(amounts, ZERO))
            lines = [
                {"description": f"{what} – {label_en}: {line_en}" if english else f"{what}·{label}：{line}",
                 "total": part, "tax_rate": tax if line_tax is None or english else line_tax}
                for (line, line_en, _w, line_tax), part in zip(parts, amounts, strict=True)
            ]  # fmt: skip
            bills.append(_Bill(account=account, offset=offset, terms=terms, lines=lines))
        quarter_fee = _money(total * PROJECT_MAINTENANCE)
        offset = start - MILESTONES[2][3] - 91
        while offset >= 1:
            day = self.day(offset)
            what_now = "Maintenance and support" if english else f"{what}运维服务费"
            lines = [_period_line(QUARTERLY, what_now, 0 if english else 6, quarter_fee, day, english)]
            bills.append(_Bill(account=account, offset=offset, terms=terms, lines=lines))
            offset -= 91
        bills.sort(key=lambda bill: -bill.offset)
        return bills

    def _settle(self, bill: _Bill, habit: str) -> None:
        """What the customer pays on the bill, and when; only what has happened by yesterday is kept."""
        late = _lateness(self.rng, habit)
        parts, share, gap = self.rng.random() < PARTLY, self.rng.choice([30, 40, 50, 60]), self.rng.randint(20, 60)
        self.paid_by[bill] = []
        if late is None:
            return
        first = bill.offset - bill.terms - late
        if parts:
            amount = _money(bill.total * share / 100, 100)
            self._receive(bill, first, amount)
            self._receive(bill, first - gap, bill.total - amount)
        else:
            self._receive(bill, first, bill.total)

    def _receive(self, bill: _Bill, offset: int, amount: Decimal, **more: Any) -> None:
        if offset >= 1:
            receipt = _Receipt(account=bill.account, offset=min(offset, bill.offset), parts=[(bill, amount)], **more)
            self.receipts.append(receipt)
            self.paid_by[bill].append(receipt)

    def _pay_by_bill(self, bills: list[_Bill]) -> None:
        """Most payments by acceptance bill; two invoices paid within ``TOGETHER`` days settled by one bill, on the
        day the later payment was due to arrive."""
        single = []
        for bill in bills:
            number, by_bill = self._bill_number(), self.rng.random() < BY_BILL
            receipts = self.paid_by[bill]
            if by_bill and len(receipts) == 1 and receipts[0].amount == bill.total:
                receipts[0].method, receipts[0].bill_number = Method.ACCEPTANCE_BILL, number
                single.append(receipts[0])
        for first, second in pairwise(single):
            if len(first.parts) == len(second.parts) == 1 and abs(first.offset - second.offset) <= TOGETHER:
                second.parts, second.offset = [*first.parts, *second.parts], min(first.offset, second.offset)
                self.paid_by[first.parts[0][0]] = [second]
                first.parts = []
        self.receipts = [receipt for receipt in self.receipts if receipt.parts]

    def _bill_number(self) -> str:
        """An electronic bank acceptance bill's 30 digits: kind, bank, date, serial."""
        return "1" + "".join(str(self.rng.randint(0, 9)) for _n in range(29))

    # the contracts' installments

    def contracts(self) -> None:
        installments = (
            Installment.objects.filter(invoiceable=True, cancelled=False)
            .exclude(contract__status=ContractStatus.DRAFT)
            .select_related("contract__account")
            .order_by("contract_id", "position")
        )
        orders = {o.contract_id: o for o in Order.objects.all()}
        signing = later = 0
        for installment in installments:
            contract, order = installment.contract, orders.get(installment.contract_id)
            reached = {
                str(Milestone.SIGNING): contract.signed_on,
                str(Milestone.DELIVERY): order.delivered_on if order else None,
                str(Milestone.ACCEPTANCE): order.customer_accepted_on if order else None,
            }.get(installment.milestone) or installment.due_on
            if reached is None:
                continue
            day = _workday(min(_next_workday(reached), installment.due_on or reached, self.today))
            due = installment.due_on or day + timedelta(days=30)
            bill = _Bill(account=contract.account, offset=(self.today - day).days, terms=(due - day).days,
                         installment=installment, day=day)  # fmt: skip
            self.bills.append(bill)
            self.paid_by[bill] = []
            drift = self.rng.randint(-2, 2)
            if installment.milestone == Milestone.SIGNING:
                outcome = SIGNING_OUTCOMES[signing % len(SIGNING_OUTCOMES)]
                if contract.status == ContractStatus.TERMINATED:
                    outcome = "paid"  # the down payment kept against the work done
                signing += 1
            else:
                outcome = "half" if later == 0 else "open"
                later += 1
            due_offset = (self.today - due).days
            late = {"paid": drift, "bill": 12, "late": 9 + abs(drift), "early": -3, "half": 3}.get(outcome)
            if late is None:
                continue
            # paid by yesterday at the latest (and not before the invoice)
            offset = max(1, min(due_offset - late, bill.offset))
            if bill.offset < 1:
                continue
            amount = _money(bill.total / 2, 100) if outcome == "half" else bill.total
            if outcome == "bill":
                self._receive(bill, offset, amount, method=Method.ACCEPTANCE_BILL, bill_number=self._bill_number())
            else:
                self._receive(bill, offset, amount)

    # finance's corrections

    def corrections(self) -> tuple[_Bill | None, _Bill | None, _Bill | None]:
        """Choose the invoice reversed by a credit note (and its replacement), the payment allocated to the wrong
        invoice, the round sum leaving a credit, and the balance written off."""
        credited = replacement = written_off = None
        bills = self.by_customer.get(CREDIT_NOTE_CUSTOMER, [])
        if bills and bills[-1].offset >= 5:
            credited = bills[-1]
            # a few days after; in this year all the same, since a credit note is numbered by the year it is made
            offset, january = credited.offset - 3, date(self.today.year, 1, 2)
            january += timedelta(days=max(0, 7 - january.weekday()) if january.weekday() >= 5 else 0)
            if self.day(offset).year < self.today.year and january < self.today:
                offset = (self.today - january).days
            replacement = _Bill(account=credited.account, offset=offset, terms=credited.terms,
                                lines=[dict(line) for line in credited.lines])  # fmt: skip
            for receipt in self.paid_by[credited]:  # what the customer paid, it paid on the new invoice
                receipt.parts = [(replacement, amount) for _b, amount in receipt.parts]
                receipt.offset = min(receipt.offset, replacement.offset - 1)
                if receipt.offset < 1:
                    self.receipts.remove(receipt)
            self.paid_by[replacement] = [r for r in self.paid_by[credited] if r.offset >= 1]
            self.paid_by[credited] = []
        for name in MISALLOCATED_CUSTOMERS:
            if self._misallocate(self.by_customer.get(name, [])):
                break
        for bill in reversed(self.by_customer.get(ROUND_SUM_CUSTOMER, [])):
            receipts = self.paid_by[bill]
            if len(receipts) == 1 and len(receipts[0].parts) == 1 and receipts[0].amount == bill.total:
                receipts[0].extra = _money(bill.total, 10000, ROUND_UP) - bill.total or Decimal("5000.00")
                receipts[0].note = ROUND_SUM_NOTE
                break
        bills = self.by_customer.get(WRITE_OFF_CUSTOMER, [])
        unpaid = [n for n, bill in enumerate(bills[:-1]) if bill.offset >= 180 and not self._paid(bill)]
        at = unpaid[0] if unpaid else next((n for n, b in enumerate(bills[:-1]) if 180 <= b.offset <= 300), None)
        if at is not None:
            # the customer paid part of one invoice and nothing of the next, then stopped: no longer served
            written_off = bills[at]
            for n, bill in enumerate(bills[at:], start=at):
                for receipt in self.paid_by.pop(bill):
                    self.receipts.remove(receipt)
                if n > at + 1:
                    self.bills.remove(bill)
            self.paid_by[written_off], self.paid_by[bills[at + 1]] = [], []
            part = _money(written_off.total * 4 / 10, 100)
            self._receive(written_off, written_off.offset - written_off.terms - 35, part)
        return credited, replacement, written_off

    def _paid(self, bill: _Bill) -> bool:
        return sum((amount for r in self.paid_by[bill] for b, amount in r.parts if b is bill), ZERO) == bill.total

    def _misallocate(self, bills: list[_Bill]) -> bool:
        """A payment for one month first allocated to the next month's invoice (same amount, then still open)."""
        for older, newer in pairwise(bills):
            mine, theirs = self.paid_by[older], self.paid_by[newer]
            if not (len(mine) == len(theirs) == 1 and len(mine[0].parts) == len(theirs[0].parts) == 1):
                continue
            paid, own = mine[0], theirs[0]
            same = older.total == newer.total == paid.amount
            # the next invoice issued before the payment came, paid itself a week after the correction at least
            if same and paid.offset >= 7 and newer.offset >= paid.offset + 3 and own.offset <= paid.offset - 7:
                paid.misallocated_to = newer
                return True
        return False


# --- playing it through the services ------------------------------------------------------------------------


@dataclass
class _Player:
    plan: _Plan
    clock: _Clock
    clerk: User  # finance: invoices and records payments
    head: User  # the finance manager: acceptance bills, corrections, approvals
    now: datetime
    actions: list[tuple[date, int, int, Any]] = field(default_factory=list)

    def moment(self, day: date, hour: int, minute: int) -> datetime:
        moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
        return min(moment, self.now - timedelta(minutes=15))

    def add(self, day: date, rank: int, action: Any) -> None:
        self.actions.append((day, rank, len(self.actions), action))

    def play(self) -> None:
        per_day: dict[tuple[date, int], int] = {}
        for day, rank, n, action in sorted(self.actions, key=lambda a: a[:3]):
            # invoices in the morning, receipts booked in the afternoon, corrections and approvals late
            later = per_day[(day, rank)] = per_day.get((day, rank), -1) + 1
            hour, spread = [(9, 90), (14, 100), (16, 20), (16, 40)][rank]
            minutes = n * 37 % spread + 9 * later
            self.clock.at(self.moment(day, hour, 0) + timedelta(minutes=minutes))
            action(day)

    def issue(self, bill: _Bill, day: date) -> None:
        if bill.installment is not None:
            draft = invoice_create_from_installment(actor=self.clerk, installment=bill.installment)
            bill.invoice = invoice_issue(actor=self.clerk, invoice=draft, issued_on=day)
            return
        draft = invoice_create(actor=self.clerk, account=bill.account, lines=bill.lines)
        bill.invoice = invoice_issue(actor=self.clerk, invoice=draft, issued_on=day, due_on=day + timedelta(bill.terms))

    def receive(self, receipt: _Receipt, day: date) -> Payment:
        numbers = "、".join(str(_issued(bill)) for bill, _a in receipt.parts)
        if receipt.method == Method.ACCEPTANCE_BILL:
            reference = f"银行承兑汇票 {receipt.bill_number}"
        else:
            reference = f"付发票 {numbers}" if _chinese(receipt.account.name) else f"INV {numbers}"
        parts = [(_issued(bill), amount) for bill, amount in receipt.parts]
        if receipt.misallocated_to is not None:
            parts = [(_issued(receipt.misallocated_to), parts[0][1])]
        return payment_record(
            actor=self.head if receipt.method == Method.ACCEPTANCE_BILL else self.clerk,
            account=receipt.account, payer=receipt.account.name, received_on=min(day, self.plan.today),
            amount=receipt.amount, method=receipt.method, reference=reference, note=receipt.note, allocations=parts,
        )  # fmt: skip

    def put_right(self, receipt: _Receipt, payment: Payment, day: date) -> None:
        wrong = payment.allocations.get()
        allocation_reverse(actor=self.head, allocation=wrong, reason=MISALLOCATION_REASON)
        bill, amount = receipt.parts[0]
        allocate(actor=self.head, payment=payment, parts=[(_issued(bill), amount)], note="按客户付款附言重新分配")

    def schedule(self, credited: _Bill | None, replacement: _Bill | None, written_off: _Bill | None) -> None:
        plan = self.plan
        for bill in plan.bills:
            self.add(bill.day or plan.day(bill.offset), 0, lambda day, bill=bill: self.issue(bill, day))
        for receipt in plan.receipts:
            self._schedule_receipt(receipt)
        if credited is not None and replacement is not None:

            def reissue(day: date) -> None:
                note = credit_note_issue(
                    actor=self.head, invoice=_issued(credited), amount=credited.total, reason=CREDIT_NOTE_REASON
                )
                self.clock.date_note(note, day)
                self.issue(replacement, day)

            self.add(plan.day(replacement.offset), 2, reissue)
        if written_off is not None:
            request: list[WriteOff] = []

            def ask(day: date) -> None:
                invoice = Invoice.objects.get(pk=_issued(written_off).pk)
                request.append(
                    write_off_request(actor=self.clerk, invoice=invoice, amount=invoice.open_balance,
                                      reason=WRITE_OFF_REASON)
                )  # fmt: skip

            def decide(day: date) -> None:
                write_off_decide(actor=self.head, write_off=request[0], approve=True, comment=WRITE_OFF_COMMENT)

            self.add(plan.day(45), 3, ask)
            self.add(plan.day(42), 3, decide)

    def _schedule_receipt(self, receipt: _Receipt) -> None:
        day = self.plan.day(receipt.offset)
        if receipt.misallocated_to is None:
            self.add(day, 1, lambda day, receipt=receipt: self.receive(receipt, day))
            return
        made: list[Payment] = []
        self.add(day, 1, lambda day: made.append(self.receive(receipt, day)))
        self.add(_next_workday(day), 2, lambda day: self.put_right(receipt, made[0], day))


def load() -> int:
    """Create the demo's invoices, payments and write-off once; 0 when invoices exist (or the people and
    customers of the earlier demos are missing). Counts invoices (credit notes included), payments and
    write-offs."""
    if Invoice.objects.exists():
        return 0
    before = Payment.objects.count() + WriteOff.objects.count()
    finance = User.objects.in_bulk(["tang.xue", "qian.hui"], field_name="username")
    # the customers demo's own (an imported data set may bring companies of the same name later)
    accounts = {a.name: a for a in Account.objects.filter(name__in=[c[0] for c in CUSTOMERS]).order_by("-pk")}
    if len(finance) < 2 or not accounts:
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    plan = _Plan(rng, today, accounts)
    plan.history()
    plan.contracts()
    corrections = plan.corrections()
    clock = _Clock()
    player = _Player(plan, clock, clerk=finance["tang.xue"], head=finance["qian.hui"], now=timezone.now())
    player.schedule(*corrections)
    player.play()
    clock.redate()
    return Invoice.objects.count() + Payment.objects.count() + WriteOff.objects.count() - before
