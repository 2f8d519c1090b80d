from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.money import format_money, quantize, to_decimal


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1234.5"), "CNY", "¥1,234.50"),
        (Decimal("0"), "CNY", "¥0.00"),
        (Decimal("-1234.5"), "CNY", "-¥1,234.50"),
        (Decimal("1234567.005"), "CNY", "¥1,234,567.01"),  # half-up at the fen
        (Decimal("1234567.004"), "CNY", "¥1,234,567.00"),
        (Decimal("99.5"), "JPY", "JP¥100"),
        ("1,200.00", "USD", "$1,200.00"),
        (Decimal("5"), "XYZ", "5.00 XYZ"),
        (None, "CNY", ""),
    ],
)
def test_format_money(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_format_money_defaults_to_cny(settings):
    settings.DEFAULT_CURRENCY = "CNY"
    assert format_money(Decimal("8")) == "¥8.00"


def test_float_is_refused():
    with pytest.raises(TypeError, match="float"):
        to_decimal(0.1)


@pytest.mark.parametrize("text", ["abc", "", "1.2.3", "NaN", "Infinity"])
def test_not_an_amount_is_refused(text):
    with pytest.raises(ValueError, match="Not an amount"):
        to_decimal(text)


def test_full_width_and_grouped_input_is_read():
    assert to_decimal(" 12，345.60 ") == Decimal("12345.60")


@given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=4))
def test_quantize_never_moves_more_than_half_a_fen(amount):
    rounded = quantize(amount, "CNY")
    assert abs(rounded - amount) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2


def test_a_percent_plan_resolves_to_the_fen_without_losing_one():
    from ltc.money import split_exactly

    total = Decimal("100000.01")
    thirds = split_exactly(total, [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")], [None, None, None])
    mixed = split_exactly(Decimal("1000.00"), [None, Decimal("50"), Decimal("50")], [Decimal("100.00"), None, None])

    assert thirds == [Decimal("33330.00"), Decimal("33330.00"), Decimal("33340.01")]
    assert sum(thirds) == total
    # fixed 100 first, then half and half of the whole: 1,100 — the caller refuses a plan that is over
    assert mixed == [Decimal("100.00"), Decimal("500.00"), Decimal("500.00")]


@settings(max_examples=400, deadline=None)
@given(
    total=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=12),
)
def test_percent_parts_that_make_100_always_add_up_to_the_total(total, cuts):
    from ltc.money import split_exactly

    # percentages with two decimals that add up to exactly 100
    weights = [Decimal(c) for c in cuts]
    shares = [(w * 100 / sum(weights)).quantize(Decimal("0.01"), rounding="ROUND_DOWN") for w in weights]
    shares[-1] += Decimal(100) - sum(shares)

    amounts = split_exactly(total, shares, [None] * len(shares))

    assert sum(amounts) == total
    assert all(a.as_tuple().exponent == -2 for a in amounts)
    assert all(abs(a - total * s / 100) < Decimal("0.01") for a, s in zip(amounts, shares, strict=True))
