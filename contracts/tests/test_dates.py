"""Dates: a contract is signed today or before, with its term; fulfilment steps fall between signing and
today; an installment on a date becomes invoiceable when the date comes (the nightly run)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from contracts.models import HandoffItem, ReviewItem
from contracts.services import (
    contract_create_from_quote,
    contract_decide,
    contract_sign,
    handoff_tick,
    installments_dates_reached,
    order_accept,
    order_progress,
    plan_set,
    review_tick,
)
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from ltc.errors import DomainError
from opportunities.services import opportunity_set_team


def test_dates_of_signing_and_fulfilment_and_the_nightly_run(org, quote):  # noqa: F811
    today = timezone.localdate()
    opportunity_set_team(actor=org.rep, opportunity=quote.opportunity, delivery=org.delivery)
    contract = contract_create_from_quote(actor=org.rep, quote=quote)
    for item in ReviewItem.objects.all():
        review_tick(actor=org.rep, contract=contract, item=item)
    plan_set(actor=org.rep, contract=contract, installments=[
        {"label": "预付款", "milestone": "signing", "percent": "30"},
        {"label": "二期款", "milestone": "date", "due_on": today - timedelta(days=1), "percent": "30"},
        {"label": "尾款", "milestone": "date", "due_on": today + timedelta(days=30), "percent": "40"},
    ])  # fmt: skip
    contract_decide(actor=org.manager, contract=contract, approve=True)
    contract_decide(actor=org.finance, contract=contract, approve=True)

    refusals = {}
    for name, kwargs in {
        "future": {"signed_on": today + timedelta(days=1)},
        "ends first": {"signed_on": today, "ends_on": today - timedelta(days=1)},
    }.items():
        with pytest.raises(DomainError) as refused:
            contract_sign(actor=org.rep, contract=contract, signatory="钱伟", **kwargs)
        refusals[name] = refused.value.message
    assert refusals == {
        "future": "The contract cannot be signed yet: the signing date is in the future.",
        "ends first": "The contract cannot be signed yet: the end comes before the start.",
    }
    contract.refresh_from_db()
    assert (contract.status, contract.starts_on) == ("draft", None)

    signed = contract_sign(actor=org.rep, contract=contract, signed_on=today - timedelta(days=2), signatory="钱伟",
                           ends_on=date(today.year + 1, 12, 31))  # fmt: skip
    assert (signed.starts_on, signed.ends_on) == (today - timedelta(days=2), date(today.year + 1, 12, 31))
    # the date already reached at signing counts at once; the later one waits for the nightly run
    assert list(signed.installments.values_list("label", "invoiceable")) == [
        ("预付款", True), ("二期款", True), ("尾款", False),
    ]  # fmt: skip
    assert installments_dates_reached(today=today + timedelta(days=29)) == 0
    assert installments_dates_reached(today=today + timedelta(days=30)) == 1
    assert installments_dates_reached(today=today + timedelta(days=30)) == 0
    assert signed.installments.get(label="尾款").invoiceable is True

    order = signed.order
    for item in HandoffItem.objects.all():
        handoff_tick(actor=org.rep if item.side == "sales" else org.delivery, order=order, item=item)
    order_accept(actor=org.delivery, order=order)
    order_progress(actor=org.delivery, order=order, to="in_delivery")
    with pytest.raises(DomainError) as before_signing:
        order_progress(actor=org.delivery, order=order, to="delivered", on=today - timedelta(days=3))
    assert (before_signing.value.code, before_signing.value.message) == (
        "invalid_date", f"The date must be on or after {today - timedelta(days=2)}.",
    )  # fmt: skip
    order.refresh_from_db()
    assert (order.status, order.delivered_on) == ("in_delivery", None)
