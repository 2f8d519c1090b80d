"""Every read of contracts and orders, narrowed to what the reader may see (finance sees all; the deal's
owner, managers and iron triangle theirs)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from contracts.models import CONTRACT_VISIBILITY, ORDER_VISIBILITY, Amendment, Contract, Order, OrderStatus, Status
from contracts.services import amendment_state, approval_state, checklist_missing, may_approve
from ltc.access import visible


def contract_list_visible_to(*, user: Any) -> QuerySet[Contract]:
    qs = visible(Contract.objects.select_related("account", "owner", "opportunity"), user, CONTRACT_VISIBILITY)
    return qs.order_by("-created_at", "-pk")


def contract_filter(contracts: QuerySet[Contract], *, status: str = "", q: str = "") -> QuerySet[Contract]:
    """The list's filters: a status, and a search in the number, title and customer name."""
    if status in Status.values:
        contracts = contracts.filter(status=status)
    if q.strip():
        text = q.strip()
        contracts = contracts.filter(
            Q(number__icontains=text) | Q(title__icontains=text) | Q(account__name__icontains=text)
        )
    return contracts


def contracts_awaiting(*, user: Any, limit: int = 500) -> list[Contract]:
    """Contracts whose next approval (of the contract, or of its pending amendment or termination) is this
    person's to give: the approver's queue, oldest first."""
    candidates = contract_list_visible_to(user=user).filter(
        Q(status=Status.DRAFT) | Q(status=Status.SIGNED, amendments__state=Amendment.State.PENDING)
    )
    waiting = []
    for contract in candidates.order_by("created_at", "pk").distinct()[:limit]:
        if getattr(user, "pk", None) in (contract.owner_id, contract.created_by_id):
            continue
        if contract.status == Status.DRAFT:
            step = None if checklist_missing(contract) else approval_state(contract)[1]
        else:
            pending = contract.amendments.get(state=Amendment.State.PENDING)
            step = None if pending.requested_by_id == user.pk else amendment_state(pending)[1]
        if step is not None and may_approve(user, contract, step):
            waiting.append(contract)
    return waiting


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
