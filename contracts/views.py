"""Contract and order pages: the list, the contract page (review checklist, approvals, payment plan, signing),
the order page (hand-off package, fulfilment) and the delivery lead's queue. Reads through the selectors,
writes through the services; a refusal becomes a message and changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.forms import ActivityLogForm
from activities.selectors import activity_list_for
from activities.services import activity_log
from contracts import exports, services
from contracts.models import Amendment, HandoffItem, Milestone, OrderStatus, ReviewItem, Status
from contracts.selectors import (
    contract_filter,
    contract_get_for_user,
    contract_list_visible_to,
    contracts_awaiting,
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
PLAN_FIELDS = ("id", "label", "milestone", "due_on", "due_days", "percent", "amount")
LINE_FIELDS = ("product_code", "description", "unit", "quantity", "unit_price", "discount_percent", "tax_rate")


def _refused(request: HttpRequest, exc: DomainError) -> None:
    said = [str(m) for errors in (exc.fields or {}).values() for m in errors if str(m) not in exc.message]
    messages.error(request, exc.message + (" " + "; ".join(said) + "." if said else ""))


@login_required
def contract_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every visible contract, filtered by status and searched; ``?awaiting=1`` is the approver's queue;
    ``?export=csv|xlsx`` the same list as a file."""
    status, q = request.GET.get("status", ""), request.GET.get("q", "")
    if request.GET.get("awaiting"):
        contracts: Any = contracts_awaiting(user=request.user)
    else:
        contracts = contract_filter(contract_list_visible_to(user=request.user), status=status, q=q)
    if request.GET.get("export") == "xlsx":
        return exports.export_xlsx(contracts)
    if request.GET.get("export") == "csv":
        return exports.export_csv(contracts)
    paginator = CappedPaginator if isinstance(contracts, QuerySet) else Paginator
    page = paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "awaiting": bool(request.GET.get("awaiting")),
            "statuses": Status.choices,
        },
    )


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


def _plan_vs_actual(contract: Any, installments: list[Any]) -> dict[str, Any]:
    live = [i for i in installments if not i.cancelled]
    planned = sum((i.amount for i in live), Decimal("0.00"))
    received = sum((i.received for i in live), Decimal("0.00"))
    return {"planned": planned, "received": received, "open": planned - received}


def _amendments(contract: Any) -> list[tuple[Amendment, Any]]:
    """Each request, newest first, with the step it waits for (None once decided)."""
    rows = []
    requests = contract.amendments.select_related("requested_by").prefetch_related("approvals__step", "approvals__by")
    for amendment in requests:
        waiting = services.amendment_state(amendment)[1] if amendment.state == Amendment.State.PENDING else None
        rows.append((amendment, waiting))
    return rows[::-1]


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = contract_get_for_user(user=request.user, pk=pk)
    done, waiting = services.approval_state(contract)
    ticked = {check.item_id: check for check in contract.checks.select_related("by")}
    installments = list(contract.installments.all())
    lines = list(contract.lines.all())
    signed = contract.status == Status.SIGNED
    amendments = _amendments(contract)
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "lines": lines,
            "checklist": [(item, ticked.get(item.pk)) for item in ReviewItem.objects.filter(active=True)],
            "approvals": contract.approvals.filter(amendment__isnull=True).select_related("step", "by"),
            "approved_steps": done,
            "waiting": waiting,
            "installments": installments,
            "actual": _plan_vs_actual(contract, installments),
            "plan_rows": installments + [None] * max(PLAN_ROWS - len(installments), 1),
            "milestones": Milestone.choices,
            "order": getattr(contract, "order", None),
            "amendments": amendments,
            "may_request": signed and not any(a.state == Amendment.State.PENDING for a, _w in amendments),
            "amend_lines": [*lines, None],
            "amend_plan": [*installments, None],
            "versions": contract.versions.select_related("amendment", "created_by"),
            "activities": activity_list_for(contract),
            "log_form": ActivityLogForm(),
            "history": record_history(contract),
        },
    )


def _rows(post: Any, prefix: str, fields: tuple[str, ...], key: str) -> list[dict[str, Any]]:
    """The filled rows of a table form (``row-3-milestone``…); a row counts when its ``key`` field is given."""
    rows = []
    for n in range(1, 25):
        if not (post.get(f"{prefix}-{n}-{key}") or "").strip():
            continue
        rows.append({field: str(post.get(f"{prefix}-{n}-{field}", "")).strip() or None for field in fields})
    return rows


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
            rows = _rows(post, "row", PLAN_FIELDS[1:], "milestone")
            services.plan_set(actor=request.user, contract=contract, installments=rows)
            messages.success(request, _("The payment plan is saved."))
        elif action == "amend":
            ends_on = date.fromisoformat(post["ends_on"]) if post.get("ends_on") else None
            services.amendment_propose(
                actor=request.user,
                contract=contract,
                reason=post.get("reason", ""),
                lines=_rows(post, "line", LINE_FIELDS, "description"),
                installments=_rows(post, "row", PLAN_FIELDS, "milestone"),
                ends_on=ends_on,
            )
            messages.success(request, _("The amendment waits for its approvals."))
        elif action == "terminate":
            services.contract_terminate(
                actor=request.user,
                contract=contract,
                reason=post.get("reason", ""),
                effective_on=date.fromisoformat(str(post.get("effective_on") or "")),
            )
            messages.success(request, _("The termination waits for its approvals."))
        elif action in ("amendment-approve", "amendment-refuse", "amendment-withdraw"):
            amendment = get_object_or_404(Amendment, contract=contract, number=post.get("number") or 0)
            if action == "amendment-withdraw":
                services.amendment_withdraw(actor=request.user, amendment=amendment)
            else:
                approve = action == "amendment-approve"
                services.amendment_decide(
                    actor=request.user, amendment=amendment, approve=approve, comment=post.get("comment", "")
                )
        elif action == "activity":
            _log_activity(request, contract)
            return redirect(reverse("contracts:contract_detail", args=[pk]) + "#activities")
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
                starts_on=date.fromisoformat(post["starts_on"]) if post.get("starts_on") else None,
                ends_on=date.fromisoformat(post["ends_on"]) if post.get("ends_on") else None,
            )
            messages.success(request, _("The contract is signed; its order waits for the hand-off."))
        else:
            return HttpResponse(status=404)
    except ValueError:
        messages.error(request, _("Enter a date such as 2026-12-31."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect(reverse("contracts:contract_detail", args=[pk]))


def _download(field: Any) -> FileResponse:
    """An uploaded file, always as an attachment (never rendered in the page's origin)."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=Path(field.name).name)


@login_required
def contract_file(request: HttpRequest, pk: int) -> FileResponse:
    """The signed copy, to those who may see the contract."""
    return _download(contract_get_for_user(user=request.user, pk=pk).signed_file)


@login_required
def order_proof(request: HttpRequest, pk: int) -> FileResponse:
    """The customer's acceptance proof, to those who may see the order."""
    return _download(order_get_for_user(user=request.user, pk=pk).acceptance_proof)


def _log_activity(request: HttpRequest, target: Any) -> None:
    form = ActivityLogForm(request.POST)
    if form.is_valid():
        activity_log(actor=request.user, target=target, **form.cleaned_data)
        messages.success(request, _("Activity recorded."))
    else:
        messages.error(request, _("Say what was done (a subject is required)."))


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
            "activities": activity_list_for(order),
            "log_form": ActivityLogForm(),
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
        elif action == "activity":
            _log_activity(request, order)
            return redirect(reverse("contracts:order_detail", args=[pk]) + "#activities")
        else:
            return HttpResponse(status=404)
    except ValueError:
        messages.error(request, _("Enter a date such as 2026-12-31."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect(reverse("contracts:order_detail", args=[pk]))
