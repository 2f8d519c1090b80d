"""Contracts: made once from the accepted quote, the payment plan to the fen, the review, approvals in their
order (never one's own), and signing only when all of it holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.models import Approval, Contract, Installment, ReviewItem
from contracts.services import (
    contract_create_from_quote,
    contract_decide,
    contract_sign,
    plan_set,
    review_tick,
)
from customers.services import account_create
from ltc.errors import DomainError
from opportunities.services import opportunity_create, quote_accept, quote_create, quote_send, quote_set_lines


@pytest.fixture
def quote(org, _english):
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="small")
    deal = opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")
    quote = quote_create(actor=org.rep, opportunity=deal)
    quote_set_lines(actor=org.rep, quote=quote, lines=[
        {"description": "MES 软件许可", "unit": "套", "quantity": "3", "unit_price": "1999.99", "tax_rate": "13"},
        {"description": "实施服务", "unit": "人天", "quantity": "10", "unit_price": "2500.00", "tax_rate": "6"},
    ])  # fmt: skip
    quote_send(actor=org.rep, quote=quote)
    return quote_accept(actor=org.rep, quote=quote)


@pytest.fixture
def contract(org, quote) -> Contract:
    return contract_create_from_quote(actor=org.rep, quote=quote)


def state(contract: Contract) -> tuple:
    contract.refresh_from_db()
    return (contract.status, contract.installments.count(), contract.approvals.count(), contract.checks.count())


def test_a_contract_copies_the_accepted_quote_once(org, quote, contract):
    assert (contract.number, contract.total, contract.currency, contract.owner, contract.title) == (
        f"HT{date.today().year}-0001",
        Decimal("33279.97"),
        "CNY",
        org.rep,
        "金桥 MES 一期",
    )
    assert list(contract.lines.values_list("description", "quantity", "total")) == [
        ("MES 软件许可", Decimal("3.000"), Decimal("6779.97")),
        ("实施服务", Decimal("10.000"), Decimal("26500.00")),
    ]
    quote.lines.all().delete()  # the contract keeps its own copy
    assert contract.lines.count() == 2
    with pytest.raises(DomainError) as twice:
        contract_create_from_quote(actor=org.rep, quote=quote)
    assert (twice.value.code, Contract.objects.count()) == ("contract_exists", 1)


def test_a_percent_plan_resolves_to_the_fen_and_must_add_up(org, contract):
    plan_set(actor=org.rep, contract=contract, installments=[
        {"label": "签约款", "milestone": "signing", "percent": "30"},
        {"label": "到货款", "milestone": "delivery", "percent": "60", "due_days": 30},
        {"label": "验收款", "milestone": "acceptance", "percent": "10", "due_days": 15},
    ])  # fmt: skip
    assert list(Installment.objects.order_by("position").values_list("label", "amount")) == [
        ("签约款", Decimal("9983.99")),
        ("到货款", Decimal("19967.98")),
        ("验收款", Decimal("3328.00")),
    ]
    before = state(contract)

    with pytest.raises(DomainError) as short:
        plan_set(actor=org.rep, contract=contract, installments=[
            {"milestone": "signing", "amount": "10000"}, {"milestone": "date", "due_on": "2027-03-31", "percent": "60"},
        ])  # fmt: skip
    with pytest.raises(DomainError) as bad:
        plan_set(actor=org.rep, contract=contract, installments=[
            {"milestone": "date", "percent": "120"}, {"milestone": "soon", "amount": "1", "percent": "1"},
        ])  # fmt: skip

    assert (short.value.code, str(short.value.message)) == (
        "plan_does_not_add_up",
        "The installments add up to ¥29,967.98, the contract is ¥33,279.97 (-¥3,311.99).",
    )
    assert (bad.value.code, bad.value.fields) == (
        "invalid_payment_plan",
        {
            "installments.1.due_on": ["A date milestone needs its date."],
            "installments.1.percent": ["Between 0 and 100 %."],
            "installments.2.milestone": ["Choose a milestone."],
            "installments.2.amount": ["Give either an amount or a percent."],
        },
    )
    assert state(contract) == before


def test_approvals_go_in_order_by_the_people_they_name_and_never_one_s_own(org, contract):
    with pytest.raises(DomainError) as early:
        contract_decide(actor=org.manager, contract=contract, approve=True)
    assert early.value.code == "checklist_incomplete"
    for item in ReviewItem.objects.all():
        review_tick(actor=org.rep, contract=contract, item=item)

    refusals = {}
    for person in (org.rep, org.finance, org.teammate, org.other_rep):
        with pytest.raises(DomainError) as refused:
            contract_decide(actor=person, contract=contract, approve=True)
        refusals[person.username] = refused.value.code
    assert refusals == {
        "rep": "own_contract", "finance": "not_the_approver", "teammate": "not_the_approver",
        "other_rep": "not_the_approver",
    }  # fmt: skip
    assert Approval.objects.count() == 0

    contract_decide(actor=org.manager, contract=contract, approve=False, comment="付款条件太宽松")
    contract_decide(actor=org.manager, contract=contract, approve=True, comment="已调整")
    contract_decide(actor=org.finance, contract=contract, approve=True)

    assert list(Approval.objects.values_list("step__approver", "approved", "by__username", "comment")) == [
        ("sales_manager", False, "manager", "付款条件太宽松"),
        ("sales_manager", True, "manager", "已调整"),
        ("finance", True, "finance", ""),
    ]


def test_signing_needs_review_approvals_and_a_plan_that_adds_up(org, contract):
    before = state(contract)
    with pytest.raises(DomainError) as early:
        contract_sign(actor=org.rep, contract=contract, signed_on=date(2026, 11, 25), signatory="钱伟")
    assert early.value.code == "checklist_incomplete"
    assert set(early.value.fields) == {"checklist", "approvals", "installments"}
    assert state(contract) == before

    for item in ReviewItem.objects.all():
        review_tick(actor=org.rep, contract=contract, item=item)
    contract_decide(actor=org.manager, contract=contract, approve=True)
    contract_decide(actor=org.finance, contract=contract, approve=True)
    plan_set(actor=org.rep, contract=contract, installments=[
        {"milestone": "signing", "percent": "50"}, {"milestone": "acceptance", "percent": "50"},
    ])  # fmt: skip
    with pytest.raises(DomainError) as stale:  # the plan changed after the approvals: they are asked again
        contract_sign(actor=org.rep, contract=contract, signed_on=date(2026, 11, 25), signatory="钱伟")
    assert (stale.value.code, stale.value.fields) == ("approvals_missing", {"approvals": ["Sales manager approval"]})

    contract_decide(actor=org.manager, contract=contract, approve=True)
    contract_decide(actor=org.finance, contract=contract, approve=True)
    signed = contract_sign(actor=org.rep, contract=contract, signed_on=date(2026, 11, 25), signatory="钱伟")

    assert (signed.status, signed.signed_on, signed.signatory) == ("signed", date(2026, 11, 25), "钱伟")
    assert list(signed.installments.values_list("milestone", "amount", "invoiceable")) == [
        ("signing", Decimal("16639.99"), True),
        ("acceptance", Decimal("16639.98"), False),
    ]
    with pytest.raises(DomainError) as locked:
        plan_set(actor=org.rep, contract=signed, installments=[{"milestone": "signing", "percent": "100"}])
    assert locked.value.code == "contract_signed_use_amendment"
