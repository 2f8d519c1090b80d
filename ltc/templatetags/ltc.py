from __future__ import annotations

from django import template

from ltc.money import format_money

register = template.Library()


@register.filter
def money(amount: object, currency: str | None = None) -> str:
    """``{{ account.revenue|money:"CNY" }}`` → ``¥1,234.50``."""
    return format_money(amount, currency)  # type: ignore[arg-type]


@register.filter
def days(seconds: float | int | None) -> str:
    """A duration in seconds as days with one decimal, in the reader's language: ``3.5 天`` / ``3.5 days``."""
    from django.utils.translation import gettext

    if seconds is None:
        return ""
    return gettext("%(days)s days") % {"days": f"{float(seconds) / 86400:.1f}"}
