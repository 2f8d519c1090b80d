"""Orders: a signed contract creates one; delivery takes it only with the whole hand-off package, or sends it
back with reasons; delivery and customer acceptance make their installments invoiceable, due by their rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.models import HandoffItem, Order, OrderChange, ReviewItem
from contracts.services import (
    contract_create_from_quote,
    contract_decide,
    contract_sign,
    handoff_tick,
    order_accept,
    order_progress,
    order_send_back,
    plan_set,
    review_tick,
)
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from ltc.errors import DomainError
from opportunities.services import opportunity_set_team


@pytest.fixture
def order(org, quote) -> Order:  # noqa: F811
    opportunity_set_team(actor=org.rep, opportunity=quote.opportunity, presales=org.presales, delivery=org.delivery)
    contract = contract_create_from_quote(actor=org.rep, quote=quote)
    for item in ReviewItem.objects.all():
        review_tick(actor=org.rep, contract=contract, item=item)
    plan_set(actor=org.rep, contract=contract, installments=[
        {"label": "签约款", "milestone": "signing", "percent": "30", "due_days": 10},
        {"label": "到货款", "milestone": "delivery", "percent": "60", "due_days": 30},
        {"label": "验收款", "milestone": "acceptance", "percent": "10", "due_days": 15},
    ])  # fmt: skip
    contract_decide(actor=org.manager, contract=contract, approve=True)
    contract_decide(actor=org.finance, contract=contract, approve=True)
    contract_sign(actor=org.rep, contract=contract, signed_on=date(2026, 11, 25), signatory="钱伟")
    return contract.order


def state(order: Order) -> tuple:
    order.refresh_from_db()
    return (order.status, order.handoff_checks.count(), order.changes.count(), order.returned_reason)


def test_signing_creates_the_order_waiting_for_its_hand_off(order):
    assert (order.number, order.status, order.delivery.username if order.delivery else None) == (
        f"{order.contract.number}-D",
        "awaiting_handoff",
        "delivery",
    )
    assert list(order.contract.installments.values_list("label", "invoiceable", "due_on")) == [
        ("签约款", True, date(2026, 12, 5)),
        ("到货款", False, None),
        ("验收款", False, None),
    ]


def test_delivery_takes_the_order_only_with_the_whole_package(org, order):
    before = state(order)
    with pytest.raises(DomainError) as incomplete:
        order_accept(actor=org.delivery, order=order)
    with pytest.raises(DomainError) as not_theirs:
        order_accept(actor=org.rep, order=order)
    with pytest.raises(DomainError) as wrong_side:
        handoff_tick(actor=org.rep, order=order, item=HandoffItem.objects.get(side="delivery", order=4))
    assert (incomplete.value.code, not_theirs.value.code, wrong_side.value.code) == (
        "handoff_incomplete", "not_the_delivery_lead", "handoff_item_other_side",
    )  # fmt: skip
    assert len(incomplete.value.fields["handoff"]) == 5
    assert state(order) == before

    with pytest.raises(DomainError) as no_reason:
        order_send_back(actor=org.delivery, order=order, reason=" ")
    order_send_back(actor=org.delivery, order=order, reason="缺少需求文档")
    for item in HandoffItem.objects.filter(side="sales"):
        handoff_tick(actor=org.rep, order=order, item=item, note="已上传")
    for item in HandoffItem.objects.filter(side="delivery"):
        handoff_tick(actor=org.delivery, order=order, item=item)
    taken = order_accept(actor=org.delivery, order=order)

    assert no_reason.value.code == "reason_required"
    assert (taken.status, taken.returned_reason) == ("accepted", "")
    assert list(OrderChange.objects.filter(order=order).values_list("from_status", "to_status", "note")) == [
        ("", "awaiting_handoff", ""),
        ("awaiting_handoff", "awaiting_handoff", "缺少需求文档"),
        ("awaiting_handoff", "accepted", ""),
    ]


def test_milestones_make_their_installments_invoiceable_due_by_their_rule(org, order):
    for item in HandoffItem.objects.all():
        handoff_tick(actor=org.rep if item.side == "sales" else org.delivery, order=order, item=item)
    order_accept(actor=org.delivery, order=order)

    with pytest.raises(DomainError) as skipped:
        order_progress(actor=org.delivery, order=order, to="delivered", on=date(2027, 1, 10))
    assert skipped.value.code == "invalid_order_transition"
    order_progress(actor=org.delivery, order=order, to="in_delivery")
    order_progress(actor=org.delivery, order=order, to="delivered", on=date(2027, 1, 10))
    done = order_progress(actor=org.delivery, order=order, to="customer_accepted", on=date(2027, 2, 1))

    assert (done.status, done.delivered_on, done.customer_accepted_on) == (
        "customer_accepted",
        date(2027, 1, 10),
        date(2027, 2, 1),
    )
    assert list(done.contract.installments.values_list("label", "amount", "invoiceable", "due_on")) == [
        ("签约款", Decimal("9983.99"), True, date(2026, 12, 5)),
        ("到货款", Decimal("19967.98"), True, date(2027, 2, 9)),
        ("验收款", Decimal("3328.00"), True, date(2027, 2, 16)),
    ]
