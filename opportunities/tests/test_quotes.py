"""Quotes: exact totals (half-up to the fen, line by line), versions, discount approval, send, accept once,
frozen once accepted, expiry; and a deal won on its accepted quote."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.models import BuyingRole
from customers.services import account_create, contact_create
from ltc.errors import DomainError
from ltc.money import line_amounts, quantize, sum_lines
from opportunities.models import Opportunity, PriceBook, PriceBookEntry, Product, Quote, QuoteLine, Stage
from opportunities.services import (
    opportunity_create,
    opportunity_move,
    opportunity_set_team,
    opportunity_update,
    opportunity_win,
    quote_accept,
    quote_create,
    quote_decide_discount,
    quote_reject,
    quote_request_approval,
    quote_send,
    quote_set_lines,
    quotes_expire,
    requirement_tick,
)

LINES = [
    {"description": "MES 软件许可", "unit": "套", "quantity": "3", "unit_price": "1999.99", "discount_percent": "10",
     "tax_rate": "13"},
    {"description": "实施服务", "unit": "人天", "quantity": "2.5", "unit_price": "333.33", "tax_rate": "6"},
]  # fmt: skip


@pytest.fixture
def deal(org, _english) -> Opportunity:
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="medium")
    return opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")


def state(quote: Quote) -> tuple:
    quote.refresh_from_db()
    return (quote.status, quote.approval, quote.total, QuoteLine.objects.filter(quote=quote).count())


def test_totals_are_exact_to_the_fen_line_by_line(org, deal):
    quote = quote_set_lines(actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=LINES)

    assert [(line.gross, line.discount, line.net, line.tax, line.total) for line in quote.lines.all()] == [
        (Decimal("5999.97"), Decimal("600.00"), Decimal("5399.97"), Decimal("702.00"), Decimal("6101.97")),
        (Decimal("833.33"), Decimal("0.00"), Decimal("833.33"), Decimal("50.00"), Decimal("883.33")),
    ]
    assert (quote.version, quote.gross, quote.discount, quote.net, quote.tax, quote.total) == (
        1,
        Decimal("6833.30"),
        Decimal("600.00"),
        Decimal("6233.30"),
        Decimal("752.00"),
        Decimal("6985.30"),
    )
    assert quote.valid_until == date.today() + timedelta(days=30)


money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=10**5, places=3, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(quantities, money, percents, percents), min_size=1, max_size=8))
def test_a_document_total_is_the_sum_of_what_its_lines_show(lines):
    amounts = [line_amounts(q, p, d, t, "CNY") for q, p, d, t in lines]
    totals = sum_lines(amounts)

    for (quantity, price, discount, tax), line in zip(lines, amounts, strict=True):
        assert line.gross == quantize(quantity * price)
        assert line.net == line.gross - line.discount
        assert line.total == line.net + line.tax
        assert abs(line.discount - line.gross * discount / 100) <= Decimal("0.005")
        assert abs(line.tax - line.net * tax / 100) <= Decimal("0.005")
        assert all(value.as_tuple().exponent == -2 for value in line)
    assert totals.total == sum((a.total for a in amounts), Decimal("0.00"))
    assert totals.total == totals.net + totals.tax


def test_bad_lines_are_refused_by_line_and_nothing_changes(org, deal):
    quote = quote_set_lines(actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=LINES)
    before = state(quote)
    bad = [
        {"description": "A", "quantity": "-1", "unit_price": "10"},
        {"description": "B", "quantity": "1", "unit_price": "-5", "discount_percent": "120"},
        {"description": "C", "quantity": "x", "unit_price": "1"},
    ]

    with pytest.raises(DomainError) as refused:
        quote_set_lines(actor=org.rep, quote=quote, lines=bad)

    assert refused.value.code == "invalid_quote_line"
    assert refused.value.fields == {
        "lines.1.quantity": ["The quantity must be more than zero."],
        "lines.2.unit_price": ["A price cannot be negative."],
        "lines.2.discount_percent": ["Between 0 and 100 %."],
        "lines.3.quantity": ["Enter a number."],
    }
    assert state(quote) == before


def test_a_product_fills_the_line_from_its_list_price_and_tax(org, deal):
    product = Product.objects.create(code="MES-STD", name="MES 标准版", unit="套", list_price="88000.00", tax_rate="13")

    quote = quote_set_lines(
        actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=[{"product": product, "quantity": 2}]
    )

    line = quote.lines.get()
    assert (line.description, line.unit, line.unit_price, line.tax_rate, line.total) == (
        "MES 标准版",
        "套",
        Decimal("88000.00"),
        Decimal("13.00"),
        Decimal("198880.00"),
    )


def test_a_big_discount_waits_for_the_owners_manager_and_nobody_approves_their_own(org, deal):
    quote = quote_create(actor=org.rep, opportunity=deal)
    quote_set_lines(actor=org.rep, quote=quote, lines=[{**LINES[0], "discount_percent": "20"}])

    with pytest.raises(DomainError) as unapproved:
        quote_send(actor=org.rep, quote=quote)
    assert (unapproved.value.code, str(unapproved.value.message)) == (
        "discount_needs_approval",
        "A discount of 20 % needs the manager's approval first (above 15 %).",
    )
    quote_request_approval(actor=org.rep, quote=quote)
    for person, code in (
        (org.rep, "own_discount"),
        (org.teammate, "not_the_approver"),
        (org.other_rep, "not_the_approver"),
    ):
        with pytest.raises(DomainError) as refused:
            quote_decide_discount(actor=person, quote=quote, approve=True)
        assert refused.value.code == code
    assert state(quote)[:2] == ("draft", "pending")

    quote_decide_discount(actor=org.manager, quote=quote, approve=True, note="战略客户")
    sent = quote_send(actor=org.rep, quote=quote)

    assert (sent.status, sent.approval, sent.approval_by, sent.approval_note) == (
        "sent",
        "approved",
        org.manager,
        "战略客户",
    )


def test_one_accepted_quote_per_deal_and_it_is_frozen(org, deal):
    first = quote_set_lines(actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=LINES)
    quote_send(actor=org.rep, quote=first)
    second = quote_create(actor=org.rep, opportunity=deal)  # v2 starts from v1's lines
    quote_send(actor=org.rep, quote=second)
    assert (second.version, second.total) == (2, Decimal("6985.30"))

    quote_accept(actor=org.rep, quote=second)
    before = (state(first), state(second))

    with pytest.raises(DomainError) as again:
        quote_accept(actor=org.rep, quote=first)
    with pytest.raises(DomainError) as edit:
        quote_set_lines(actor=org.rep, quote=second, lines=LINES[:1])
    with pytest.raises(DomainError) as third:
        quote_create(actor=org.rep, opportunity=deal)

    assert (again.value.code, edit.value.code, third.value.code) == (
        "quote_already_accepted",
        "quote_not_draft",
        "quote_already_accepted",
    )
    assert (state(first), state(second)) == before
    deal.refresh_from_db()
    assert (deal.amount, Quote.objects.count()) == (Decimal("6985.30"), 2)


def test_sent_quotes_past_their_date_expire_once(org, deal):
    quote = quote_set_lines(actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=LINES)
    quote_send(actor=org.rep, quote=quote)
    rejected = quote_create(actor=org.rep, opportunity=deal)
    quote_send(actor=org.rep, quote=rejected)
    quote_reject(actor=org.rep, quote=rejected, note="客户嫌贵")
    valid_until = quote.valid_until

    assert quotes_expire(today=valid_until) == 0
    assert quotes_expire(today=valid_until + timedelta(days=1)) == 1
    assert quotes_expire(today=valid_until + timedelta(days=1)) == 0
    assert list(Quote.objects.order_by("version").values_list("status", flat=True)) == ["expired", "rejected"]
    with pytest.raises(DomainError) as late:
        quote_accept(actor=org.rep, quote=quote)
    assert late.value.code == "quote_not_sent"


def test_a_deal_is_won_on_its_accepted_quote_after_every_gate(org, deal):
    contact_create(actor=org.rep, account=deal.account, name="钱伟", phone="13912345678")
    deal.account.contacts.update(role=BuyingRole.DECISION_MAKER)
    requirement_tick(
        actor=org.rep, opportunity=deal, requirement=Stage.objects.get(name_en="Needs analysis").requirements.get(
            name_en="Budget confirmed")
    )  # fmt: skip
    opportunity_set_team(actor=org.rep, opportunity=deal, presales=org.presales, delivery=org.delivery)
    opportunity_update(actor=org.rep, opportunity=deal, amount="7000")
    write_up = Stage.objects.get(name_en="Solution / proposal").requirements.get(verified_by="manual")
    quote = quote_set_lines(actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=LINES)
    quote_send(actor=org.rep, quote=quote)
    deal = opportunity_move(
        actor=org.rep, opportunity=deal, stage=Stage.objects.get(name_en="Negotiation"), version=1,
        notes={write_up.pk: "方案已口头确认"},
    )  # fmt: skip
    with pytest.raises(DomainError) as not_yet:
        opportunity_win(actor=org.rep, opportunity=deal, version=deal.version)
    assert not_yet.value.fields == {"gate": ["Quote accepted by the customer"]}

    quote_accept(actor=org.rep, quote=quote)
    won = opportunity_win(actor=org.rep, opportunity=deal, version=deal.version)

    assert (won.stage and won.stage.name_en, won.probability, won.amount, won.closed_at is not None) == (
        "Won",
        100,
        Decimal("6985.30"),
        True,
    )
    with pytest.raises(DomainError) as closed:
        opportunity_move(
            actor=org.rep, opportunity=won, stage=Stage.objects.get(name_en="Negotiation"), version=won.version
        )
    assert closed.value.code == "deal_closed"


def test_a_price_book_of_the_quote_currency_sets_the_price(org, deal):
    product = Product.objects.create(code="MES-STD", name="MES 标准版", list_price="88000.00", tax_rate="13")
    book = PriceBook.objects.create(name="2026 渠道价", currency="CNY")
    PriceBookEntry.objects.create(price_book=book, product=product, unit_price="79000.00")
    usd = PriceBook.objects.create(name="Export", currency="USD")
    PriceBookEntry.objects.create(price_book=usd, product=product, unit_price="12000.00")

    quote = quote_set_lines(
        actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=[{"product": product, "quantity": 1}]
    )

    assert (quote.lines.get().unit_price, quote.total) == (Decimal("79000.00"), Decimal("89270.00"))
