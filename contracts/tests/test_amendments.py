"""After signing a contract changes only through an amendment with its own approvals; every version stays
readable and the current one is what delivery and cash collection use. Termination is approved the same way;
a contract completes when the customer has accepted and every installment is settled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from contracts.models import Amendment, Approval, Contract, HandoffItem, Order, OrderChange
from contracts.services import (
    amendment_decide,
    amendment_propose,
    amendment_withdraw,
    contract_complete_if_done,
    contract_terminate,
    handoff_tick,
    order_accept,
    order_progress,
    plan_set,
)
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from contracts.tests.test_orders import order  # noqa: F401 - the fixture
from ltc.audit import record_history
from ltc.errors import DomainError

EXTRA = {"description": "二期实施服务", "unit": "人天", "quantity": "5", "unit_price": "2500.00", "tax_rate": "6"}


def snapshot(contract: Contract) -> tuple:
    contract.refresh_from_db()
    return (
        contract.status,
        contract.version,
        contract.total,
        list(contract.lines.values_list("description", "total")),
        list(contract.installments.values_list("pk", "label", "amount", "invoiceable", "cancelled")),
        Amendment.objects.filter(contract=contract).count(),
    )


def current_plan(contract: Contract) -> list[dict]:
    return [
        {"id": i.pk, "label": i.label, "milestone": i.milestone, "due_days": i.due_days, "amount": str(i.amount)}
        for i in contract.installments.all()
    ]


def take_and_deliver(org, order: Order, delivered_on: date) -> None:  # noqa: F811
    for item in HandoffItem.objects.all():
        handoff_tick(actor=org.rep if item.side == "sales" else org.delivery, order=order, item=item)
    order_accept(actor=org.delivery, order=order)
    order_progress(actor=org.delivery, order=order, to="in_delivery")
    order_progress(actor=org.delivery, order=order, to="delivered", on=delivered_on)


def test_a_signed_contract_changes_only_through_an_approved_amendment(org, order):  # noqa: F811
    contract = order.contract
    signing = contract.installments.get(milestone="signing")
    lines_now = [{**line, "product_code": ""} for line in contract.lines.values(
        "description", "unit", "quantity", "unit_price", "discount_percent", "tax_rate")]  # fmt: skip
    before = snapshot(contract)
    refusals = {}
    with pytest.raises(DomainError) as outside:
        plan_set(actor=org.rep, contract=contract, installments=[{"milestone": "signing", "percent": "100"}])
    refusals["plan_set"] = outside.value.code
    with pytest.raises(DomainError) as off:  # the old plan's percentages over the new total miss the fixed part
        amendment_propose(actor=org.rep, contract=contract, reason="客户追加二期", lines=[*lines_now, EXTRA])
    refusals["lines only"] = (off.value.code, off.value.message)
    moved = current_plan(contract)
    moved[0]["amount"] = "9000.00"
    with pytest.raises(DomainError) as locked:
        amendment_propose(actor=org.rep, contract=contract, reason="少收预付款", installments=moved)
    refusals["invoiceable"] = (locked.value.code, locked.value.message)
    with pytest.raises(DomainError) as same:
        amendment_propose(actor=org.rep, contract=contract, reason="无", installments=current_plan(contract))
    refusals["nothing"] = same.value.code
    with pytest.raises(DomainError) as no_reason:
        amendment_propose(actor=org.rep, contract=contract, reason=" ", lines=[*lines_now, EXTRA])
    refusals["no reason"] = no_reason.value.code
    assert refusals == {
        "plan_set": "contract_signed_use_amendment",
        "lines only": (
            "plan_does_not_add_up",
            "The installments add up to ¥42,554.97, the contract is ¥46,529.97 (-¥3,975.00).",
        ),
        "invoiceable": ("installment_already_invoiceable", "签约款 is invoiceable already and stays as it is."),
        "nothing": "amendment_changes_nothing",
        "no reason": "reason_required",
    }
    assert snapshot(contract) == before

    plan = current_plan(contract)
    plan[1].update(amount="31892.98")
    plan[2].update(amount="", percent="10")
    amendment = amendment_propose(
        actor=org.rep, contract=contract, reason="客户追加二期实施", lines=[*lines_now, EXTRA], installments=plan
    )
    assert (amendment.number, amendment.state, amendment.total, amendment.installments[2]["amount"]) == (
        1, "pending", Decimal("46529.97"), "4653.00",
    )  # fmt: skip
    with pytest.raises(DomainError) as second:
        amendment_propose(actor=org.rep, contract=contract, reason="再改", installments=plan)
    assert (second.value.code, second.value.status) == ("amendment_pending", 409)

    deciders = {}
    for person in (org.rep, org.finance, org.other_rep):
        with pytest.raises(DomainError) as refused:
            amendment_decide(actor=person, amendment=amendment, approve=True)
        deciders[person.username] = refused.value.code
    assert deciders == {"rep": "own_contract", "finance": "not_the_approver", "other_rep": "not_the_approver"}
    amendment_decide(actor=org.manager, amendment=amendment, approve=True, comment="同意")
    assert snapshot(contract)[:4] == before[:4]  # in force only when every step approved

    amendment_decide(actor=org.finance, amendment=amendment, approve=True)

    contract.refresh_from_db()
    amendment.refresh_from_db()
    assert (amendment.state, contract.version, contract.total, contract.status) == (
        "applied", 2, Decimal("46529.97"), "signed",
    )  # fmt: skip
    assert list(contract.lines.values_list("position", "description", "total")) == [
        (1, "MES 软件许可", Decimal("6779.97")),
        (2, "实施服务", Decimal("26500.00")),
        (3, "二期实施服务", Decimal("13250.00")),
    ]
    assert list(contract.installments.values_list("pk", "label", "amount", "percent", "invoiceable")) == [
        (signing.pk, "签约款", Decimal("9983.99"), None, True),
        (plan[1]["id"], "到货款", Decimal("31892.98"), None, False),
        (plan[2]["id"], "验收款", Decimal("4653.00"), Decimal("10.00"), False),
    ]
    versions = [
        (v.version, v.total, v.amendment_id, len(v.lines), [i["amount"] for i in v.installments])
        for v in contract.versions.all()
    ]
    assert versions == [
        (1, Decimal("33279.97"), None, 2, ["9983.99", "19967.98", "3328.00"]),
        (2, Decimal("46529.97"), amendment.pk, 3, ["9983.99", "31892.98", "4653.00"]),
    ]
    assert list(Approval.objects.filter(amendment=amendment).values_list("by__username", "approved", "comment")) == [
        ("manager", True, "同意"),
        ("finance", True, ""),
    ]

    # the history shows the new total to the fen, as people read money
    with translation.override("en"):
        change = [(c.field, c.before, c.after) for c in record_history(contract)[0].changes]
    assert change == [("total", "33,279.97", "46,529.97"), ("version", 1, 2)]

    # delivery works from the current version: the amended installment becomes invoiceable, due by its rule
    take_and_deliver(org, order, date(2027, 1, 10))
    assert list(contract.installments.values_list("label", "amount", "invoiceable", "due_on")) == [
        ("签约款", Decimal("9983.99"), True, date(2026, 12, 5)),
        ("到货款", Decimal("31892.98"), True, date(2027, 2, 9)),
        ("验收款", Decimal("4653.00"), False, None),
    ]


def test_an_installment_added_for_a_milestone_already_reached_is_invoiceable_at_once(org, order):  # noqa: F811
    contract = order.contract
    take_and_deliver(org, order, date(2027, 1, 10))
    plan = current_plan(contract)
    plan[2].update(amount="3000.00")
    plan.append({"label": "运费", "milestone": "delivery", "due_days": 5, "amount": "328.00"})
    amendment = amendment_propose(actor=org.rep, contract=contract, reason="运费单列", installments=plan)
    amendment_decide(actor=org.manager, amendment=amendment, approve=True)
    amendment_decide(actor=org.finance, amendment=amendment, approve=True)

    assert list(contract.installments.values_list("label", "amount", "invoiceable", "due_on")) == [
        ("签约款", Decimal("9983.99"), True, date(2026, 12, 5)),
        ("到货款", Decimal("19967.98"), True, date(2027, 2, 9)),
        ("验收款", Decimal("3000.00"), False, None),
        ("运费", Decimal("328.00"), True, date(2027, 1, 15)),
    ]


def test_a_refused_or_withdrawn_amendment_changes_nothing(org, order):  # noqa: F811
    contract = order.contract
    before = snapshot(contract)
    plan = current_plan(contract)
    plan[1]["due_days"] = 45
    first = amendment_propose(actor=org.rep, contract=contract, reason="客户要求延长账期", installments=plan)
    amendment_decide(actor=org.manager, amendment=first, approve=True)
    amendment_decide(actor=org.finance, amendment=first, approve=False, comment="账期超出政策")
    second = amendment_propose(actor=org.rep, contract=contract, reason="改为 40 天", installments=plan)
    amendment_withdraw(actor=org.rep, amendment=second)
    with pytest.raises(DomainError) as late:
        amendment_decide(actor=org.manager, amendment=second, approve=True)

    assert late.value.code == "amendment_not_pending"
    assert list(Amendment.objects.values_list("number", "state")) == [(1, "refused"), (2, "withdrawn")]
    assert snapshot(contract)[:5] == before[:5]
    assert contract.versions.count() == 1


def test_termination_is_approved_then_cancels_what_was_not_reached(org, order):  # noqa: F811
    contract = order.contract
    with pytest.raises(DomainError) as early:
        contract_terminate(actor=org.rep, contract=contract, reason="客户破产", effective_on=date(2026, 1, 1))
    assert early.value.code == "invalid_date"
    request = contract_terminate(actor=org.rep, contract=contract, reason="客户破产", effective_on=date(2026, 12, 31))
    amendment_decide(actor=org.manager, amendment=request, approve=True)
    assert snapshot(contract)[0] == "signed"
    amendment_decide(actor=org.finance, amendment=request, approve=True)

    contract.refresh_from_db()
    order.refresh_from_db()
    assert (contract.status, contract.ended_on, contract.end_reason, order.status) == (
        "terminated", date(2026, 12, 31), "客户破产", "cancelled",
    )  # fmt: skip
    assert list(contract.installments.values_list("label", "invoiceable", "cancelled")) == [
        ("签约款", True, False),  # earned at signing: still owed
        ("到货款", False, True),
        ("验收款", False, True),
    ]
    assert OrderChange.objects.filter(order=order).last().to_status == "cancelled"
    refusals = []
    with pytest.raises(DomainError) as moved:
        order_progress(actor=org.delivery, order=order, to="in_delivery")
    refusals.append(moved.value.code)
    with pytest.raises(DomainError) as amended:
        amendment_propose(actor=org.rep, contract=contract, reason="补签", installments=current_plan(contract))
    refusals.append(amended.value.code)
    assert refusals == ["invalid_order_transition", "contract_ended"]


def test_a_contract_completes_when_accepted_and_every_installment_is_settled(org, order):  # noqa: F811
    contract = order.contract
    take_and_deliver(org, order, date(2027, 1, 10))
    order_progress(actor=org.delivery, order=order, to="customer_accepted", on=date(2027, 2, 1))
    contract.refresh_from_db()
    assert contract.status == "signed"  # nothing is paid yet

    # cash collection records payments installment by installment (receivables writes these fields)
    installments = list(contract.installments.all())
    for installment, day in zip(installments[:2], (date(2026, 12, 3), date(2027, 2, 20)), strict=True):
        installment.received, installment.settled_on = installment.amount, day
        installment.save()
    assert contract_complete_if_done(contract=contract) is False
    installments[2].received, installments[2].settled_on = installments[2].amount, date(2027, 3, 1)
    installments[2].save()
    assert contract_complete_if_done(contract=contract) is True

    contract.refresh_from_db()
    assert (contract.status, contract.ended_on) == ("completed", date(2027, 3, 1))
    assert contract_complete_if_done(contract=contract) is False
