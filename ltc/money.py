"""Money is Decimal from the database to the page, never float.

Amounts are rounded half-up to the currency's minor unit (the fen for CNY) only when stored or shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.db import models

# Digits and places for every money column: up to 10^16 in the largest unit, to the fen.
MAX_DIGITS = 18
DECIMAL_PLACES = 2

CURRENCIES: dict[str, tuple[str, int]] = {
    # code: (symbol, minor-unit digits)
    "CNY": ("¥", 2),
    "USD": ("$", 2),
    "EUR": ("€", 2),
    "HKD": ("HK$", 2),
    "JPY": ("JP¥", 0),
    "GBP": ("£", 2),
    "SGD": ("S$", 2),
}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]


def default_currency() -> str:
    return str(getattr(settings, "DEFAULT_CURRENCY", "CNY"))


def to_decimal(value: object) -> Decimal:
    """Parse a user or file value into a Decimal; refuses floats, which cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or string.")
    if isinstance(value, Decimal):
        return value
    try:
        text = str(value).strip().replace(",", "").replace("，", "")
        result = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"Not an amount: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"Not an amount: {value!r}")
    return result


def quantize(amount: Decimal, currency: str | None = None) -> Decimal:
    """Round half-up to the currency's minor unit."""
    digits = CURRENCIES.get(currency or default_currency(), ("", 2))[1]
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | int | str | None, currency: str | None = None) -> str:
    """``¥1,234.50``; a negative amount as ``-¥1,234.50``; an unknown currency as ``1,234.50 XYZ``."""
    if amount is None or amount == "":
        return ""
    code = currency or default_currency()
    value = quantize(to_decimal(amount), code)
    symbol, digits = CURRENCIES.get(code, ("", 2))
    body = f"{abs(value):,.{digits}f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {code}"


class MoneyField(models.DecimalField):
    """A DecimalField with the project's precision for money."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class CurrencyField(models.CharField):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", CURRENCY_CHOICES)
        kwargs.setdefault("default", default_currency)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class LineAmounts(NamedTuple):
    gross: Decimal  # quantity × unit price
    discount: Decimal
    net: Decimal  # gross − discount
    tax: Decimal
    total: Decimal  # net + tax


HUNDRED = Decimal(100)


def line_amounts(
    quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_percent: Decimal, currency: str | None = None
) -> LineAmounts:
    """The amounts of one priced line, each rounded half-up to the currency's minor unit (the fen) where it is
    formed, so that a document's total is the exact sum of what its lines show."""
    gross = quantize(quantity * unit_price, currency)
    discount = quantize(gross * discount_percent / HUNDRED, currency)
    net = gross - discount
    tax = quantize(net * tax_percent / HUNDRED, currency)
    return LineAmounts(gross, discount, net, tax, net + tax)


def sum_lines(lines: Iterable[LineAmounts]) -> LineAmounts:
    zero = Decimal("0.00")
    totals = [zero] * 5
    for line in lines:
        totals = [a + b for a, b in zip(totals, line, strict=True)]
    return LineAmounts(*totals)


def split_exactly(
    total: Decimal,
    shares: Sequence[Decimal | None],
    fixed: Sequence[Decimal | None],
    currency: str | None = None,
) -> list[Decimal]:
    """Resolve a plan of parts to amounts that add up to ``total`` to the minor unit (the fen).

    Each part is either a fixed amount (``fixed[i]``) or a percentage of the total (``shares[i]``). Fixed
    amounts are taken as they are; percentage parts are rounded down to the fen and the fens left over go
    one by one to the parts with the largest remainders (the earlier part first on a tie), so that nothing
    is lost or made up. The caller checks that the result adds up (a plan can still be short or over).
    """
    digits = CURRENCIES.get(currency or default_currency(), ("", 2))[1]
    unit = Decimal(1).scaleb(-digits)
    amounts: list[Decimal] = []
    remainders: list[tuple[Decimal, int]] = []
    for index, (share, amount) in enumerate(zip(shares, fixed, strict=True)):
        if amount is not None:
            amounts.append(quantize(amount, currency))
            continue
        exact = total * (share or Decimal(0)) / HUNDRED
        floored = (exact / unit).to_integral_value(rounding=ROUND_DOWN) * unit
        amounts.append(floored)
        remainders.append((exact - floored, index))
    percent_total = sum(
        (total * (s or Decimal(0)) / HUNDRED for s, a in zip(shares, fixed, strict=True) if a is None), Decimal(0)
    )
    wanted = quantize(percent_total, currency)
    leftover = int(((wanted - sum((amounts[i] for _r, i in remainders), Decimal(0))) / unit).to_integral_value())
    for _remainder, index in sorted(remainders, key=lambda r: (-r[0], r[1]))[: max(leftover, 0)]:
        amounts[index] += unit
    return amounts


def split_by_weights(total: Decimal, weights: Sequence[Decimal], currency: str | None = None) -> list[Decimal]:
    """Share ``total`` among parts in proportion to ``weights`` (e.g. an installment among a contract's tax
    rates), to the minor unit and adding up exactly: each part rounded down, the units left over to the largest
    remainders (the earlier part first on a tie)."""
    digits = CURRENCIES.get(currency or default_currency(), ("", 2))[1]
    unit = Decimal(1).scaleb(-digits)
    whole = sum(weights, Decimal(0))
    if not weights or whole <= 0:
        raise ValueError("weights must be positive")
    units = int((quantize(total, currency) / unit).to_integral_value())
    exact = [Decimal(units) * w / whole for w in weights]
    parts = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: units - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) * unit for p in parts]
