from decimal import Decimal

import pytest
from hypothesis import given
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
