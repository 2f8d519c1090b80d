"""A small company's quarter, built through the services on fixed days (time frozen), whose funnel, stage
times and rep figures are worked out by hand in the tests.

Team A (manager ``manager``; reps ``rep`` and ``teammate``), team B (``other_rep``); all amounts in CNY.

rep:
  L1  created 01-06 09:00, contacted, converted 01-10 09:00 → O1 (Qualification 01-10 09:00)
      O1 moves to Needs analysis 01-14 09:00; quote accepted 01-20 09:00 (total ¥11,300.00; 10,000 + 13 % tax);
      won 01-21 09:00; contract signed 02-03 (30 % at signing +10 days, 70 % at acceptance +10 days);
      hand-off accepted by delivery 02-05; delivered 02-10; accepted by the customer 02-20;
      signing installment (¥3,390.00, due 02-13, invoiced 02-03) paid in full 03-01; acceptance installment
      (¥7,910.00, due 03-02, invoiced 02-20) paid ¥5,000.00 on 03-10 (not settled)
  L2  created 01-08, disqualified 01-09 ("没有预算")
  L3  created 02-01 09:00, contacted, converted 02-04 09:00 → O3, lost 02-20 09:00 (Price too high, 用友)
teammate:
  L4  created 01-15 09:00, contacted, converted 01-25 09:00 → O4; quote accepted 02-10 09:00 (¥22,600.00);
      contract signed 02-15 (100 % at signing +30 days), nothing more
other_rep (team B):
  L5  created 01-20, left new
  O6  opened 03-01 09:00 directly with an account (no lead), ¥50,000.00, open
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from activities.models import Activity
from activities.services import activity_complete
from contracts.models import Contract, HandoffItem, ReviewItem
from contracts.services import (
    contract_create_from_quote,
    contract_decide,
    contract_sign,
    handoff_tick,
    order_accept,
    order_progress,
    plan_set,
    review_tick,
)
from customers.models import BuyingRole
from customers.services import account_create
from leads.models import Lead, Source
from leads.services import lead_create, lead_disqualify
from leads.tests.conftest import HOT, WARM, _english  # noqa: F401 - messages asserted in English
from opportunities.models import LostReason, Opportunity, Requirement, Stage
from opportunities.services import (
    opportunity_create,
    opportunity_create_from_lead,
    opportunity_lose,
    opportunity_move,
    opportunity_set_team,
    quote_accept,
    quote_create,
    quote_send,
    quote_set_lines,
    requirement_tick,
)
from receivables.models import Invoice
from receivables.services import invoice_create_from_installment, invoice_issue, payment_record

TZ = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=TZ)


@dataclass
class Quarter:
    leads: dict[str, Lead]
    deals: dict[str, Opportunity]
    contracts: dict[str, Contract]
    website: Source


def _lead(org, owner, name: str, when: datetime, source: Source, **fields) -> Lead:
    with time_machine.travel(when, tick=False):
        return lead_create(
            actor=owner, owner=owner, name=name, company=f"{name}公司", source=source, region="east", **fields
        )


def _contact(lead: Lead, when: datetime) -> None:
    with time_machine.travel(when, tick=False):
        first = Activity.objects.filter(target_id=lead.pk, done_at__isnull=True).order_by("due_at", "pk").first()
        assert first is not None, "the cadence planned a first touch"
        activity_complete(actor=lead.owner, activity=first, outcome="已联系")


def _convert(lead: Lead, when: datetime, amount: str) -> Opportunity:
    with time_machine.travel(when, tick=False):
        return opportunity_create_from_lead(actor=lead.owner, lead=lead, new_account=True, new_contact=True,
                                            amount=amount)  # fmt: skip


def _accepted_quote(deal: Opportunity, when: datetime, price: str):
    with time_machine.travel(when, tick=False):
        quote = quote_create(actor=deal.owner, opportunity=deal)
        quote_set_lines(actor=deal.owner, quote=quote, lines=[
            {"description": "软件许可", "unit": "套", "quantity": "1", "unit_price": price, "tax_rate": "13"},
        ])  # fmt: skip
        quote_send(actor=deal.owner, quote=quote)
        return quote_accept(actor=deal.owner, quote=quote)


def _signed(org, quote, when: datetime, plan: list[dict]) -> Contract:
    with time_machine.travel(when, tick=False):
        owner = quote.opportunity.owner
        deal = Opportunity.objects.get(pk=quote.opportunity_id)
        if deal.delivery_id is None:
            opportunity_set_team(actor=owner, opportunity=deal, presales=org.presales, delivery=org.delivery)
        contract = contract_create_from_quote(actor=owner, quote=quote)
        for item in ReviewItem.objects.all():
            review_tick(actor=owner, contract=contract, item=item)
        plan_set(actor=owner, contract=contract, installments=plan)
        contract_decide(actor=org.manager, contract=contract, approve=True)
        contract_decide(actor=org.finance, contract=contract, approve=True)
        contract_sign(actor=owner, contract=contract, signed_on=when.date(), signatory="客户代表")
        contract.refresh_from_db()
        return contract


def _paid(org, contract: Contract, position: int, issued: datetime, when: datetime, amount: str) -> None:
    with time_machine.travel(issued, tick=False):
        installment = contract.installments.get(position=position)
        invoice = invoice_create_from_installment(actor=org.finance, installment=installment)
        invoice_issue(actor=org.finance, invoice=invoice, issued_on=issued.date())
    with time_machine.travel(when, tick=False):
        invoice = Invoice.objects.get(pk=invoice.pk)
        payment_record(actor=org.finance, account=contract.account, payer=contract.account.name,
                       received_on=when.date(), amount=amount, allocations=[(invoice, amount)])  # fmt: skip


@pytest.fixture
def quarter(org, _english) -> Quarter:  # noqa: F811
    website = Source.objects.get(code="website")
    referral = Source.objects.exclude(code="website").order_by("pk").first()
    assert referral is not None
    leads: dict[str, Lead] = {}
    deals: dict[str, Opportunity] = {}
    contracts: dict[str, Contract] = {}

    # rep: the whole chain
    leads["L1"] = _lead(org, org.rep, "陈明", at(1, 6), website, **HOT)
    _contact(leads["L1"], at(1, 7))
    deals["O1"] = _convert(leads["L1"], at(1, 10), "10000")
    with time_machine.travel(at(1, 14), tick=False):
        needs = Stage.objects.get(pipeline=deals["O1"].pipeline, name_en="Needs analysis")
        deals["O1"].account.contacts.update(role=BuyingRole.DECISION_MAKER)
        for requirement in Requirement.objects.filter(stage__pipeline=deals["O1"].pipeline, verified_by="manual"):
            requirement_tick(actor=org.rep, opportunity=deals["O1"], requirement=requirement, note="已确认")
        deals["O1"] = opportunity_move(actor=org.rep, opportunity=deals["O1"], stage=needs, version=None)
    quote = _accepted_quote(deals["O1"], at(1, 20), "10000.00")
    with time_machine.travel(at(1, 21), tick=False):
        deal = Opportunity.objects.get(pk=deals["O1"].pk)
        opportunity_set_team(actor=org.rep, opportunity=deal, presales=org.presales, delivery=org.delivery)
        deal = Opportunity.objects.get(pk=deals["O1"].pk)
        deals["O1"] = _win(org, deal)
    contracts["C1"] = _signed(org, quote, at(2, 3), [
        {"label": "签约款", "milestone": "signing", "percent": "30", "due_days": 10},
        {"label": "验收款", "milestone": "acceptance", "percent": "70", "due_days": 10},
    ])  # fmt: skip
    order = contracts["C1"].order
    with time_machine.travel(at(2, 5), tick=False):
        for item in HandoffItem.objects.all():
            handoff_tick(actor=org.rep if item.side == "sales" else org.delivery, order=order, item=item)
        order_accept(actor=org.delivery, order=order)
        order_progress(actor=org.delivery, order=order, to="in_delivery")
    with time_machine.travel(at(2, 10), tick=False):
        order_progress(actor=org.delivery, order=order, to="delivered", on=date(2025, 2, 10))
    with time_machine.travel(at(2, 20), tick=False):
        order_progress(actor=org.delivery, order=order, to="customer_accepted", on=date(2025, 2, 20))
    _paid(org, contracts["C1"], 1, at(2, 3, 15), at(3, 1), "3390.00")
    _paid(org, contracts["C1"], 2, at(2, 20, 15), at(3, 10), "5000.00")

    leads["L2"] = _lead(org, org.rep, "王芳", at(1, 8), website)
    with time_machine.travel(at(1, 9), tick=False):
        lead_disqualify(actor=org.rep, lead=leads["L2"], reason="没有预算")

    leads["L3"] = _lead(org, org.rep, "李强", at(2, 1), referral, **WARM)
    _contact(leads["L3"], at(2, 2))
    deals["O3"] = _convert(leads["L3"], at(2, 4), "8000")
    with time_machine.travel(at(2, 20), tick=False):
        deals["O3"] = opportunity_lose(
            actor=org.rep, opportunity=Opportunity.objects.get(pk=deals["O3"].pk), version=None,
            reason=LostReason.objects.get(name_en="Price too high"), competitor="用友",
        )  # fmt: skip

    # teammate: signed, nothing after
    leads["L4"] = _lead(org, org.teammate, "赵伟", at(1, 15), website, **WARM)
    _contact(leads["L4"], at(1, 16))
    deals["O4"] = _convert(leads["L4"], at(1, 25), "20000")
    quote4 = _accepted_quote(deals["O4"], at(2, 10), "20000.00")
    contracts["C4"] = _signed(org, quote4, at(2, 15), [
        {"label": "全款", "milestone": "signing", "percent": "100", "due_days": 30},
    ])  # fmt: skip

    # other team
    leads["L5"] = _lead(org, org.other_rep, "孙丽", at(1, 20), referral)
    with time_machine.travel(at(3, 1), tick=False):
        account = account_create(actor=org.other_rep, owner=org.other_rep, name="直接客户")
        deals["O6"] = opportunity_create(actor=org.other_rep, account=account, name="直接商机", amount="50000")
    return Quarter(leads=leads, deals=deals, contracts=contracts, website=website)


def _win(org, deal: Opportunity) -> Opportunity:
    notes = {r.pk: "已说明" for r in Requirement.objects.filter(stage__pipeline=deal.pipeline)}
    won = Stage.objects.get(pipeline=deal.pipeline, category="won")
    return opportunity_move(actor=org.rep, opportunity=deal, stage=won, version=None, notes=notes)


TOTALS = {"O1": Decimal("11300.00"), "O4": Decimal("22600.00")}
