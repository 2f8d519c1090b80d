"""Demo opportunities: qualified demo leads converted as reps convert them, then worked through the pipeline
(gates met, the iron triangle named, quotes sent and accepted, some won and some lost), plus the public
Maven data set (8,800 deals) through the importer when ../shared/data/maven-crm is there."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from customers.models import BuyingRole
from leads.models import Lead, Status
from ltc.errors import DomainError
from opportunities import maven
from opportunities.models import LostReason, Opportunity, Product, Stage
from opportunities.services import (
    opportunity_create_from_lead,
    opportunity_lose,
    opportunity_move,
    opportunity_set_team,
    opportunity_update,
    quote_accept,
    quote_create,
    quote_send,
    quote_set_lines,
    requirement_tick,
)
from org.models import User

SEED = 20261126
CONVERT = 40
MAVEN = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "maven-crm"
PRODUCTS = [
    ("LTC-CRM-STD", "LTC CRM 标准版（年）", "用户/年", "1200.00", "6"),
    ("LTC-CRM-ENT", "LTC CRM 企业版（年）", "用户/年", "2400.00", "6"),
    ("IMPL-DAY", "实施服务", "人天", "2500.00", "6"),
    ("MES-STD", "MES 标准版", "套", "88000.00", "13"),
    ("IOT-GW", "工业物联网网关", "台", "6800.00", "13"),
]
# how far each converted deal gets: (stage reached, how many)
JOURNEY = [("Qualification", 10), ("Needs analysis", 9), ("Solution / proposal", 8), ("Negotiation", 6),
           ("Won", 4), ("Lost", 3)]  # fmt: skip


def _products() -> list[Product]:
    made = []
    for code, name, unit, price, tax in PRODUCTS:
        product, _created = Product.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "list_price": Decimal(price), "tax_rate": Decimal(tax)}
        )
        made.append(product)
    return made


def _work(deal: Opportunity, goal: str, rng: random.Random, products: list[Product]) -> None:
    """Take a deal as far as ``goal`` the way a rep would: meeting each gate, then moving."""
    owner = deal.owner
    presales = User.objects.filter(username="gao.feng").first()
    delivery = User.objects.filter(username="ma.jun").first()
    stages = {s.name_en: s for s in Stage.objects.filter(pipeline=deal.pipeline)}
    order = ["Needs analysis", "Solution / proposal", "Negotiation", "Won"]
    if goal == "Lost":
        opportunity_lose(
            actor=owner, opportunity=deal, version=deal.version, reason=rng.choice(list(LostReason.objects.all())),
            competitor=rng.choice(["用友", "金蝶", "Salesforce", "纷享销客", ""]),
        )  # fmt: skip
        return
    for step in order[: order.index(goal) + 1] if goal in order else []:
        if step == "Needs analysis":
            deal.account.contacts.update(role=BuyingRole.DECISION_MAKER)
            budget = stages[step].requirements.get(name_en="Budget confirmed")
            requirement_tick(actor=owner, opportunity=deal, requirement=budget, note="客户确认今年有预算")
        elif step == "Solution / proposal":
            opportunity_set_team(actor=owner, opportunity=deal, presales=presales, delivery=delivery)
        elif step == "Negotiation":
            quote = quote_create(actor=owner, opportunity=deal)
            picked = rng.sample(products, 2)
            quote = quote_set_lines(
                actor=owner,
                quote=quote,
                lines=[
                    {"product": p, "quantity": rng.choice([1, 2, 5, 20]), "discount_percent": rng.choice([0, 5, 10])}
                    for p in picked
                ],
            )
            quote_send(actor=owner, quote=quote)
            opportunity_update(actor=owner, opportunity=deal, amount=quote.total)
        elif step == "Won":
            quote_accept(actor=owner, quote=deal.quotes.get(status="sent"))
        notes = {r.pk: "客户口头确认，纪要随后补充" for r in stages[step].requirements.filter(kind="guidance")}
        deal = opportunity_move(actor=owner, opportunity=deal, stage=stages[step], version=deal.version, notes=notes)


def load() -> int:
    created = 0
    if not Opportunity.objects.filter(source_lead__isnull=False).exists():
        rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        products = _products()
        qualified = list(
            Lead.objects.filter(status=Status.QUALIFIED, owner__isnull=False).exclude(company="").order_by("pk")
        )
        goals = [goal for goal, count in JOURNEY for _n in range(count)]
        for lead in rng.sample(qualified, min(CONVERT, len(qualified))):
            try:
                deal = opportunity_create_from_lead(
                    actor=lead.owner,
                    lead=lead,
                    new_account=True,
                    new_contact=True,
                    amount=Decimal(rng.randrange(30, 1500)) * 1000,
                    expected_close_date=timezone.localdate() + timedelta(days=rng.randrange(20, 120)),
                )
            except DomainError:
                continue  # a company that is already another rep's customer stays a lead, as it would
            created += 1
            if goals:
                _work(deal, goals.pop(0), rng, products)
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if MAVEN.is_dir() and admin is not None and not Opportunity.objects.exclude(external_ref="").exists():
        created += sum(maven.load(MAVEN, admin).values())
    return created
