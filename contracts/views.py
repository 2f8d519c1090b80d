"""Contract and order pages: the list, the contract page (review checklist, approvals, payment plan, signing),
the order page (hand-off package, fulfilment) and the delivery lead's queue. Reads through the selectors,
writes through the services; a refusal becomes a message and changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import services
from contracts.models import HandoffItem, Milestone, OrderStatus, ReviewItem
from contracts.selectors import (
    contract_get_for_user,
    contract_list_visible_to,
    handoff_queue,
    order_get_for_user,
    order_list_visible_to,
)
from ltc.audit import record_history
from ltc.errors import DomainError
from ltc.paging import CappedPaginator
from opportunities.selectors import quote_get_for_user

PAGE_SIZE = 25
PLAN_ROWS = 4


def _refused(request: HttpRequest, exc: DomainError) -> None:
    said = [str(m) for errors in (exc.fields or {}).values() for m in errors if str(m) not in exc.message]
    messages.error(request, " ".join([exc.message, *said]))


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    page = CappedPaginator(contract_list_visible_to(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/contract_list.html", {"page": page})


@login_required
@require_POST
def contract_create(request: HttpRequest, quote_pk: int) -> HttpResponse:
    quote = quote_get_for_user(user=request.user, pk=quote_pk)
    try:
        contract = services.contract_create_from_quote(actor=request.user, quote=quote)
    except DomainError as exc:
        _refused(request, exc)
        return redirect("opportunities:quote_detail", pk=quote_pk)
    return redirect("contracts:contract_detail", pk=contract.pk)


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = contract_get_for_user(user=request.user, pk=pk)
    done, waiting = services.approval_state(contract)
    ticked = {check.item_id: check for check in contract.checks.select_related("by")}
    installments = list(contract.installments.all())
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "lines": contract.lines.all(),
            "checklist": [(item, ticked.get(item.pk)) for item in ReviewItem.objects.filter(active=True)],
            "approvals": contract.approvals.select_related("step", "by"),
            "approved_steps": done,
            "waiting": waiting,
            "installments": installments,
            "plan_rows": installments + [None] * max(PLAN_ROWS - len(installments), 1),
            "milestones": Milestone.choices,
            "order": getattr(contract, "order", None),
            "history": record_history(contract),
        },
    )


@login_required
@require_POST
def contract_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    contract = contract_get_for_user(user=request.user, pk=pk)
    post = request.POST
    try:
        if action == "tick":
            item = get_object_or_404(ReviewItem, pk=post.get("item") or 0)
            services.review_tick(actor=request.user, contract=contract, item=item, done=post.get("done") != "0")
        elif action == "plan":
            rows = []
            for n in range(1, 13):
                if not (post.get(f"row-{n}-milestone") or "").strip():
                    continue
                fields = ("label", "milestone", "due_on", "due_days", "percent", "amount")
                rows.append({field: str(post.get(f"row-{n}-{field}", "")).strip() or None for field in fields})
            services.plan_set(actor=request.user, contract=contract, installments=rows)
            messages.success(request, _("The payment plan is saved."))
        elif action in ("approve", "refuse"):
            services.contract_decide(
                actor=request.user, contract=contract, approve=action == "approve", comment=post.get("comment", "")
            )
        elif action == "sign":
            signed_on = date.fromisoformat(str(post.get("signed_on") or ""))
            services.contract_sign(
                actor=request.user,
                contract=contract,
                signed_on=signed_on,
                signatory=str(post.get("signatory", "")),
                signed_file=request.FILES.get("signed_file"),
            )
            messages.success(request, _("The contract is signed; its order waits for the hand-off."))
        else:
            return HttpResponse(status=404)
    except ValueError:
        messages.error(request, _("Enter a date such as 2026-12-31."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect(reverse("contracts:contract_detail", args=[pk]))


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    orders = handoff_queue(user=request.user) if request.GET.get("queue") else order_list_visible_to(user=request.user)
    page = CappedPaginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/order_list.html", {"page": page, "queue": bool(request.GET.get("queue"))})


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_get_for_user(user=request.user, pk=pk)
    ticked = {check.item_id: check for check in order.handoff_checks.select_related("by")}
    package = [(item, ticked.get(item.pk)) for item in HandoffItem.objects.filter(active=True)]
    return render(
        request,
        "contracts/order_detail.html",
        {
            "order": order,
            "package": package,
            "changes": order.changes.select_related("actor"),
            "installments": order.contract.installments.all(),
            "statuses": OrderStatus,
            "history": record_history(order),
        },
    )


@login_required
@require_POST
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = order_get_for_user(user=request.user, pk=pk)
    post: Any = request.POST
    try:
        if action == "tick":
            item = get_object_or_404(HandoffItem, pk=post.get("item") or 0)
            services.handoff_tick(actor=request.user, order=order, item=item, done=post.get("done") != "0",
                                  note=post.get("note", ""))  # fmt: skip
        elif action == "accept":
            services.order_accept(actor=request.user, order=order)
            messages.success(request, _("The order is taken by delivery."))
        elif action == "send-back":
            services.order_send_back(actor=request.user, order=order, reason=post.get("reason", ""))
            messages.success(request, _("The hand-off went back to sales."))
        elif action == "progress":
            on = date.fromisoformat(post["on"]) if post.get("on") else None
            services.order_progress(actor=request.user, order=order, to=post.get("to", ""), on=on,
                                    proof=request.FILES.get("proof"))  # fmt: skip
        else:
            return HttpResponse(status=404)
    except ValueError:
        messages.error(request, _("Enter a date such as 2026-12-31."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect(reverse("contracts:order_detail", args=[pk]))
