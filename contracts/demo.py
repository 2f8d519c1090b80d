"""Demo contracts and orders (合同与订单): about two thirds of the won deals with an accepted quote, those won
longest ago, taken through contract and order the way the people of the deal do it (the rep drafts and agrees the
payment plan, the owner's manager and finance approve, delivery takes the hand-off or sends it back), so that
every state of a contract and of an order shows, one contract amended to version 2 and one terminated.

Everything is written through the services, then dated back to when it happened: each step is announced to a
clock with its time, and at the end every timestamp written during a step (audit events included) moves to it.

The opportunities demo wins 4 deals, won today: too few and too recent for a contract to have been delivered.
So this demo first wins ``MORE_WON`` deals of its own from leads that came in two to three months ago, worked
through the same gates, dated over the weeks the sale took."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import reduce
from operator import or_
from typing import Any

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, Model, Q
from django.utils import timezone

from contracts.models import (
    Amendment,
    Approval,
    Check,
    Contract,
    ContractVersion,
    HandoffCheck,
    HandoffItem,
    Milestone,
    Order,
    OrderChange,
    OrderStatus,
    ReviewItem,
)
from contracts.services import (
    amendment_decide,
    amendment_propose,
    contract_create_from_quote,
    contract_decide,
    contract_sign,
    contract_terminate,
    handoff_tick,
    order_accept,
    order_progress,
    order_send_back,
    plan_set,
    review_tick,
)
from customers.models import Account, BuyingRole, Contact
from leads.models import Lead, Status
from ltc.errors import DomainError
from ltc.money import line_amounts, quantize, sum_lines
from opportunities.models import Category, Opportunity, Product, Quote, Stage, StageChange, Tick
from opportunities.services import (
    opportunity_create_from_lead,
    opportunity_move,
    opportunity_set_team,
    opportunity_update,
    quote_accept,
    quote_create,
    quote_send,
    quote_set_lines,
    requirement_tick,
)
from org.models import Membership, Region, Role, Team, User

SEED = 20261127
MORE_WON = 16
SHARE = Decimal("0.65")  # of the won deals with an accepted quote, the oldest, have their contract by now

# How far each contract has come, from the deal won longest ago to the most recent.
JOURNEY = [
    ("customer_accepted", 2), ("terminated", 1), ("delivered", 1), ("amended", 1), ("in_delivery", 1),
    ("accepted", 1), ("sent_back", 1), ("awaiting_handoff", 1), ("finance_refused", 1), ("awaiting_manager", 1),
    ("reviewing", 1), ("no_plan", 1),
]  # fmt: skip

_PAPER = ["create", "plan", "review_half", "review_rest"]
_SIGNED = [*_PAPER, "manager", "finance", "sign"]
_TAKEN = [*_SIGNED, "handoff_sales", "accept"]
STEPS: dict[str, list[str]] = {
    "no_plan": ["create"],
    "reviewing": _PAPER[:3],
    "awaiting_manager": _PAPER,
    "finance_refused": [*_PAPER, "manager", "finance_refuses"],
    "awaiting_handoff": [*_SIGNED, "handoff_part"],
    "sent_back": [*_SIGNED, "handoff_part", "send_back"],
    "accepted": _TAKEN,
    "in_delivery": [*_TAKEN, "in_delivery"],
    "amended": [*_TAKEN, "in_delivery", "amend", "amend_manager", "amend_finance"],
    "delivered": [*_TAKEN, "in_delivery", "delivered"],
    "customer_accepted": [*_TAKEN, "in_delivery", "delivered", "customer_accepted"],
    "terminated": [*_TAKEN, "terminate", "terminate_manager", "terminate_finance"],
}
# days each step takes after the one before (from, to)
GAPS: dict[str, tuple[float, float]] = {
    "create": (1, 3), "plan": (0.5, 2), "review_half": (0.3, 1), "review_rest": (1, 2), "manager": (0.2, 1.5),
    "finance": (0.5, 2), "finance_refuses": (1, 2), "sign": (2, 5), "handoff_sales": (1, 2), "handoff_part": (1, 2),
    "send_back": (1, 2), "accept": (1, 3), "in_delivery": (2, 5), "delivered": (15, 28),
    "customer_accepted": (7, 14), "amend": (5, 9), "amend_manager": (0.3, 1), "amend_finance": (0.5, 2),
    "terminate": (4, 8), "terminate_manager": (0.3, 1), "terminate_finance": (0.5, 2),
}  # fmt: skip

REVIEW_NOTES = [
    "交付范围以报价单明细及技术方案为准",
    "验收以《系统上线验收确认单》为准",
    "付款节点与财务核对一致",
    "法务已审阅，采用公司标准合同模板",
]
HANDOFF_NOTES = ["已上传合同盖章扫描件", "干系人清单已更新（含客户 IT 负责人）", "需求规格说明书与方案评审纪要已上传"]
SEND_BACK = "需求与方案文档未提供：请补齐客户签字确认的需求规格说明书和方案评审纪要后再交接。"
REFUSAL = (
    "预付款仅 10%，验收后 60 天才付 90%，不符合公司回款政策（预付款不低于 30%，账期不超过 30 天），"
    "请与客户重新商定付款条件。"
)
AMENDMENT = "客户二期产线扩建，追加 10 台工业物联网网关，双方签订补充协议；预付款已开票，不变。"
MORE_GATEWAYS = {"product_code": "IOT-GW", "description": "工业物联网网关（补充协议追加）", "unit": "台",
                 "quantity": "10", "unit_price": "6800.00", "discount_percent": "5", "tax_rate": "13"}  # fmt: skip
TERMINATION = "客户母公司战略调整，项目暂停；经双方协商解除合同，已付预付款抵作已发生的实施费用。"

# what a customer buys: (product code, quantities to choose from)
BUNDLES = [
    ("MES 系统建设", [("MES-STD", [1]), ("IMPL-DAY", [40, 60, 80]), ("IOT-GW", [10, 20, 30])]),
    ("CRM 系统实施", [("LTC-CRM-ENT", [30, 50, 80, 120]), ("IMPL-DAY", [10, 15, 20, 30])]),
    ("CRM 系统订阅", [("LTC-CRM-STD", [20, 50, 100]), ("IMPL-DAY", [5, 10])]),
    ("工业物联网改造", [("IOT-GW", [20, 40, 60]), ("IMPL-DAY", [10, 20])]),
]


# --- the clock: services write the present, the demo's history happened earlier -----------------------------

_AUDITED = ["leads.Lead", "activities.Activity", "customers.Account", "customers.Contact", "opportunities.Opportunity",
            "opportunities.Quote", "contracts.Contract", "contracts.Installment", "contracts.Order"]  # fmt: skip
_TIMED: list[type[Model]] = [Lead, Account, Contact, Opportunity, StageChange, Tick, Quote, Contract, Check,
                             Approval, Amendment, ContractVersion, Order, HandoffCheck, OrderChange]  # fmt: skip


def _events() -> list[type[Model]]:
    return [apps.get_model(f"{label}Event") for label in _AUDITED]  # pghistory's models, made at start-up


def _datetimes(model: type[Model]) -> list[str]:
    return [
        f.attname for f in model._meta.concrete_fields if isinstance(f, DateTimeField) and f.attname != "pgh_created_at"
    ]


class _Clock:
    """Each step of the demo is announced with the time it happened (``at``); ``redate`` then moves every
    timestamp written during a step to that time, keeping the fractions of a second between the writes (so their
    order, which the services compare, holds), and dates the audit events of the step alike."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.end: datetime | None = None
        self.events = _events()
        self.real: list[datetime] = []
        self.fake: list[datetime] = []
        self.marks: list[tuple[int, ...]] = []

    def at(self, moment: datetime) -> None:
        self.marks.append(self._last_events())
        self.real.append(timezone.now())
        self.fake.append(moment)

    def _last_events(self) -> tuple[int, ...]:
        tables = [connection.ops.quote_name(m._meta.db_table) for m in self.events]
        with connection.cursor() as cursor:
            # one round trip for all of them; the table names are our models', not input
            cursor.execute("SELECT " + ", ".join(f"(SELECT COALESCE(MAX(pgh_id), 0) FROM {t})" for t in tables))  # noqa: S608
            return tuple(cursor.fetchone())

    def moved(self, value: datetime) -> datetime:
        """Where a time the services wrote belongs; other times (before the demo, deadlines ahead) stay."""
        if not self.real or not self.real[0] <= value <= (self.end or timezone.now()):
            return value
        step = bisect_right(self.real, value) - 1
        return self.fake[step] + (value - self.real[step])

    def redate(self) -> None:
        if not self.real:
            return
        self.end = timezone.now()
        triggers = [f"{label}:update_update" for label in _AUDITED]
        with pgtrigger.ignore(*triggers):
            for model in _TIMED:
                names = _datetimes(model)
                written = reduce(or_, (Q(**{f"{name}__range": (self.real[0], self.end)}) for name in names))
                self._save(list(model._default_manager.filter(written)), names, model)
            for index, model in enumerate(self.events):
                marks = [mark[index] for mark in self.marks]
                rows = list(model._default_manager.filter(pgh_id__gt=marks[0]).order_by("pgh_id"))
                for row in rows:
                    setattr(row, "pgh_created_at", self.fake[bisect_left(marks, row.pk) - 1])  # noqa: B010
                self._save(rows, [*_datetimes(model), "pgh_created_at"], model)

    def _save(self, rows: list[Any], names: list[str], model: type[Model]) -> None:
        for row in rows:
            for name in names:
                value = getattr(row, name)
                if value is not None and name != "pgh_created_at":
                    setattr(row, name, self.moved(value))
        if rows:
            model._default_manager.bulk_update(rows, names, batch_size=500)


def _office(moment: datetime) -> datetime:
    """The same moment or the next one in office hours (Monday to Friday, 9:00 to 18:00)."""
    local = timezone.localtime(moment)
    if local.hour < 9:
        local = local.replace(hour=9 + local.hour)
    elif local.hour >= 18:
        local = (local + timedelta(days=1)).replace(hour=local.hour - 9)
    if local.weekday() >= 5:
        local += timedelta(days=7 - local.weekday())
    return local


def _schedule(start: datetime, gaps: list[float], until: datetime) -> list[datetime]:
    """Times after ``start`` ``gaps`` days apart in office hours, squeezed when they would pass ``until``."""
    factor = 1.0
    for _attempt in range(40):
        times, moment = [], start
        for gap in gaps:
            moment = _office(moment + timedelta(days=gap * factor))
            times.append(moment)
        if not times or times[-1] <= until:
            return times
        factor *= 0.85
    span = (until - start) / (len(gaps) + 1)
    return [start + span * (n + 1) for n in range(len(gaps))]


# --- the people ----------------------------------------------------------------------------------------------


@dataclass
class _People:
    finance: list[User]
    presales: dict[bool, User]  # international or not
    delivery: dict[bool, User]
    managers: dict[tuple[int, int], User] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _People | None:
        users = User.objects.in_bulk(
            ["qian.hui", "tang.xue", "gao.feng", "sophia.li", "ma.jun", "daniel.wu"], field_name="username"
        )
        if len(users) < 6:
            return None
        return cls(
            finance=[users["qian.hui"], users["tang.xue"]],
            presales={False: users["gao.feng"], True: users["sophia.li"]},
            delivery={False: users["ma.jun"], True: users["daniel.wu"]},
        )

    def manager_of(self, owner: User, team: Team | None) -> User | None:
        """The owner's sales manager: the nearest manager above the owner in the deal's team tree (not the owner,
        who may manage their own team)."""
        key = (owner.pk, team.pk if team else 0)
        if key not in self.managers:
            while team is not None:
                boss = (
                    Membership.objects.filter(team=team, role=Role.MANAGER, user__is_active=True)
                    .exclude(user=owner)
                    .select_related("user")
                    .order_by("pk")
                    .first()
                )
                if boss is not None:
                    self.managers[key] = boss.user
                    break
                team = team.parent
        return self.managers.get(key)


# --- more won deals -------------------------------------------------------------------------------------------


def _deal_times(lead: Lead, rng: random.Random, now: datetime) -> list[datetime]:
    """Opened, needs analysed, solution proposed, quote sent, won: over three to six weeks after the lead came in."""
    opened = _office(
        max(lead.created_at, lead.first_contacted_at or lead.created_at) + timedelta(days=rng.uniform(1, 4))
    )
    cycle = rng.uniform(21, 42)
    return [opened, *_schedule(opened, [cycle * share for share in (0.2, 0.25, 0.25, 0.3)], now - timedelta(days=4))]


def _stage(deal: Opportunity, name_en: str) -> Stage:
    return Stage.objects.get(pipeline__opportunities=deal, name_en=name_en)


def _advance(deal: Opportunity, stage_name: str) -> Opportunity:
    stage = _stage(deal, stage_name)
    notes = {r.pk: "客户口头确认，纪要随后补充" for r in stage.requirements.filter(kind="guidance")}
    return opportunity_move(actor=deal.owner, opportunity=deal, stage=stage, version=deal.version, notes=notes)


def _win(
    lead: Lead, rng: random.Random, clock: _Clock, people: _People, products: dict[str, Product]
) -> Opportunity | None:
    """One deal from a qualified lead to won, as the rep works it, each step at its time."""
    times = _deal_times(lead, rng, clock.now)
    owner = lead.owner
    clock.at(times[0])
    try:
        deal = opportunity_create_from_lead(
            actor=owner,
            lead=lead,
            new_account=True,
            new_contact=True,
            amount=Decimal(rng.randrange(10, 60)) * 10000,
            expected_close_date=timezone.localdate(times[4]),
        )
    except DomainError:
        return None  # a company that is already another rep's customer stays a lead, as it would
    clock.at(times[1])
    deal.account.contacts.update(role=BuyingRole.DECISION_MAKER)
    budget = _stage(deal, "Needs analysis").requirements.get(name_en="Budget confirmed")
    requirement_tick(actor=owner, opportunity=deal, requirement=budget, note="客户确认今年有信息化预算")
    deal = _advance(deal, "Needs analysis")
    clock.at(times[2])
    international = bool(deal.team and deal.team.region == Region.INTERNATIONAL)
    opportunity_set_team(
        actor=owner, opportunity=deal, presales=people.presales[international], delivery=people.delivery[international]
    )
    write_up = _stage(deal, "Solution / proposal").requirements.filter(kind="guidance", verified_by="manual")
    for requirement in write_up:
        requirement_tick(actor=owner, opportunity=deal, requirement=requirement, note="需求调研纪要已发客户确认")
    deal = _advance(deal, "Solution / proposal")
    clock.at(times[3])
    _title, bundle = rng.choice(BUNDLES)
    quote = quote_create(actor=owner, opportunity=deal)
    quote = quote_set_lines(
        actor=owner,
        quote=quote,
        lines=[
            {
                "product": products[code],
                "quantity": rng.choice(quantities),
                "discount_percent": rng.choice([0, 5, 8, 10]),
            }
            for code, quantities in bundle
        ],
    )
    quote_send(actor=owner, quote=quote)
    opportunity_update(actor=owner, opportunity=deal, amount=quote.total)
    deal = _advance(deal, "Negotiation")
    clock.at(times[4])
    quote_accept(actor=owner, quote=quote)
    return _advance(deal, "Won")


def _more_won_deals(rng: random.Random, clock: _Clock, people: _People) -> list[Opportunity]:
    products = Product.objects.in_bulk([code for _t, b in BUNDLES for code, _q in b], field_name="code")
    if len(products) < len({code for _t, b in BUNDLES for code, _q in b}):
        return []
    old = (
        Lead.objects.filter(
            status=Status.QUALIFIED, owner__isnull=False, created_at__lte=clock.now - timedelta(days=50)
        )
        .exclude(company="")
        .select_related("owner")
        .order_by("pk")
    )
    won: list[Opportunity] = []
    candidates = list(old)
    rng.shuffle(candidates)
    for lead in candidates:
        if len(won) == MORE_WON:
            break
        deal = _win(lead, rng, clock, people, products)
        if deal is not None:
            won.append(deal)
    return won


# --- contracts and orders -------------------------------------------------------------------------------------


def _fen_floor(amount: Decimal, unit: Decimal) -> Decimal:
    return (amount / unit).to_integral_value(rounding=ROUND_DOWN) * unit


def _payment_plan(kind: str, total: Decimal, on: date) -> list[dict[str, Any]]:
    """Payment plans as Chinese B2B contracts write them (预付款, 到货款, 验收款, 质保金)."""
    retention_due = on + timedelta(days=425)  # the warranty year after delivery and acceptance
    if kind == "three":
        return [
            {"label": "预付款", "milestone": Milestone.SIGNING, "due_days": 7, "percent": "30"},
            {"label": "到货款", "milestone": Milestone.DELIVERY, "due_days": 30, "percent": "60"},
            {"label": "质保金", "milestone": Milestone.DATE, "due_on": retention_due, "percent": "10"},
        ]
    if kind == "four":
        return [
            {"label": "预付款", "milestone": Milestone.SIGNING, "due_days": 10, "percent": "30"},
            {"label": "到货款", "milestone": Milestone.DELIVERY, "due_days": 15, "percent": "40"},
            {"label": "验收款", "milestone": Milestone.ACCEPTANCE, "due_days": 30, "percent": "25"},
            {"label": "质保金", "milestone": Milestone.DATE, "due_on": retention_due, "percent": "5"},
        ]
    if kind == "refused":
        return [
            {"label": "预付款", "milestone": Milestone.SIGNING, "due_days": 15, "percent": "10"},
            {"label": "验收款", "milestone": Milestone.ACCEPTANCE, "due_days": 60, "percent": "90"},
        ]
    # round sums, as a customer's purchasing department likes them
    unit = Decimal(1000) if total >= 100000 else Decimal(100)
    first = _fen_floor(total * Decimal("0.3"), unit)
    retention = _fen_floor(total * Decimal("0.05"), unit)
    return [
        {"label": "首付款", "milestone": Milestone.SIGNING, "due_days": 5, "amount": str(first)},
        {
            "label": "验收款",
            "milestone": Milestone.ACCEPTANCE,
            "due_days": 30,
            "amount": str(total - first - retention),
        },
        {"label": "质保金", "milestone": Milestone.DATE, "due_on": retention_due, "amount": str(retention)},
    ]


@dataclass
class _Job:
    deal: Opportunity
    plan: str
    manager: User
    finance: User
    people: _People
    # made on the way
    contract: Contract = field(init=False)
    order: Order = field(init=False)
    amendment: Amendment = field(init=False)

    @property
    def owner(self) -> User:
        return self.deal.owner

    @property
    def delivery(self) -> User:
        return self.deal.delivery or self.people.delivery[False]

    def do(self, step: str, moment: datetime) -> None:
        day = timezone.localdate(moment)
        getattr(self, f"_{step}")(day)

    def _create(self, day: date) -> None:
        quote = self.deal.quotes.get(status=Quote.Status.ACCEPTED)
        codes = {line.product.code for line in quote.lines.select_related("product") if line.product}
        kind = next((title for title, bundle in BUNDLES if {code for code, _q in bundle} == codes), "采购")
        title = f"{self.deal.account.name} {kind}项目合同"
        self.contract = contract_create_from_quote(actor=self.owner, quote=quote, title=title)

    def _plan(self, day: date) -> None:
        plan_set(
            actor=self.owner, contract=self.contract, installments=_payment_plan(self.plan, self.contract.total, day)
        )

    def _review_half(self, day: date) -> None:
        for item, note in list(zip(ReviewItem.objects.filter(active=True), REVIEW_NOTES, strict=False))[:2]:
            review_tick(actor=self.owner, contract=self.contract, item=item, note=note)

    def _review_rest(self, day: date) -> None:
        for item, note in list(zip(ReviewItem.objects.filter(active=True), REVIEW_NOTES, strict=False))[2:]:
            review_tick(actor=self.owner, contract=self.contract, item=item, note=note)

    def _manager(self, day: date) -> None:
        contract_decide(actor=self.manager, contract=self.contract, approve=True, comment="同意，注意交付排期")

    def _finance(self, day: date) -> None:
        contract_decide(actor=self.finance, contract=self.contract, approve=True, comment="回款计划符合公司政策")

    def _finance_refuses(self, day: date) -> None:
        contract_decide(actor=self.finance, contract=self.contract, approve=False, comment=REFUSAL)

    def _sign(self, day: date) -> None:
        contact = self.deal.contact
        signatory = (
            f"{contact.name}（{contact.title}）"
            if contact and contact.title
            else (contact.name if contact else "客户法定代表人")
        )
        self.contract = contract_sign(actor=self.owner, contract=self.contract, signed_on=day, signatory=signatory)
        self.order = Order.objects.get(contract=self.contract)

    def _handoff(self, sales_only: int | None) -> None:
        items = list(HandoffItem.objects.filter(active=True, side=HandoffItem.Side.SALES))
        for item, note in zip(items[:sales_only], HANDOFF_NOTES, strict=False):
            handoff_tick(actor=self.owner, order=self.order, item=item, note=note)

    def _handoff_sales(self, day: date) -> None:
        self._handoff(None)

    def _handoff_part(self, day: date) -> None:
        self._handoff(2)

    def _send_back(self, day: date) -> None:
        order_send_back(actor=self.delivery, order=self.order, reason=SEND_BACK)

    def _accept(self, day: date) -> None:
        for item in HandoffItem.objects.filter(active=True, side=HandoffItem.Side.DELIVERY):
            handoff_tick(actor=self.delivery, order=self.order, item=item, note="已与项目经理确认")
        self.order = order_accept(actor=self.delivery, order=self.order)

    def _progress(self, to: str, day: date) -> None:
        self.order = order_progress(actor=self.delivery, order=self.order, to=to, on=day)

    def _in_delivery(self, day: date) -> None:
        self._progress(OrderStatus.IN_DELIVERY, day)

    def _delivered(self, day: date) -> None:
        self._progress(OrderStatus.DELIVERED, day)

    def _customer_accepted(self, day: date) -> None:
        self._progress(OrderStatus.CUSTOMER_ACCEPTED, day)

    def _amend(self, day: date) -> None:
        """Ten more gateways: the new total over the same plan, the invoiceable installments as they are and the
        others grown in proportion (the last one takes the fen left over)."""
        contract = Contract.objects.get(pk=self.contract.pk)
        fields = ("product_code", "description", "unit", "quantity", "unit_price", "discount_percent", "tax_rate")
        lines = [{f: str(v) for f, v in line.items()} for line in contract.lines.values(*fields)]
        lines.append(MORE_GATEWAYS)
        total = sum_lines(
            line_amounts(
                Decimal(line["quantity"]),
                Decimal(line["unit_price"]),
                Decimal(line["discount_percent"]),
                Decimal(line["tax_rate"]),
                contract.currency,
            )
            for line in lines
        ).total
        plan = list(contract.installments.all())
        fixed = sum((i.amount for i in plan if i.invoiceable), Decimal("0.00"))
        growing = [i for i in plan if not i.invoiceable]
        ratio = (total - fixed) / (contract.total - fixed)
        amounts = {i.pk: quantize(i.amount * ratio, contract.currency) for i in growing}
        amounts[growing[-1].pk] += total - fixed - sum(amounts.values(), Decimal("0.00"))
        rows = [
            {"id": i.pk, "label": i.label, "milestone": i.milestone, "due_on": i.due_on, "due_days": i.due_days,
             "amount": str(amounts.get(i.pk, i.amount))}
            for i in plan
        ]  # fmt: skip
        self.amendment = amendment_propose(
            actor=self.owner, contract=contract, reason=AMENDMENT, lines=lines, installments=rows
        )

    def _amend_manager(self, day: date) -> None:
        amendment_decide(actor=self.manager, amendment=self.amendment, approve=True, comment="同意，追加部分按原价执行")

    def _amend_finance(self, day: date) -> None:
        amendment_decide(actor=self.finance, amendment=self.amendment, approve=True, comment="同意")

    def _terminate(self, day: date) -> None:
        self.amendment = contract_terminate(
            actor=self.owner, contract=self.contract, reason=TERMINATION, effective_on=day
        )

    def _terminate_manager(self, day: date) -> None:
        amendment_decide(actor=self.manager, amendment=self.amendment, approve=True, comment="同意解除，预付款不退")

    def _terminate_finance(self, day: date) -> None:
        amendment_decide(
            actor=self.finance, amendment=self.amendment, approve=True, comment="已核对：预付款已开票，其余回款计划取消"
        )


def _quotes_valid_from_their_day(deals: list[Opportunity]) -> None:
    """Quotes were made valid for the usual days from today; from the day they were made, rather."""
    days = timedelta(days=settings.QUOTE_VALID_DAYS)
    quote_events = apps.get_model("opportunities.QuoteEvent")
    with pgtrigger.ignore("opportunities.Quote:update_update"):
        for quote in Quote.objects.filter(opportunity__in=deals):
            valid_until = timezone.localdate(quote.created_at) + days
            Quote.objects.filter(pk=quote.pk).update(valid_until=valid_until)
            quote_events.objects.filter(pgh_obj_id=quote.pk).update(valid_until=valid_until)


def load() -> int:
    """Create the demo contracts and orders once (and the won deals they come from); 0 when contracts exist."""
    if Contract.objects.exists():
        return 0
    people = _People.load()
    if people is None:
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    clock = _Clock()
    new_deals = _more_won_deals(rng, clock, people)
    created = len(new_deals)  # and the contracts, orders and amendments, counted at the end (there were none)
    won = list(
        Opportunity.objects.filter(stage__category=Category.WON, quotes__status=Quote.Status.ACCEPTED)
        .select_related("owner", "team", "account", "contact", "delivery")
        .distinct()
    )
    won_at = {deal.pk: clock.moved(deal.closed_at or deal.created_at) for deal in won}
    won.sort(key=lambda deal: (won_at[deal.pk], deal.pk))
    taken = int((len(won) * SHARE).to_integral_value())
    states = [state for state, count in JOURNEY for _n in range(count)]
    plans = ["three", "four", "amounts"]
    for number, (deal, state) in enumerate(zip(won[:taken], states, strict=False)):
        manager = people.manager_of(deal.owner, deal.team)
        if manager is None:
            continue
        finance = people.finance[1] if state == "finance_refused" else people.finance[number % 2]
        job = _Job(deal, "refused" if state == "finance_refused" else plans[number % 3], manager, finance, people)
        steps = STEPS[state]
        gaps = [rng.uniform(*GAPS[step]) for step in steps]
        for step, moment in zip(steps, _schedule(won_at[deal.pk], gaps, clock.now - timedelta(hours=2)), strict=True):
            clock.at(moment)
            job.do(step, moment)
    clock.redate()
    _quotes_valid_from_their_day(new_deals)
    return created + Contract.objects.count() + Order.objects.count() + Amendment.objects.count()
