"""Every read of invoices and payments, narrowed to what the reader may see: finance all; a rep the
receivables of their own contracts and customers; a manager the team's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ltc.access import visible
from receivables.models import INVOICE_VISIBILITY, PAYMENT_VISIBILITY, Invoice, Payment


def invoice_list_visible_to(*, user: Any) -> QuerySet[Invoice]:
    qs = visible(Invoice.objects.select_related("account", "contract", "owner"), user, INVOICE_VISIBILITY)
    return qs.order_by("-issued_on", "-pk")


def invoice_get_for_user(*, user: Any, pk: int) -> Invoice:
    return get_object_or_404(invoice_list_visible_to(user=user), pk=pk)


def payment_list_visible_to(*, user: Any) -> QuerySet[Payment]:
    return visible(Payment.objects.select_related("account"), user, PAYMENT_VISIBILITY).order_by("-received_on", "-pk")


def payment_get_for_user(*, user: Any, pk: int) -> Payment:
    return get_object_or_404(payment_list_visible_to(user=user), pk=pk)
