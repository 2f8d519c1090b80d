"""Every read of contracts and orders, narrowed to what the reader may see (finance sees all; the deal's
owner, managers and iron triangle theirs)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from contracts.models import CONTRACT_VISIBILITY, ORDER_VISIBILITY, Contract, Order, OrderStatus
from ltc.access import visible


def contract_list_visible_to(*, user: Any) -> QuerySet[Contract]:
    qs = visible(Contract.objects.select_related("account", "owner", "opportunity"), user, CONTRACT_VISIBILITY)
    return qs.order_by("-created_at", "-pk")


def contract_get_for_user(*, user: Any, pk: int) -> Contract:
    return get_object_or_404(contract_list_visible_to(user=user), pk=pk)


def order_list_visible_to(*, user: Any) -> QuerySet[Order]:
    qs = visible(
        Order.objects.select_related("contract", "contract__account", "owner", "delivery"), user, ORDER_VISIBILITY
    )
    return qs.order_by("-created_at", "-pk")


def order_get_for_user(*, user: Any, pk: int) -> Order:
    return get_object_or_404(order_list_visible_to(user=user), pk=pk)


def handoff_queue(*, user: Any) -> QuerySet[Order]:
    """The delivery lead's queue: visible orders waiting for their hand-off, oldest first."""
    return order_list_visible_to(user=user).filter(status=OrderStatus.AWAITING_HANDOFF).order_by("created_at", "pk")
