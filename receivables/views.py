"""Cash collection pages: the invoice list and page (lines, payments, credit notes, write-offs, collection
activities), the installments waiting to be invoiced, the payment list, payment entry with the allocation
screen, and the printable customer statement. Reads go through the selectors, writes through the services; a
refusal becomes a message and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from activities.models import Activity, Kind
from activities.selectors import activity_list_for
from activities.services import activity_complete, activity_log, activity_schedule
from contracts.models import Installment
from contracts.selectors import contract_list_visible_to
from customers.models import Account
from customers.selectors import account_get_for_user, account_list_visible_to
from ltc.access import profile_for
from ltc.audit import record_history
from ltc.errors import DomainError
from ltc.idempotency import fingerprint
from ltc.models import IdempotencyKey
from ltc.money import CURRENCY_CHOICES, format_money, to_decimal
from ltc.paging import CappedPaginator
from receivables import exports, services
from receivables.forms import (
    OPEN,
    CollectionActivityForm,
    InvoiceFilter,
    IssueForm,
    PaymentFilter,
    PaymentForm,
    StatementForm,
)
from receivables.models import ZERO, Allocation, Invoice, InvoiceStatus, Payment, WriteOff
from receivables.reports import open_as_of, receivables_visible_to
from receivables.selectors import (
    invoice_get_for_user,
    invoice_list_visible_to,
    payment_get_for_user,
    payment_list_visible_to,
)

PAGE_SIZE = 25
MONEY = DecimalField(max_digits=18, decimal_places=2)
# A promise to pay is followed up at the end of the promised day's business hours.
PROMISE_DUE_TIME = time(17, 0)
# The customer picker shows at most this many customers; a search finds the others.
PICKER_SIZE = 50

RECORDED_ALREADY = gettext_lazy("This form was sent already; nothing was recorded twice.")


def _refused(request: HttpRequest, exc: DomainError) -> None:
    """The refusal's message, then what it says of each field (when the message does not already say it)."""
    said = [str(m).rstrip(".") for errors in (exc.fields or {}).values() for m in errors if str(m) not in exc.message]
    messages.error(request, exc.message + (" " + "; ".join(said) + "." if said else ""))


def _is_finance(user: Any) -> bool:
    profile = profile_for(user)
    return bool(profile and (profile.finance or profile.sees_all))


def _day(value: str | None) -> date | None:
    """A date field of a form (``2026-12-31``) or None; ValueError for anything else."""
    return date.fromisoformat(value) if value else None


def _once(request: HttpRequest, scope: str, act: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """Run ``act`` once per form (its hidden ``token``): a form sent twice (a double click, a resent page)
    replays what the first did instead of recording money twice. Returns (what ``act`` returned, replayed). A
    refusal (an exception) keeps nothing, so the same form may be corrected and sent again."""
    token = str(request.POST.get("token") or "").strip()[:200]
    if not token:
        return act(), False
    content = {k: request.POST.getlist(k) for k in sorted(request.POST) if k not in ("csrfmiddlewaretoken", "token")}
    with transaction.atomic():
        # a second request with the same token waits on this insert until the first commits, then finds it
        row, created = IdempotencyKey.objects.get_or_create(
            user=cast(Any, request.user), scope=scope, key=token, defaults={"fingerprint": fingerprint(content)}
        )
        if not created:
            return dict(row.response or {}), True
        done = act()
        row.status_code, row.response = 200, done
        row.save(update_fields=["status_code", "response"])
    return done, False


# --- invoices ---------------------------------------------------------------------------------------------------


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every visible invoice and credit note, newest first, filtered by status, overdue, customer and a search;
    ``?export=csv|xlsx`` the same list as a file."""
    today = timezone.localdate()
    visible = invoice_list_visible_to(user=request.user)
    form = InvoiceFilter(request.GET, invoices=visible)
    invoices = form.apply(visible, today)
    if request.GET.get("export") == "xlsx":
        return exports.invoices_xlsx(invoices, today)
    if request.GET.get("export") == "csv":
        return exports.invoices_csv(invoices, today)
    page = CappedPaginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/invoice_list.html",
        {"page": page, "form": form, "today": today, "finance": _is_finance(request.user), "section": "invoices"},
    )


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_get_for_user(user=request.user, pk=pk)
    user = request.user
    finance = _is_finance(user)
    allocations = list(invoice.allocations.select_related("payment", "reversal", "by").order_by("at", "pk"))
    # the payments are the customer's owner's to see: someone who sees the invoice through its contract may not
    seen = set(
        payment_list_visible_to(user=user)
        .filter(pk__in={a.payment_id for a in allocations})
        .values_list("pk", flat=True)
    )
    write_offs = list(invoice.write_offs.select_related("requested_by", "decided_by"))
    is_open = invoice.kind == Invoice.Kind.INVOICE and invoice.status in OPEN
    today = timezone.localdate()
    return render(
        request,
        "receivables/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.all(),
            "allocations": allocations,
            "payments_seen": seen,
            "credit_notes": invoice.credit_notes.order_by("issued_on", "pk"),
            "write_offs": write_offs,
            "finance": finance,
            "is_open": is_open,
            "overdue_days": (today - invoice.due_on).days
            if is_open and invoice.due_on and invoice.due_on < today
            else 0,
            "may_void": finance
            and invoice.kind == Invoice.Kind.INVOICE
            and invoice.status != InvoiceStatus.VOID
            and not (invoice.allocated or invoice.credited or invoice.written_off),
            "may_decide": services.may_decide_write_off(user),
            "pending_write_off": any(w.state == WriteOff.State.PENDING for w in write_offs),
            "issue_form": IssueForm(initial={"issued_on": today, "due_on": invoice.due_on}),
            "today": today,
            "now": timezone.now(),
            "activities": activity_list_for(invoice),
            "activity_form": CollectionActivityForm(),
            "section": "invoices",
        },
    )


def _collection_activity(request: HttpRequest, invoice: Invoice) -> None:
    """A collection activity done on the invoice; with a promised date, also the follow-up planned for that day
    (once per day promised, whoever records it twice)."""
    form = CollectionActivityForm(request.POST)
    if not form.is_valid():
        said = [str(m) for errors in form.errors.values() for m in errors]
        messages.error(request, _("The activity is not recorded: %(why)s") % {"why": " ".join(said)})
        return
    data = form.cleaned_data
    with transaction.atomic():
        activity_log(
            actor=request.user, target=invoice, kind=data["kind"], subject=data["subject"], outcome=data["outcome"]
        )
        promised: date | None = data["promised_on"]
        if promised is not None:
            amount = data["promised_amount"]
            if amount:
                subject = _("Promised payment of %(amount)s on %(day)s: check that it arrived") % {
                    "amount": format_money(to_decimal(amount), invoice.currency),
                    "day": promised.isoformat(),
                }
            else:
                subject = _("Promised payment on %(day)s: check that it arrived") % {"day": promised.isoformat()}
            due = timezone.make_aware(datetime.combine(promised, PROMISE_DUE_TIME))
            activity_schedule(
                actor=request.user,
                target=invoice,
                kind=Kind.TASK,
                subject=subject[:200],
                due_at=due,
                assignee=request.user,
                origin=f"promise:{promised.isoformat()}",
            )
    if data["promised_on"] is not None:
        messages.success(request, _("Activity recorded; the promised payment is followed up on its day."))
    else:
        messages.success(request, _("Activity recorded."))


@login_required
@require_POST
def invoice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The invoice's transitions, each one service: ``issue``, ``void``, ``credit-note``, ``write-off`` (a
    request), ``write-off-approve`` and ``write-off-refuse``; and its collection activities (``activity``, and
    ``activity-done`` for a planned follow-up)."""
    invoice = invoice_get_for_user(user=request.user, pk=pk)
    post = request.POST
    page = reverse("receivables:invoice_detail", args=[pk])
    try:
        if action == "issue":
            issued = services.invoice_issue(
                actor=request.user,
                invoice=invoice,
                issued_on=_day(post.get("issued_on")),
                due_on=_day(post.get("due_on")),
            )
            messages.success(request, _("Invoice %(number)s is issued.") % {"number": issued.number})
        elif action == "void":
            services.invoice_void(actor=request.user, invoice=invoice, reason=post.get("reason", ""))
            messages.success(request, _("The invoice is void."))
        elif action == "credit-note":
            note = services.credit_note_issue(
                actor=request.user,
                invoice=invoice,
                amount=post.get("amount", ""),
                reason=post.get("reason", ""),
                issued_on=_day(post.get("issued_on")),
            )
            messages.success(request, _("Credit note %(number)s is issued.") % {"number": note.number})
        elif action == "write-off":
            services.write_off_request(
                actor=request.user, invoice=invoice, amount=post.get("amount", ""), reason=post.get("reason", "")
            )
            messages.success(request, _("The write-off waits for a finance manager's approval."))
        elif action in ("write-off-approve", "write-off-refuse"):
            write_off = get_object_or_404(WriteOff, pk=post.get("write_off") or 0, invoice=invoice)
            approve = action == "write-off-approve"
            services.write_off_decide(
                actor=request.user, write_off=write_off, approve=approve, comment=post.get("comment", "")
            )
            messages.success(request, _("The write-off is approved.") if approve else _("The write-off is refused."))
        elif action == "activity":
            _collection_activity(request, invoice)
            return redirect(page + "#activities")
        elif action == "activity-done":
            planned = get_object_or_404(
                Activity,
                pk=post.get("activity") or 0,
                target_id=invoice.pk,
                done_at__isnull=True,
                target_type__app_label="receivables",
                target_type__model="invoice",
            )
            if planned.assignee_id != request.user.pk and not _is_finance(request.user):
                messages.error(request, _("Only the person it is planned for, or finance, marks it done."))
            else:
                activity_complete(actor=request.user, activity=planned, outcome=post.get("outcome", ""))
                messages.success(request, _("Activity recorded."))
            return redirect(page + "#activities")
        else:
            raise Http404
    except ValueError:
        messages.error(request, _("Enter a date such as 2026-12-31."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect(page)


INVOICE_LINES = 5


@login_required
def invoice_create(request: HttpRequest) -> HttpResponse:
    """A draft invoice with lines of its own (finance): an order without a payment plan, a service billed apart.
    Pick the customer, then the contract (if any), the lines (what, gross amount, tax rate) and the due date; the
    draft is then checked and issued on its page."""
    if not _is_finance(request.user):
        raise PermissionDenied
    account_pk = request.POST.get("account") or request.GET.get("account")
    if not str(account_pk or "").isdigit():
        q = request.GET.get("q", "").strip()
        if q:
            customers = account_list_visible_to(user=request.user, search=q)
        else:  # the customers with contracts first: most invoices are for one
            with_contracts = contract_list_visible_to(user=request.user).order_by().values("account_id")
            customers = Account.objects.filter(pk__in=with_contracts)
        return render(
            request,
            "receivables/invoice_form.html",
            {
                "customers": [(c, None) for c in customers.order_by("name", "pk")[:PICKER_SIZE]],
                "q": q,
                "picker_title": _("Customers with contracts"),
                "section": "invoices",
            },
        )
    account = account_get_for_user(user=request.user, pk=int(str(account_pk)))
    contracts = contract_list_visible_to(user=request.user).filter(account=account)
    post = request.POST
    rows = [
        {name: str(post.get(f"line-{n}-{name}", "")).strip() for name in ("description", "total", "tax_rate")}
        for n in range(1, INVOICE_LINES + 1)
    ]
    if request.method == "POST":
        try:
            contract = get_object_or_404(contracts, pk=int(post["contract"])) if post.get("contract") else None
            due_on = _day(post.get("due_on"))
            lines = [row for row in rows if row["description"] or row["total"]]
            done, replayed = _once(
                request,
                "pages.invoice_create",
                lambda: {
                    "invoice": services.invoice_create(
                        actor=request.user,
                        account=account,
                        lines=lines,
                        contract=contract,
                        currency=post.get("currency") or None,
                        due_on=due_on,
                        note=post.get("note", ""),
                    ).pk
                },
            )
        except ValueError:
            messages.error(request, _("Enter a date such as 2026-12-31."))
        except DomainError as exc:
            _refused(request, exc)
        else:
            if replayed:
                messages.info(request, RECORDED_ALREADY)
            else:
                messages.success(request, _("The draft invoice is ready: check it and issue it."))
            return redirect("receivables:invoice_detail", pk=done["invoice"])
    return render(
        request,
        "receivables/invoice_form.html",
        {
            "account": account,
            "contracts": contracts,
            "rows": rows,
            "posted": post,
            "currencies": CURRENCY_CHOICES,
            "default_currency": settings.DEFAULT_CURRENCY,
            "token": uuid.uuid4().hex,
            "section": "invoices",
        },
    )


# --- installments waiting to be invoiced ------------------------------------------------------------------------


def _invoiceable(user: Any) -> QuerySet[Installment]:
    """The installments of the contracts the reader sees that are invoiceable and not wholly invoiced (what is
    invoiced counts the live invoices, drafts included, less what credit notes took back), or that have a draft
    waiting to be issued; the earliest due first."""
    live = Invoice.objects.filter(installment=OuterRef("pk"), kind=Invoice.Kind.INVOICE).exclude(
        status=InvoiceStatus.VOID
    )
    invoiced = Coalesce(
        Subquery(live.order_by().values("installment").annotate(s=Sum("total") - Sum("credited")).values("s")),
        Value(ZERO),
        output_field=MONEY,
    )
    draft = live.filter(status=InvoiceStatus.DRAFT).order_by("pk").values("pk")[:1]
    return (
        Installment.objects.filter(
            contract__in=contract_list_visible_to(user=user).order_by().values("pk"),
            invoiceable=True,
            cancelled=False,
        )
        .select_related("contract", "contract__account")
        .annotate(invoiced=invoiced, draft_id=Subquery(draft))
        .filter(Q(amount__gt=invoiced) | Q(draft_id__isnull=False))
        .order_by("due_on", "contract_id", "position")
    )


@login_required
def invoiceable_list(request: HttpRequest) -> HttpResponse:
    """The installments whose milestone is reached and that are not invoiced yet: finance drafts each invoice
    here, checks it on its page and issues it."""
    page = CappedPaginator(_invoiceable(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for installment in page:
        installment.to_invoice = installment.amount - installment.invoiced
    return render(
        request,
        "receivables/invoiceable_list.html",
        {"page": page, "finance": _is_finance(request.user), "today": timezone.localdate(), "section": "invoiceable"},
    )


@login_required
@require_POST
def invoice_draft(request: HttpRequest, installment_pk: int) -> HttpResponse:
    """A draft invoice for what of an installment is not invoiced yet, then its page, to check and issue it."""
    installment = get_object_or_404(
        Installment, pk=installment_pk, contract__in=contract_list_visible_to(user=request.user).values("pk")
    )
    try:
        draft = services.invoice_create_from_installment(actor=request.user, installment=installment)
    except DomainError as exc:
        _refused(request, exc)
        return redirect("receivables:invoiceable")
    messages.success(request, _("The draft invoice is ready: check it and issue it."))
    return redirect("receivables:invoice_detail", pk=draft.pk)


# --- payments ---------------------------------------------------------------------------------------------------


@login_required
def payment_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every visible payment, newest first, by customer, with money left to allocate, or searched;
    ``?export=csv|xlsx`` the same list as a file."""
    visible = payment_list_visible_to(user=request.user)
    form = PaymentFilter(request.GET, payments=visible)
    payments = form.apply(visible).select_related("reversal")
    if request.GET.get("export") == "xlsx":
        return exports.payments_xlsx(payments)
    if request.GET.get("export") == "csv":
        return exports.payments_csv(payments)
    page = CappedPaginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/payment_list.html",
        {"page": page, "form": form, "finance": _is_finance(request.user), "section": "payments"},
    )


@dataclass
class AllocationRow:
    invoice: Invoice
    entered: str = ""
    overdue: bool = False


@dataclass
class AllocationScreen:
    """The customer's open invoices, each with the amount entered for it, and the sums of what was entered."""

    rows: list[AllocationRow] = field(default_factory=list)
    entered: Decimal | None = None  # None while an entry is not a number
    available: Decimal | None = None
    currency: str = ""

    @property
    def left(self) -> Decimal | None:
        if self.entered is None or self.available is None:
            return None
        return self.available - self.entered


def _open_invoices(user: Any, account_id: int) -> QuerySet[Invoice]:
    """The customer's invoices still owed, the earliest due first: the order money is applied in."""
    return (
        invoice_list_visible_to(user=user)
        .filter(account_id=account_id, kind=Invoice.Kind.INVOICE, status__in=OPEN)
        .order_by("due_on", "issued_on", "pk")
    )


def _entered(post: Any) -> dict[int, str]:
    """The amounts typed per invoice (``alloc-<invoice id>``), the empty ones left out."""
    found = {}
    for key in post:
        name, _sep, pk = key.partition("-")
        value = str(post.get(key) or "").strip()
        if name == "alloc" and pk.isdigit() and value:
            found[int(pk)] = value
    return found


def _screen(user: Any, account_id: int, currency: str, entered: dict[int, str], available: Any) -> AllocationScreen:
    today = timezone.localdate()
    rows = [
        AllocationRow(invoice, entered.get(invoice.pk, ""), bool(invoice.due_on and invoice.due_on < today))
        for invoice in _open_invoices(user, account_id)
    ]
    try:
        total = sum((to_decimal(v) for v in entered.values()), ZERO)
    except (TypeError, ValueError):
        total = None
    try:
        money = to_decimal(available) if available not in (None, "") else None
    except (TypeError, ValueError):
        money = None
    return AllocationScreen(rows=rows, entered=total, available=money, currency=currency)


def _suggest(user: Any, account_id: int, currency: str, amount: Any) -> dict[int, str]:
    """Fill the amounts: the money goes to the invoices in its currency, the earliest due first, each up to
    what it owes."""
    try:
        left = to_decimal(amount)
    except (TypeError, ValueError):
        return {}
    filled: dict[int, str] = {}
    for invoice in _open_invoices(user, account_id).filter(currency=currency):
        share = min(left, invoice.open_balance)
        if share <= 0:
            break
        filled[invoice.pk] = str(share)
        left -= share
    return filled


def _parts(user: Any, entered: dict[int, str]) -> list[tuple[Invoice, str]]:
    """The (invoice, amount) pairs to allocate; an invoice the reader does not see answers 404."""
    return [(invoice_get_for_user(user=user, pk=pk), amount) for pk, amount in sorted(entered.items())]


def _pick_customer(request: HttpRequest) -> HttpResponse:
    """Step one of a payment: whose money it is. The customers with invoices still owed come first; a search
    finds any customer the reader sees (money may arrive before its invoice)."""
    q = request.GET.get("q", "").strip()
    if q:
        customers = list(account_list_visible_to(user=request.user, search=q).order_by("name", "pk")[:PICKER_SIZE])
    else:
        owing = _owing(request.user)
        customers = list(Account.objects.filter(pk__in=owing.values("account_id")).order_by("name", "pk")[:PICKER_SIZE])
        sums = dict(
            owing.values_list("account_id").annotate(
                n=Sum("total") - Sum("allocated") - Sum("credited") - Sum("written_off")
            )
        )
        return render(
            request,
            "receivables/payment_form.html",
            {
                "customers": [(c, sums.get(c.pk)) for c in customers],
                "q": q,
                "picker_title": _("Who paid? Customers who owe"),
                "section": "payments",
            },
        )
    return render(
        request,
        "receivables/payment_form.html",
        {"customers": [(c, None) for c in customers], "q": q, "section": "payments"},
    )


def _owing(user: Any) -> QuerySet[Invoice]:
    return (
        invoice_list_visible_to(user=user)
        .filter(kind=Invoice.Kind.INVOICE, status__in=OPEN, currency=settings.DEFAULT_CURRENCY)
        .order_by()
    )


@login_required
def payment_create(request: HttpRequest) -> HttpResponse:
    """Record money received (finance): pick the customer, then enter the payment and, on the customer's open
    invoices, how much of it goes to each. All or nothing: a refused allocation records no payment. What is not
    allocated stays on the customer as a credit. ``suggest`` fills the amounts, the earliest due first; ``check``
    adds up what was entered."""
    if not _is_finance(request.user):
        raise PermissionDenied
    account_pk = request.POST.get("account") or request.GET.get("account")
    if not str(account_pk or "").isdigit():
        return _pick_customer(request)
    account = account_get_for_user(user=request.user, pk=int(str(account_pk)))
    form = PaymentForm(request.POST or None, account=account)
    entered = _entered(request.POST)
    rate, note = request.POST.get("rate", ""), request.POST.get("allocation_note", "")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "suggest":
            entered = _suggest(request.user, account.pk, data["currency"], data["amount"])
        elif request.POST.get("action") == "check":
            pass  # the same page with the sums of what was entered, nothing recorded
        else:
            try:
                done, replayed = _once(
                    request, "pages.payment_create", lambda: _record(request, account, data, entered, rate, note)
                )
            except DomainError as exc:
                _refused(request, exc)
            else:
                if replayed:
                    messages.info(request, RECORDED_ALREADY)
                else:
                    messages.success(request, done["message"])
                return redirect("receivables:payment_detail", pk=done["payment"])
    elif request.method == "POST":
        messages.error(request, _("The payment is not valid: see the fields marked."))
    currency = form["currency"].value() or settings.DEFAULT_CURRENCY
    return render(
        request,
        "receivables/payment_form.html",
        {
            "account": account,
            "form": form,
            "screen": _screen(request.user, account.pk, str(currency), entered, form["amount"].value()),
            "rate": rate,
            "note": note,
            "token": uuid.uuid4().hex,
            "section": "payments",
        },
    )


def _record(
    request: HttpRequest, account: Account, data: dict[str, Any], entered: dict[int, str], rate: str, note: str
) -> dict[str, Any]:
    """The payment and its allocations, in one transaction: a refused allocation leaves no payment."""
    with transaction.atomic():
        # payment_record takes no rate, so the allocation is a second service call in the same transaction
        payment = services.payment_record(actor=request.user, account=account, **data)
        parts = _parts(request.user, entered)
        if parts:
            services.allocate(actor=request.user, payment=payment, parts=parts, rate=rate or None, note=note)
    payment.refresh_from_db()
    message = _("Payment of %(amount)s recorded.") % {"amount": format_money(payment.amount, payment.currency)}
    if payment.allocated:
        message += " " + _("%(n)d invoices paid with it; %(left)s left on the customer as a credit.") % {
            "n": len(parts),
            "left": format_money(payment.unallocated, payment.currency),
        }
    return {"payment": payment.pk, "message": message}


def _payment_page(
    request: HttpRequest, payment: Payment, entered: dict[int, str] | None = None, rate: str = "", note: str = ""
) -> HttpResponse:
    allocations = list(payment.allocations.select_related("invoice", "reversal", "by").order_by("at", "pk"))
    reversed_by = Payment.objects.filter(reversal_of=payment).first()
    finance = _is_finance(request.user)
    may_allocate = finance and payment.reversal_of_id is None and reversed_by is None and payment.unallocated > 0
    return render(
        request,
        "receivables/payment_detail.html",
        {
            "payment": payment,
            "allocations": allocations,
            "reversed_by": reversed_by,
            "finance": finance,
            "may_allocate": may_allocate,
            "screen": _screen(request.user, payment.account_id, payment.currency, entered or {}, payment.unallocated)
            if may_allocate
            else None,
            "rate": rate,
            "note": note,
            "token": uuid.uuid4().hex,
            "history": record_history(payment),
            "section": "payments",
        },
    )


@login_required
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _payment_page(request, payment_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def payment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """``allocate`` what is left of the payment (all or nothing; ``suggest`` fills the amounts, ``check`` adds them
    up), ``reverse`` a
    payment that did not hold, ``allocation-reverse`` one allocation — each by new entries, never edits."""
    payment = payment_get_for_user(user=request.user, pk=pk)
    post = request.POST
    try:
        if action == "allocate":
            entered, rate, note = _entered(post), post.get("rate", ""), post.get("allocation_note", "")
            if post.get("action") == "suggest":
                return _payment_page(
                    request,
                    payment,
                    _suggest(request.user, payment.account_id, payment.currency, payment.unallocated),
                    rate,
                    note,
                )
            if post.get("action") == "check":
                return _payment_page(request, payment, entered, rate, note)
            try:
                _done, replayed = _once(
                    request,
                    f"pages.payment.{payment.pk}.allocate",
                    lambda: _allocate(request, payment, entered, rate, note),
                )
            except DomainError as exc:
                _refused(request, exc)
                return _payment_page(request, payment, entered, rate, note)
            if replayed:
                messages.info(request, RECORDED_ALREADY)
            else:
                messages.success(request, _("Allocated."))
        elif action == "reverse":
            services.payment_reverse(actor=request.user, payment=payment, reason=post.get("reason", ""))
            messages.success(request, _("The payment is reversed; its invoices owe again what it paid."))
        elif action == "allocation-reverse":
            allocation = get_object_or_404(Allocation, pk=post.get("allocation") or 0, payment=payment)
            services.allocation_reverse(actor=request.user, allocation=allocation, reason=post.get("reason", ""))
            messages.success(request, _("The allocation is reversed; the money is left to allocate again."))
        else:
            raise Http404
    except DomainError as exc:
        _refused(request, exc)
    return redirect("receivables:payment_detail", pk=pk)


def _allocate(request: HttpRequest, payment: Payment, entered: dict[int, str], rate: str, note: str) -> dict[str, Any]:
    parts = _parts(request.user, entered)
    if not parts:
        raise DomainError(_("Enter an amount for at least one invoice."), code=services.BAD_AMOUNT)
    services.allocate(actor=request.user, payment=payment, parts=parts, rate=rate or None, note=note)
    return {"payment": payment.pk}


# --- the customer statement (对账单) -----------------------------------------------------------------------------


@dataclass
class StatementEntry:
    day: date
    kind: str
    text: str
    reference: str = ""
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    balance: Decimal = ZERO
    order: int = 0
    pk: int = 0


def _credit_as_of(payments: QuerySet[Payment], day: date) -> Decimal:
    """What the customer paid by the end of ``day`` that no invoice issued by then has taken: money received,
    less its allocations to invoices issued by that day (an allocation counts from the later of the two dates,
    as the invoice balances in ``receivables.reports`` count it)."""
    received = payments.filter(received_on__lte=day).aggregate(s=Sum("amount"))["s"] or ZERO
    taken = (
        Allocation.objects.filter(
            payment__in=payments.filter(received_on__lte=day), invoice__issued_on__lte=day
        ).aggregate(s=Sum("payment_amount"))["s"]
        or ZERO
    )
    return received - taken


def _open_as_of(invoices: QuerySet[Invoice], day: date) -> Decimal:
    return invoices.filter(issued_on__lte=day).annotate(open=open_as_of(day)).aggregate(s=Sum("open"))["s"] or ZERO


@login_required
def customer_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable statement of a customer's account (对账单) in one currency, from ``?start=`` (the first of
    the year unless given) to ``?as_of=`` (today): the balance brought forward, each invoice, credit note,
    write-off and payment (with the invoices it paid) with the running balance, the invoices still open as of
    the day and the credit not yet allocated. Finance only (a complete statement needs every invoice and payment
    of the customer); anyone else who sees the customer is refused."""
    account = account_get_for_user(user=request.user, pk=pk)
    if not _is_finance(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    form = StatementForm(request.GET)
    form.is_valid()
    given = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors and v}
    as_of: date = given.get("as_of") or today
    start: date = given.get("start") or as_of.replace(month=1, day=1)
    currency: str = given.get("currency") or settings.DEFAULT_CURRENCY
    if start > as_of:
        start = as_of
    before = start - timedelta(days=1)
    invoices = receivables_visible_to(user=request.user, currency=currency, account=account.pk)
    payments = payment_list_visible_to(user=request.user).filter(account=account, currency=currency)
    opening = _open_as_of(invoices, before) - _credit_as_of(payments, before)

    entries: list[StatementEntry] = []
    for invoice in invoices.filter(issued_on__range=(start, as_of)).order_by("issued_on", "pk"):
        text = _("Invoice, due %(day)s") % {"day": invoice.due_on.isoformat() if invoice.due_on else "—"}
        entries.append(
            StatementEntry(
                invoice.issued_on or as_of,
                "invoice",
                text,
                invoice.number or "",
                debit=invoice.total,
                order=0,
                pk=invoice.pk,
            )
        )
    notes = (
        invoice_list_visible_to(user=request.user)
        .filter(account=account, currency=currency, kind=Invoice.Kind.CREDIT_NOTE, issued_on__range=(start, as_of))
        .exclude(status=InvoiceStatus.VOID)
        .select_related("corrects")
        .order_by("issued_on", "pk")
    )
    for note in notes:
        text = _("Credit note on %(number)s") % {"number": note.corrects.number if note.corrects else ""}
        entries.append(
            StatementEntry(
                note.issued_on or as_of, "credit_note", text, note.number or "", credit=note.total, order=1, pk=note.pk
            )
        )
    write_offs = WriteOff.objects.filter(
        invoice__in=invoices, state=WriteOff.State.APPROVED, decided_at__date__range=(start, as_of)
    ).select_related("invoice")
    for write_off in write_offs:
        day = timezone.localdate(write_off.decided_at)
        text = _("Written off on %(number)s") % {"number": write_off.invoice.number}
        entries.append(StatementEntry(day, "write_off", text, "", credit=write_off.amount, order=2, pk=write_off.pk))
    received = payments.filter(received_on__range=(start, as_of)).prefetch_related(
        "allocations__invoice", "allocations__reversal"
    )
    for payment in received.order_by("received_on", "pk"):
        live = [a for a in payment.allocations.all() if a.reversal_of_id is None and not hasattr(a, "reversal")]
        paid = "; ".join(f"{a.invoice.number} {format_money(a.amount, a.invoice.currency)}" for a in live)
        if payment.reversal_of_id:
            text = _("Payment reversed")
        else:
            text = _("Payment (%(method)s)") % {"method": payment.get_method_display()}
            if paid:
                text += " · " + _("for %(invoices)s") % {"invoices": paid}
        entries.append(
            StatementEntry(
                payment.received_on, "payment", text, payment.reference, credit=payment.amount, order=3, pk=payment.pk
            )
        )
    entries.sort(key=lambda e: (e.day, e.order, e.pk))
    balance = opening
    for entry in entries:
        balance += entry.debit - entry.credit
        entry.balance = balance

    open_invoices = list(
        invoices.filter(issued_on__lte=as_of)
        .annotate(open=open_as_of(as_of))
        .filter(open__gt=0)
        .order_by("due_on", "issued_on", "pk")
    )
    owed = sum((i.open for i in open_invoices), ZERO)
    credit = _credit_as_of(payments, as_of)
    return render(
        request,
        "receivables/customer_statement.html",
        {
            "account": account,
            # the period and currency used, shown in the form even when the address did not give them
            "form": StatementForm({"start": start, "as_of": as_of, "currency": currency}),
            "start": start,
            "as_of": as_of,
            "currency": currency,
            "opening": opening,
            "entries": entries,
            "closing": balance,
            "invoiced": sum((e.debit for e in entries), ZERO),
            "settled": sum((e.credit for e in entries), ZERO),
            "open_invoices": [(i, max((as_of - i.due_on).days, 0) if i.due_on else 0) for i in open_invoices],
            "owed": owed,
            "credit": credit,
            "due": owed - credit,
            "today": today,
        },
    )
