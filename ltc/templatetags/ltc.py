from __future__ import annotations

from django import template

from ltc.money import format_money

register = template.Library()


@register.filter
def money(amount: object, currency: str | None = None) -> str:
    """``{{ account.revenue|money:"CNY" }}`` → ``¥1,234.50``."""
    return format_money(amount, currency)  # type: ignore[arg-type]
