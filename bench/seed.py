"""Benchmark seed data at the scale of issue 9 (item 9), written in bulk: it is test data, so it skips the
services (and their audit rows) but keeps every constraint and every running sum true.

- ``seed_people``: sales teams below the demo company's regions, each with a manager and reps (memberships),
  until the company has ``users`` people;
- ``seed_cash``: for won deals (imported with their stage history by ``bench_deals``), the accepted quote, the
  signed contract with its line, its order and its payment plan (installments adding up to the total to the
  fen); an issued invoice per installment; payments allocated to them. An invoice's ``allocated`` is the sum of
  its allocations, a payment's ``allocated`` the sum of its own, an installment's ``received`` the sum of its
  invoices' and ``settled_on`` the day it was covered; a contract whose order the customer accepted and whose
  installments are all settled is completed.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
BATCH = 2000


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def seed_people(
    users: int, teams: int, names: tuple[str, str] = ("王李张刘陈", "伟芳娜"), seed: int = 19
) -> dict[str, int]:
    """``teams`` sales teams (under the demo regions, round robin), each led by a manager, with reps, so that the
    company has at least ``users`` people. Passwords are unusable (nobody signs in as them; the test client
    logs in without one)."""
    from django.contrib.auth.hashers import make_password

    from org.models import Membership, RepLevel, Role, Team, User

    rng = random.Random(seed)  # noqa: S311 - test data
    missing = max(users - User.objects.count(), 0)
    if teams <= 0 or missing == 0:
        return {"users": User.objects.count(), "teams": Team.objects.count(), "created_users": 0}
    regions = list(Team.objects.filter(name__in=["华东大区", "华南大区", "华北大区", "国际业务部"]).order_by("pk"))
    made = Team.objects.bulk_create(
        [
            Team(
                name=f"压测{k + 1:02d}组",
                name_en=f"Bench team {k + 1}",
                parent=regions[k % len(regions)],
                region=regions[k % len(regions)].region,
            )
            for k in range(teams)
        ]
    )
    password = make_password(None)
    people = []
    roles = []
    levels = [RepLevel.JUNIOR, RepLevel.REGULAR, RepLevel.SENIOR]
    for i in range(missing):
        team = made[i % teams]
        first = i < teams  # the first person of each team leads it
        name = rng.choice(names[0]) + rng.choice(names[1]) + rng.choice(names[1])
        people.append(
            User(
                username=f"bench.{i:04d}",
                display_name=name,
                email=f"bench.{i:04d}@bench.ltc",
                password=password,
                rep_level=rng.choice(levels),
                region=team.region,
            )
        )
        roles.append((team, Role.MANAGER if first else Role.REP))
    User.objects.bulk_create(people, batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(user=user, team=team, role=role) for user, (team, role) in zip(people, roles, strict=True)],
        batch_size=BATCH,
    )
    return {"users": User.objects.count(), "teams": Team.objects.count(), "created_users": len(people)}


def _split(total: Decimal, parts: int) -> list[Decimal]:
    """``parts`` amounts adding up to ``total`` to the fen (the last takes the rounding)."""
    shares = [Decimal(1) / parts] * parts
    out = [_money(total * s) for s in shares[:-1]]
    return [*out, total - sum(out, Decimal(0))]


def seed_cash(contracts: int, installments: int, invoices: int, payments: int, seed: int = 23) -> dict[str, Any]:
    """Contracts on won deals, their orders and payment plans, invoices and allocated payments (see the module)."""
    from django.db import transaction
    from django.utils import timezone

    from contracts.models import Contract, ContractLine, Installment, Milestone, Order, OrderStatus
    from contracts.models import Status as ContractStatus
    from customers.models import Account
    from opportunities.models import Category, Opportunity, Quote, QuoteLine
    from org.models import Membership, Role, User
    from receivables.models import Allocation, Invoice, InvoiceLine, InvoiceStatus, Method, Payment

    rng = random.Random(seed)  # noqa: S311 - test data
    today = timezone.localdate()
    now = timezone.now()
    finance = User.objects.get(username="qian.hui")
    delivery = list(Membership.objects.filter(role=Role.DELIVERY).values_list("user_id", flat=True))
    teams = dict(Membership.objects.filter(role__in=(Role.REP, Role.MANAGER)).values_list("user_id", "team_id"))
    accounts = {a["pk"]: a for a in Account.objects.values("pk", "name", "owner_id")}
    won = list(
        Opportunity.objects.filter(stage__category=Category.WON, contracts__isnull=True, amount__gt=0)
        .exclude(quotes__status=Quote.Status.ACCEPTED)
        .order_by("pk")
        .values(
            "pk",
            "name",
            "account_id",
            "owner_id",
            "team_id",
            "presales_id",
            "amount",
            "currency",
            "closed_at",
            "created_at",
        )[:contracts]
    )
    if not won:
        return {"contracts": 0}
    tax = Decimal("6")

    def day(moment: datetime | None) -> date:
        return min(timezone.localdate(moment) if moment else today, today)

    quotes, lines, deals_of = [], [], []
    for deal in won:
        closed = deal["closed_at"] or deal["created_at"]
        closed = min(closed, now)
        total = deal["amount"]
        net = _money(total / (1 + tax / 100))
        quote = Quote(
            opportunity_id=deal["pk"],
            version=1,
            status=Quote.Status.ACCEPTED,
            currency=deal["currency"],
            valid_until=day(closed) + timedelta(days=30),
            gross=net,
            net=net,
            tax=total - net,
            total=total,
            sent_at=closed - timedelta(days=rng.randrange(1, 20)),
            decided_at=closed,
        )
        quotes.append(quote)
        lines.append(
            QuoteLine(
                quote=quote,
                position=1,
                description="实施服务",
                unit="套",
                quantity=Decimal(1),
                unit_price=net,
                tax_rate=tax,
                gross=net,
                net=net,
                tax=total - net,
                total=total,
            )
        )
        deals_of.append((deal, day(closed)))

    with transaction.atomic():
        Quote.objects.bulk_create(quotes, batch_size=BATCH)
        QuoteLine.objects.bulk_create(lines, batch_size=BATCH)

        # the contracts, their lines and orders, their plans
        made: list[Contract] = []
        orders: list[Order] = []
        contract_lines: list[ContractLine] = []
        plan: list[Installment] = []
        per = [installments // len(won) + (1 if k < installments % len(won) else 0) for k in range(len(won))]
        for k, ((deal, closed_on), quote) in enumerate(zip(deals_of, quotes, strict=True)):
            signed_on = min(closed_on + timedelta(days=rng.randrange(0, 21)), today)
            team = deal["team_id"] or teams.get(deal["owner_id"])
            delivery_lead = rng.choice(delivery) if delivery else None
            contract = Contract(
                number=f"BC{k + 1:07d}",
                opportunity_id=deal["pk"],
                quote=quote,
                account_id=deal["account_id"],
                title=deal["name"][:200],
                currency=deal["currency"],
                total=deal["amount"],
                starts_on=signed_on,
                ends_on=signed_on + timedelta(days=365),
                status=ContractStatus.SIGNED,
                signed_on=signed_on,
                signatory="客户代表",
                owner_id=deal["owner_id"],
                team_id=team,
                presales_id=deal["presales_id"],
                delivery_id=delivery_lead,
                created_by=finance,
            )
            made.append(contract)
            net = quote.net
            contract_lines.append(
                ContractLine(
                    contract=contract,
                    position=1,
                    description="实施服务",
                    unit="套",
                    quantity=Decimal(1),
                    unit_price=net,
                    discount_percent=Decimal(0),
                    tax_rate=tax,
                    total=deal["amount"],
                )
            )
            age = (today - signed_on).days
            order = Order(
                contract=contract,
                number=f"BO{k + 1:07d}",
                owner_id=deal["owner_id"],
                team_id=team,
                presales_id=deal["presales_id"],
                delivery_id=delivery_lead,
            )
            if age >= 7:
                order.status = OrderStatus.ACCEPTED
                order.accepted_at = timezone.make_aware(
                    datetime.combine(signed_on + timedelta(days=7), datetime.min.time())
                )
            if age >= 30:
                order.status = OrderStatus.IN_DELIVERY
            if age >= 90:
                order.status, order.delivered_on = (
                    OrderStatus.DELIVERED,
                    signed_on + timedelta(days=rng.randrange(30, 90)),
                )
            if age >= 150 and rng.random() < 0.9:
                order.status = OrderStatus.CUSTOMER_ACCEPTED
                order.customer_accepted_on = (order.delivered_on or signed_on) + timedelta(days=rng.randrange(10, 60))
            orders.append(order)
            parts = per[k]
            if parts == 0:
                continue
            milestones = [Milestone.SIGNING, Milestone.DELIVERY, Milestone.ACCEPTANCE]
            for p, amount in enumerate(_split(deal["amount"], parts)):
                milestone = milestones[min(p, 2)] if p < 3 else Milestone.DATE
                due_on = signed_on + timedelta(days=[0, 90, 150][min(p, 2)] + 60 * max(p - 2, 0) + rng.randrange(0, 30))
                plan.append(
                    Installment(
                        contract=contract,
                        position=p + 1,
                        label=f"第{p + 1}期",
                        milestone=milestone,
                        due_on=due_on,
                        due_days=None if milestone == Milestone.DATE else 30,
                        percent=_money(Decimal(100) / parts),
                        amount=amount,
                        invoiceable=True,
                    )
                )
        Contract.objects.bulk_create(made, batch_size=BATCH)
        ContractLine.objects.bulk_create(contract_lines, batch_size=BATCH)
        Order.objects.bulk_create(orders, batch_size=BATCH)

        # an invoice per installment, the earliest due first, issued ahead of the due day (never after today)
        by_due = sorted(plan, key=lambda i: (i.due_on, id(i)))[:invoices]
        bills: list[Invoice] = []
        for n, inst in enumerate(by_due):
            contract = inst.contract
            issued_on = max(min(inst.due_on - timedelta(days=rng.randrange(0, 15)), today), contract.signed_on)
            net = _money(inst.amount / (1 + tax / 100))
            bills.append(
                Invoice(
                    kind=Invoice.Kind.INVOICE,
                    number=f"BI{n + 1:08d}",
                    account_id=contract.account_id,
                    contract=contract,
                    installment=inst,
                    status=InvoiceStatus.ISSUED,
                    issued_on=issued_on,
                    due_on=issued_on + timedelta(days=30),
                    currency=contract.currency,
                    net=net,
                    tax=inst.amount - net,
                    total=inst.amount,
                    owner_id=contract.owner_id,
                    team_id=contract.team_id,
                    presales_id=contract.presales_id,
                    delivery_id=contract.delivery_id,
                    created_by=finance,
                )
            )

        # payments: the older an invoice, the likelier it is paid; some old ones stay overdue, some are paid in part,
        # and (as many as it takes to reach ``payments``) some in two payments
        candidates = sorted((b for b in bills if b.issued_on < today), key=lambda b: (b.issued_on, b.number))
        chosen = [b for b in candidates if rng.random() >= 0.08][:payments]
        twice = set(rng.sample(range(len(chosen)), min(max(payments - len(chosen), 0), len(chosen))))
        paid: list[tuple[Invoice, Decimal, date]] = []
        for k, bill in enumerate(chosen):
            first_on = min(bill.issued_on + timedelta(days=rng.randrange(0, 75)), today)
            if k in twice:
                part = _money(bill.total * Decimal(rng.randrange(30, 70)) / 100)
                second_on = min(first_on + timedelta(days=rng.randrange(1, 60)), today)
                entries = [(part, first_on), (bill.total - part, second_on)]
            elif rng.random() < 0.15:
                entries = [(_money(bill.total * Decimal(rng.randrange(30, 90)) / 100), first_on)]
            else:
                entries = [(bill.total, first_on)]
            paid += [(bill, amount, on) for amount, on in entries]
            bill.allocated = sum((amount for amount, _on in entries), Decimal(0))
            full = bill.allocated == bill.total
            bill.status = InvoiceStatus.PAID if full else InvoiceStatus.PARTIALLY_PAID
            bill.paid_on = entries[-1][1] if full else None
            inst = bill.installment
            inst.received = bill.allocated
            inst.settled_on = entries[-1][1] if inst.received >= inst.amount else None

        Installment.objects.bulk_create(plan, batch_size=BATCH)
        Invoice.objects.bulk_create(bills, batch_size=BATCH)
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=b, position=1, description="实施服务", tax_rate=tax, net=b.net, tax=b.tax, total=b.total
                )
                for b in bills
            ],
            batch_size=BATCH,
        )
        money = []
        for bill, amount, received_on in paid:
            account = accounts[bill.account_id]
            extra = _money(Decimal(rng.randrange(100, 5000))) if rng.random() < 0.03 else Decimal(0)
            money.append(
                Payment(
                    account_id=bill.account_id,
                    payer=account["name"][:200],
                    received_on=received_on,
                    amount=amount + extra,
                    currency=bill.currency,
                    allocated=amount,
                    method=Method.ACCEPTANCE_BILL if rng.random() < 0.1 else Method.TRANSFER,
                    reference=f"BP{len(money) + 1:08d}",
                    owner_id=account["owner_id"],
                    team_id=teams.get(account["owner_id"]),
                    recorded_by=finance,
                )
            )
        Payment.objects.bulk_create(money, batch_size=BATCH)
        Allocation.objects.bulk_create(
            [
                Allocation(payment=p, invoice=bill, amount=amount, payment_amount=amount, by=finance)
                for p, (bill, amount, _on) in zip(money, paid, strict=True)
            ],
            batch_size=BATCH,
        )

        # a contract completes when the customer accepted its order and every installment is settled
        settled: dict[int, list[Installment]] = {}
        for inst in plan:
            settled.setdefault(inst.contract.pk, []).append(inst)
        done = []
        for contract, order in zip(made, orders, strict=True):
            plan_of = settled.get(contract.pk, [])
            if order.status == OrderStatus.CUSTOMER_ACCEPTED and plan_of and all(i.settled_on for i in plan_of):
                contract.status = ContractStatus.COMPLETED
                contract.ended_on = max([*(i.settled_on for i in plan_of), order.customer_accepted_on])
                done.append(contract)
        Contract.objects.bulk_update(done, ["status", "ended_on"], batch_size=BATCH)
    return {
        "contracts": len(made),
        "completed": len(done),
        "orders accepted by the customer": sum(o.status == OrderStatus.CUSTOMER_ACCEPTED for o in orders),
        "installments": len(plan),
        "invoices": len(bills),
        "payments": len(money),
    }


def analyze() -> float:
    """ANALYZE the whole database after the bulk writes, as autovacuum would shortly after (without statistics
    the planner guesses row counts of freshly written tables and picks nested loops). Returns the seconds."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - started, 2)


def check_sums() -> dict[str, int]:
    """The running sums against their entries, over every invoice, payment and installment: each count must be 0."""
    from django.db import connection

    queries = {
        "invoices whose allocated is not the sum of their allocations": """
            SELECT count(*) FROM receivables_invoice i LEFT JOIN (
                SELECT invoice_id, sum(amount) s FROM receivables_allocation GROUP BY invoice_id) a
              ON a.invoice_id = i.id WHERE i.allocated <> coalesce(a.s, 0)""",
        "payments whose allocated is not the sum of their allocations": """
            SELECT count(*) FROM receivables_payment p LEFT JOIN (
                SELECT payment_id, sum(payment_amount) s FROM receivables_allocation GROUP BY payment_id) a
              ON a.payment_id = p.id WHERE p.reversal_of_id IS NULL AND p.allocated <> coalesce(a.s, 0)""",
        "installments whose received is not the sum of their invoices'": """
            SELECT count(*) FROM contracts_installment n LEFT JOIN (
                SELECT installment_id, sum(allocated) s FROM receivables_invoice
                 WHERE kind = 'invoice' AND status NOT IN ('draft', 'void') GROUP BY installment_id) i
              ON i.installment_id = n.id WHERE n.received <> coalesce(i.s, 0)""",
        "plans that do not add up to their contract's total": """
            SELECT count(*) FROM contracts_contract c JOIN (
                SELECT contract_id, sum(amount) s FROM contracts_installment GROUP BY contract_id) n
              ON n.contract_id = c.id WHERE n.s <> c.total""",
    }
    out = {}
    with connection.cursor() as cursor:
        for label, sql in queries.items():
            cursor.execute(sql)
            out[label] = cursor.fetchone()[0]
    return out
