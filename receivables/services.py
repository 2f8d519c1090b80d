"""Every write to cash collection: invoices from the payment plan, issuing, voiding, credit notes; payments,
allocations and their reversals; write-offs and their approval.

Concurrency: money rows are locked in one fixed order — payments (by id), then invoices (by id), then the
installment they belong to (only a draft being issued takes its installment first: no payment can hold a
draft) — and every running sum is changed under those locks, in the transaction of the
entries it sums. Database constraints hold the sums within the totals whatever happens."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, Installment
from contracts.services import contract_settlement_changed, next_number
from customers.models import Account
from ltc.access import profile_for
from ltc.audit import acting_as
from ltc.errors import Conflict, DomainError, NotAllowed
from ltc.money import CURRENCIES, format_money, quantize, split_by_weights, to_decimal
from org.models import Role
from receivables.models import (
    ZERO,
    Allocation,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Method,
    Payment,
    WriteOff,
)

FINANCE_ONLY = "finance_only"
NOT_INVOICEABLE = "installment_not_invoiceable"
ALREADY_INVOICED = "installment_invoiced"
NOT_DRAFT = "invoice_issued_is_immutable"
BAD_DATE = "invalid_date"
CREDIT_NOTE_NOT_VOIDABLE = "credit_note_not_voidable"
HAS_ALLOCATIONS = "invoice_has_allocations"
REASON_REQUIRED = "reason_required"
NOT_POSITIVE = "amount_not_positive"
BAD_AMOUNT = "invalid_amount"
BAD_CURRENCY = "invalid_currency"
CURRENCY_MISMATCH = "currency_needs_rate"
INVOICE_NOT_OPEN = "invoice_not_open"
OVER_ALLOCATION = "over_allocation"
PAYMENT_EXCEEDED = "payment_exceeded"
OTHER_CUSTOMER = "invoice_of_another_customer"
PAYMENT_REVERSED = "payment_reversed"
ALREADY_REVERSED = "already_reversed"
DUPLICATE_NUMBER = "duplicate_invoice_number"
WRITE_OFF_PENDING = "write_off_pending"
WRITE_OFF_DECIDED = "write_off_not_pending"
OWN_REQUEST = "own_request"
NOT_APPROVER = "not_the_approver"


def require_finance(actor: Any) -> None:
    profile = profile_for(actor)
    if profile is None or not (profile.finance or profile.sees_all):
        raise NotAllowed(_("Only finance records invoices and payments."), code=FINANCE_ONLY)


def _amount(value: Any, field: str, *, positive: bool = True) -> Decimal:
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter an amount such as 1234.56."), code=BAD_AMOUNT, fields={field: [_("Enter a number.")]}
        ) from None
    if positive and amount <= 0:
        raise DomainError(_("An amount is more than zero."), code=NOT_POSITIVE, fields={field: [_("More than 0.")]})
    if amount != quantize(amount):
        raise DomainError(_("Amounts are in fen at most."), code=BAD_AMOUNT, fields={field: [_("Two decimals.")]})
    return amount


def _people(contract: Contract | None, account: Account) -> dict[str, Any]:
    """The people who see an invoice: the contract's (or, without one, the customer's owner)."""
    if contract is not None:
        return {
            "owner_id": contract.owner_id,
            "team_id": contract.team_id,
            "presales_id": contract.presales_id,
            "delivery_id": contract.delivery_id,
        }
    return {"owner_id": account.owner_id, "team_id": getattr(account, "team_id", None)}


def _tax_lines(contract: Contract, gross: Decimal, label: str) -> list[dict[str, Any]]:
    """An amount of the contract, split over its tax rates in proportion to the lines (exactly, to the fen);
    each part's tax taken out of its gross (价税分离)."""
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for rate, total in contract.lines.values_list("tax_rate", "total"):
        by_rate[rate] += total
    rates = sorted(r for r in by_rate if by_rate[r] > 0) or [Decimal(0)]
    weights = [by_rate[r] for r in rates] if by_rate else [Decimal(1)]
    parts = split_by_weights(gross, weights, contract.currency)
    lines = []
    for rate, part in zip(rates, parts, strict=True):
        net = quantize(part * 100 / (100 + rate), contract.currency)
        lines.append(
            {
                "description": label if len(rates) == 1 else f"{label} ({rate.normalize()}%)",
                "tax_rate": rate,
                "net": net,
                "tax": part - net,
                "total": part,
            }
        )
    return lines


def _write_lines(invoice: Invoice, lines: list[dict[str, Any]]) -> None:
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=n, **line) for n, line in enumerate(lines, start=1)
    )
    invoice.net = sum((line["net"] for line in lines), ZERO)
    invoice.tax = sum((line["tax"] for line in lines), ZERO)
    invoice.total = sum((line["total"] for line in lines), ZERO)


def _invoiced(installment: Installment) -> Decimal:
    """What of an installment is invoiced already: its live invoices, less what credit notes took back."""
    live = Invoice.objects.filter(installment=installment, kind=Invoice.Kind.INVOICE).exclude(status=InvoiceStatus.VOID)
    sums = live.aggregate(total=Sum("total"), credited=Sum("credited"))
    return (sums["total"] or ZERO) - (sums["credited"] or ZERO)


@transaction.atomic
def invoice_create_from_installment(*, actor: Any, installment: Installment) -> Invoice:
    """A draft invoice for what of an invoiceable installment is not invoiced yet, split by tax rate like the
    contract's lines; due when the installment is due."""
    require_finance(actor)
    installment = Installment.objects.select_for_update().select_related("contract").get(pk=installment.pk)
    contract = installment.contract
    if not installment.invoiceable or installment.cancelled:
        raise DomainError(
            _("%(label)s is not invoiceable: its milestone is not reached.") % {"label": installment.label},
            code=NOT_INVOICEABLE,
        )
    remaining = installment.amount - _invoiced(installment)
    if remaining <= 0:
        raise Conflict(_("%(label)s is invoiced already.") % {"label": installment.label}, code=ALREADY_INVOICED)
    account = Account.objects.get(pk=contract.account_id)
    with acting_as(actor):
        invoice = Invoice.objects.create(
            account=account,
            contract=contract,
            installment=installment,
            currency=contract.currency,
            due_on=installment.due_on,
            created_by=actor,
            **_people(contract, account),
        )
        _write_lines(invoice, _tax_lines(contract, remaining, f"{contract.number} · {installment.label}"))
        invoice.save()
    return invoice


@transaction.atomic
def invoice_create(
    *, actor: Any, account: Account, lines: list[dict[str, Any]], contract: Contract | None = None,
    currency: str | None = None, due_on: date | None = None, note: str = "",
) -> Invoice:  # fmt: skip
    """A draft invoice with its own lines (description, gross amount, tax rate %), for a customer and, if given,
    a contract of theirs (an order without a plan, a service billed apart)."""
    require_finance(actor)
    if contract is not None and contract.account_id != account.pk:
        raise DomainError(_("The contract is another customer's."), code=OTHER_CUSTOMER)
    currency = currency or (contract.currency if contract else settings.DEFAULT_CURRENCY)
    if currency not in CURRENCIES:
        raise DomainError(_("Unknown currency: %(c)s") % {"c": currency}, code=BAD_CURRENCY)
    cleaned, errors = [], {}
    for n, line in enumerate(lines, start=1):
        description = str(line.get("description") or "").strip()[:300]
        try:
            total = _amount(line.get("total"), f"lines.{n}.total")
            rate = to_decimal(line.get("tax_rate") or 0)
        except (DomainError, ValueError, TypeError) as exc:
            errors[f"lines.{n}"] = [getattr(exc, "message", _("Enter a number."))]
            continue
        if not description:
            errors[f"lines.{n}.description"] = [_("Say what is invoiced.")]
        if not (0 <= rate <= 100):
            errors[f"lines.{n}.tax_rate"] = [_("Between 0 and 100 %.")]
            continue
        net = quantize(total * 100 / (100 + rate), currency)
        cleaned.append({"description": description, "tax_rate": rate, "net": net, "tax": total - net, "total": total})
    if not lines:
        errors["lines"] = [_("An invoice has at least one line.")]
    if errors:
        raise DomainError(_("Some invoice lines are not valid."), code=BAD_AMOUNT, fields=errors)
    with acting_as(actor):
        invoice = Invoice.objects.create(
            account=account, contract=contract, currency=currency, due_on=due_on, note=note.strip()[:300],
            created_by=actor, **_people(contract, account),
        )  # fmt: skip
        _write_lines(invoice, cleaned)
        invoice.save()
    return invoice


@transaction.atomic
def invoice_issue(
    *, actor: Any, invoice: Invoice, issued_on: date | None = None, due_on: date | None = None
) -> Invoice:
    """Issue a draft: it takes the next number (``INVOICE_NUMBER_PATTERN``) and is immutable from now on. Due
    on the given date, else the installment's, else ``INVOICE_DUE_DAYS`` after issue."""
    require_finance(actor)
    if invoice.installment_id:  # the fixed order: the installment, then its invoice
        installment = Installment.objects.select_for_update().get(pk=invoice.installment_id)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(_("An issued invoice does not change; correct it with a credit note."), code=NOT_DRAFT)
    if invoice.installment_id:
        others = _invoiced(installment) - invoice.total  # this draft counted among the live invoices
        if others + invoice.total > installment.amount:
            raise Conflict(_("%(label)s is invoiced already.") % {"label": installment.label}, code=ALREADY_INVOICED)
    day = issued_on or timezone.localdate()
    due = due_on or invoice.due_on or day + timedelta(days=settings.INVOICE_DUE_DAYS)
    if day > timezone.localdate():
        raise DomainError(
            _("An invoice is issued today or before."), code=BAD_DATE, fields={"issued_on": [_("In the future.")]}
        )
    if due < day:
        raise DomainError(
            _("An invoice falls due on or after its issue date."), code=BAD_DATE, fields={"due_on": [_("Too early.")]}
        )
    with acting_as(actor):
        invoice.number = _unused_number(day, settings.INVOICE_NUMBER_PATTERN)
        invoice.status, invoice.issued_on, invoice.due_on = InvoiceStatus.ISSUED, day, due
        invoice.save()
    return invoice


def _unused_number(day: date, pattern: str) -> str:
    """The next number of the series that no invoice carries yet (case ignored, as an import compares them): a
    company's history may have come in with numbers of the same form, which the series then steps over."""
    for _step in range(100_000):
        number = next_number(day, pattern)
        if not Invoice.objects.filter(number__iexact=number).exists():
            return number
    raise Conflict(_("No free invoice number is left in this series."), code=DUPLICATE_NUMBER)


@transaction.atomic
def invoice_void(*, actor: Any, invoice: Invoice, reason: str) -> Invoice:
    """Void an invoice issued in error, with the reason — only while nothing is paid, credited or written off
    on it (then a credit note corrects it)."""
    require_finance(actor)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not reason.strip():
        raise DomainError(_("Say why."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]})
    if invoice.status == InvoiceStatus.VOID:
        raise DomainError(_("This invoice is void already."), code=INVOICE_NOT_OPEN)
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        # its credit sits on the corrected invoice: voiding the note alone would leave that invoice owing less
        raise DomainError(
            _("A credit note is not voided: to undo it, invoice the amount again."), code=CREDIT_NOTE_NOT_VOIDABLE
        )
    if invoice.allocated or invoice.credited or invoice.written_off:
        raise DomainError(
            _("Payments, credit notes or write-offs are on this invoice: reverse them or issue a credit note."),
            code=HAS_ALLOCATIONS,
        )
    with acting_as(actor):
        invoice.status, invoice.void_reason = InvoiceStatus.VOID, reason.strip()[:300]
        invoice.save()
    return invoice


@transaction.atomic
def credit_note_issue(
    *, actor: Any, invoice: Invoice, amount: Any, reason: str, issued_on: date | None = None
) -> Invoice:
    """Correct an issued invoice by a credit note (红字发票) of at most its open balance: its own number, lines
    in the invoice's tax proportions; the invoice owes that much less."""
    require_finance(actor)
    value = _amount(amount, "amount")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)  # then its installment, in _refresh
    if not reason.strip():
        raise DomainError(_("Say why."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]})
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in _OPEN:
        raise DomainError(_("Only an open invoice is credited."), code=INVOICE_NOT_OPEN)
    if value > invoice.open_balance:
        raise DomainError(
            _("At most the open balance, %(open)s.") % {"open": format_money(invoice.open_balance, invoice.currency)},
            code=OVER_ALLOCATION,
        )
    lines = list(invoice.lines.all())
    parts = split_by_weights(value, [line.total for line in lines], invoice.currency)
    today = issued_on or timezone.localdate()
    if today > timezone.localdate() or (invoice.issued_on and today < invoice.issued_on):
        raise DomainError(
            _("A credit note is dated between its invoice and today."), code=BAD_DATE,
            fields={"issued_on": [_("Out of range.")]},
        )  # fmt: skip
    with acting_as(actor):
        note = Invoice.objects.create(
            kind=Invoice.Kind.CREDIT_NOTE, number=_unused_number(today, settings.CREDIT_NOTE_NUMBER_PATTERN),
            account_id=invoice.account_id, contract_id=invoice.contract_id, installment_id=invoice.installment_id,
            corrects=invoice, status=InvoiceStatus.ISSUED, issued_on=today, due_on=today, currency=invoice.currency,
            note=reason.strip()[:300], created_by=actor, owner_id=invoice.owner_id, team_id=invoice.team_id,
            presales_id=invoice.presales_id, delivery_id=invoice.delivery_id,
        )  # fmt: skip
        credit_lines = []
        for line, part in zip(lines, parts, strict=True):
            net = quantize(part * 100 / (100 + line.tax_rate), invoice.currency)
            credit_lines.append(
                {"description": line.description, "tax_rate": line.tax_rate, "net": net, "tax": part - net,
                 "total": part}
            )  # fmt: skip
        _write_lines(note, credit_lines)
        note.save()
        invoice.credited += value
        _refresh(invoice, today)
    return note


_OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


def _refresh(invoice: Invoice, on: date) -> None:
    """The invoice's status from its sums (it is locked), then its installment's receipts."""
    settled = invoice.allocated + invoice.credited + invoice.written_off
    if settled >= invoice.total:
        if invoice.written_off:
            invoice.status = InvoiceStatus.WRITTEN_OFF
        elif invoice.allocated:
            invoice.status = InvoiceStatus.PAID
        else:
            invoice.status = InvoiceStatus.CREDITED
    else:
        invoice.status = InvoiceStatus.PARTIALLY_PAID if invoice.allocated else InvoiceStatus.ISSUED
    invoice.paid_on = on if invoice.status == InvoiceStatus.PAID else None
    invoice.save()
    if invoice.installment_id:
        _sync_installment(invoice.installment_id)


def _sync_installment(installment_id: int) -> None:
    """What arrived against an installment (the payments on its invoices), and the day it was settled: when
    payments and write-offs on its invoices cover it. The contract completes or reopens accordingly."""
    installment = Installment.objects.select_for_update().get(pk=installment_id)
    invoices = Invoice.objects.filter(installment_id=installment_id, kind=Invoice.Kind.INVOICE).exclude(
        status__in=(InvoiceStatus.DRAFT, InvoiceStatus.VOID)
    )
    sums = invoices.aggregate(received=Sum("allocated"), written_off=Sum("written_off"))
    received, written_off = sums["received"] or ZERO, sums["written_off"] or ZERO
    settled_on = None
    if received + written_off >= installment.amount:
        last_payment = Allocation.objects.filter(
            invoice__in=invoices, reversal__isnull=True, reversal_of__isnull=True
        ).aggregate(last=Max("payment__received_on"))["last"]
        settled_on = max(d for d in (last_payment, timezone.localdate() if written_off else None) if d)
    if (installment.received, installment.settled_on) != (received, settled_on):
        installment.received, installment.settled_on = received, settled_on
        installment.save(update_fields=["received", "settled_on"])
        contract_settlement_changed(contract=installment.contract)


# --- payments and allocation ---------------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *, actor: Any, account: Account, payer: str, received_on: date, amount: Any, currency: str | None = None,
    method: str = Method.TRANSFER, reference: str = "", note: str = "",
    allocations: list[tuple[Invoice, Any]] | None = None, historical: bool = False,
) -> Payment:  # fmt: skip
    """Record money received from a customer and, if given, allocate it to invoices in the same transaction.
    What is not allocated stays on the customer as a credit to allocate later."""
    require_finance(actor)
    value = _amount(amount, "amount")
    currency = currency or settings.DEFAULT_CURRENCY
    errors: dict[str, list[str]] = {}
    if currency not in CURRENCIES:
        errors["currency"] = [_("Unknown currency: %(c)s") % {"c": currency}]
    if method not in Method.values:
        errors["method"] = [_("Choose a method.")]
    if not payer.strip():
        errors["payer"] = [_("Required.")]
    if received_on > timezone.localdate():
        errors["received_on"] = [_("Money is recorded when it has arrived.")]
    if errors:
        raise DomainError(_("The payment is not valid."), code=BAD_AMOUNT, fields=errors)
    with acting_as(actor):
        payment = Payment.objects.create(
            account=account, payer=payer.strip()[:200], received_on=received_on, amount=value, currency=currency,
            method=method, reference=reference.strip()[:200], note=note.strip()[:300], owner_id=account.owner_id,
            team_id=getattr(account, "team_id", None), recorded_by=actor, historical=historical,
        )  # fmt: skip
    if allocations:
        allocate(actor=actor, payment=payment, parts=allocations)
        payment.refresh_from_db(fields=["allocated"])  # the caller reads what it allocated, not the stale zero
    return payment


def _lock(payment_ids: list[int], invoice_ids: list[int]) -> tuple[dict[int, Payment], dict[int, Invoice]]:
    """Lock in the one fixed order: payments by id, then invoices by id (never the other way round)."""
    payments = {p.pk: p for p in Payment.objects.select_for_update().filter(pk__in=payment_ids).order_by("pk")}
    invoices = {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk")}
    return payments, invoices


@transaction.atomic
def allocate(
    *, actor: Any, payment: Payment, parts: list[tuple[Invoice, Any]], rate: Any = None, note: str = ""
) -> list[Allocation]:
    """Allocate a payment to invoices, partly or fully: never more than an invoice's open balance, never more
    than the payment has left; all or nothing. An invoice in another currency needs the rate (invoice currency
    per unit of the payment's)."""
    require_finance(actor)
    if not parts:
        raise DomainError(_("Choose an invoice to allocate to."), code=BAD_AMOUNT)
    payments, invoices = _lock([payment.pk], [invoice.pk for invoice, _a in parts])
    payment = payments[payment.pk]
    if payment.reversal_of_id is not None or Payment.objects.filter(reversal_of=payment).exists():
        raise DomainError(_("This payment was reversed."), code=PAYMENT_REVERSED)
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    errors: dict[str, list[str]] = {}
    for n, (invoice, amount) in enumerate(parts, start=1):
        wanted[invoice.pk] += _amount(amount, f"allocations.{n}.amount")
    fx = None
    if rate not in (None, ""):
        try:
            fx = to_decimal(rate)
        except (TypeError, ValueError):
            raise DomainError(_("Enter a rate such as 7.1234."), code=BAD_AMOUNT, fields={"rate": ["?"]}) from None
        if fx <= 0:
            raise DomainError(_("A rate is more than zero."), code=NOT_POSITIVE, fields={"rate": [_("More than 0.")]})
    taken: dict[int, Decimal] = {}
    codes: list[str] = []
    for pk, amount in wanted.items():
        invoice = invoices[pk]
        label = invoice.number or str(pk)
        if invoice.account_id != payment.account_id:
            errors[label], code = [_("It is another customer's invoice.")], OTHER_CUSTOMER
        elif invoice.kind != Invoice.Kind.INVOICE or invoice.status not in _OPEN:
            status_label = InvoiceStatus(invoice.status).label
            errors[label], code = [_("It is %(status)s.") % {"status": status_label}], INVOICE_NOT_OPEN
        elif amount > invoice.open_balance:
            errors[label], code = (
                [
                    _("At most its open balance, %(open)s.")
                    % {"open": format_money(invoice.open_balance, invoice.currency)}
                ],
                OVER_ALLOCATION,
            )
        else:
            code = ""
        if code:
            codes.append(code)
        if invoice.currency != payment.currency:
            if fx is None:
                raise DomainError(
                    _("%(invoice)s is in %(a)s, the payment in %(b)s: give the rate.")
                    % {"invoice": label, "a": invoice.currency, "b": payment.currency},
                    code=CURRENCY_MISMATCH,
                    fields={"rate": [_("Required.")]},
                )
            taken[pk] = quantize(amount / fx, payment.currency)
        else:
            taken[pk] = amount
    if errors:
        # the most basic problem names the refusal: another customer's, then not open, then too much
        first = min(codes, key=[OTHER_CUSTOMER, INVOICE_NOT_OPEN, OVER_ALLOCATION].index)
        raise DomainError(
            _("The allocation is refused: %(why)s")
            % {"why": "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())},
            code=first,
            fields=errors,
        )
    if sum(taken.values(), ZERO) > payment.unallocated:
        raise DomainError(
            _("The payment has %(left)s left to allocate.")
            % {"left": format_money(payment.unallocated, payment.currency)},
            code=PAYMENT_EXCEEDED,
        )
    made = []
    with acting_as(actor):
        for pk, amount in wanted.items():
            invoice = invoices[pk]
            made.append(
                Allocation.objects.create(
                    payment=payment,
                    invoice=invoice,
                    amount=amount,
                    payment_amount=taken[pk],
                    rate=fx if invoice.currency != payment.currency else None,
                    by=actor,
                    note=note.strip()[:300],
                )
            )
            invoice.allocated += amount
            payment.allocated += taken[pk]
        payment.save(update_fields=["allocated"])
        for pk in sorted(wanted):
            # paid on the day the money arrived, or (a credit applied later) on the invoice's own date
            _refresh(invoices[pk], max(payment.received_on, invoices[pk].issued_on or payment.received_on))
    return made


@transaction.atomic
def allocation_reverse(*, actor: Any, allocation: Allocation, reason: str) -> Allocation:
    """Undo an allocation by a new entry of the opposite sign (history is never edited): the invoice owes it
    again and the payment has it to allocate again."""
    require_finance(actor)
    if not reason.strip():
        raise DomainError(_("Say why."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]})
    payments, invoices = _lock([allocation.payment_id], [allocation.invoice_id])
    original = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if original.reversal_of_id is not None or Allocation.objects.filter(reversal_of=original).exists():
        raise DomainError(_("This allocation is reversed already."), code=ALREADY_REVERSED)
    payment, invoice = payments[original.payment_id], invoices[original.invoice_id]
    with acting_as(actor):
        reversal = Allocation.objects.create(
            payment=payment, invoice=invoice, amount=-original.amount, payment_amount=-original.payment_amount,
            rate=original.rate, reversal_of=original, by=actor, note=reason.strip()[:300],
        )  # fmt: skip
        invoice.allocated -= original.amount
        payment.allocated -= original.payment_amount
        payment.save(update_fields=["allocated"])
        _refresh(invoice, payment.received_on)
    return reversal


@transaction.atomic
def payment_reverse(*, actor: Any, payment: Payment, reason: str) -> Payment:
    """A payment that did not hold (bounced, recorded twice): its allocations are reversed and a negative payment
    records the reversal; the original stays as it was recorded."""
    require_finance(actor)
    if not reason.strip():
        raise DomainError(_("Say why."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]})
    live = Allocation.objects.filter(payment=payment, reversal_of__isnull=True, reversal__isnull=True)
    payments, _invoices = _lock([payment.pk], list(live.values_list("invoice_id", flat=True)))
    payment = payments[payment.pk]
    if payment.reversal_of_id is not None or Payment.objects.filter(reversal_of=payment).exists():
        raise DomainError(_("This payment is reversed already."), code=ALREADY_REVERSED)
    for allocation in live.order_by("invoice_id", "pk"):
        allocation_reverse(actor=actor, allocation=allocation, reason=reason)
    with acting_as(actor):
        return Payment.objects.create(
            account_id=payment.account_id, payer=payment.payer, received_on=timezone.localdate(),
            amount=-payment.amount, currency=payment.currency, method=payment.method, reference=payment.reference,
            reversal_of=payment, note=reason.strip()[:300], owner_id=payment.owner_id, team_id=payment.team_id,
            recorded_by=actor,
        )  # fmt: skip


# --- write-offs -------------------------------------------------------------------------------------------------


@transaction.atomic
def write_off_request(*, actor: Any, invoice: Invoice, amount: Any, reason: str) -> WriteOff:
    """Ask to write off (part of) an invoice's open balance, with the reason; a finance manager decides."""
    require_finance(actor)
    value = _amount(amount, "amount")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not reason.strip():
        raise DomainError(_("Say why."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]})
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in _OPEN:
        raise DomainError(_("Only an open invoice is written off."), code=INVOICE_NOT_OPEN)
    if value > invoice.open_balance:
        raise DomainError(
            _("At most the open balance, %(open)s.") % {"open": format_money(invoice.open_balance, invoice.currency)},
            code=OVER_ALLOCATION,
        )
    if invoice.write_offs.filter(state=WriteOff.State.PENDING).exists():
        raise Conflict(_("A write-off of this invoice waits for its decision."), code=WRITE_OFF_PENDING)
    with acting_as(actor):
        return WriteOff.objects.create(invoice=invoice, amount=value, reason=reason.strip()[:300], requested_by=actor)


def may_decide_write_off(actor: Any) -> bool:
    profile = profile_for(actor)
    return bool(profile and (profile.sees_all or (profile.finance and Role.MANAGER in profile.roles)))


@transaction.atomic
def write_off_decide(*, actor: Any, write_off: WriteOff, approve: bool, comment: str = "") -> WriteOff:
    """A finance manager (never the requester) approves or refuses; approved, the amount closes that much of the
    balance without counting as paid."""
    if not may_decide_write_off(actor):
        raise NotAllowed(_("A finance manager decides write-offs."), code=NOT_APPROVER)
    invoice = Invoice.objects.select_for_update().get(pk=write_off.invoice_id)  # then its installment
    write_off = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    if write_off.state != WriteOff.State.PENDING:
        raise DomainError(_("This write-off is decided already."), code=WRITE_OFF_DECIDED)
    if getattr(actor, "pk", None) == write_off.requested_by_id:
        raise NotAllowed(_("Nobody approves their own write-off."), code=OWN_REQUEST)
    if approve and write_off.amount > invoice.open_balance:
        raise DomainError(
            _("The balance is now %(open)s, less than this write-off.")
            % {"open": format_money(invoice.open_balance, invoice.currency)},
            code=OVER_ALLOCATION,
        )
    with acting_as(actor):
        write_off.state = WriteOff.State.APPROVED if approve else WriteOff.State.REFUSED
        write_off.decided_by, write_off.decided_at, write_off.comment = actor, timezone.now(), comment.strip()[:300]
        write_off.save()
        if approve:
            invoice.written_off += write_off.amount
            _refresh(invoice, timezone.localdate())
    return write_off


# --- brought in by import: historical invoices, bank statements -------------------------------------------------

STATEMENT_KIND = "bank_statement"
STATEMENT_CLOSED = "statement_closed"
STATEMENT_LINE_DONE = "statement_line_confirmed"
STATEMENT_NO_INVOICE = "statement_line_without_invoice"


def _invoice_number_taken(number: str) -> Invoice | None:
    return Invoice.objects.filter(number__iexact=number).order_by("pk").first()


def _keep_numbering_ahead(number: str) -> None:
    """An imported number written in our own pattern (FP2025-00017) moves that prefix's sequence past it, so that
    an invoice issued later never takes a number brought in by import."""
    import re

    from contracts.models import NumberSequence

    pattern = str(settings.INVOICE_NUMBER_PATTERN)
    head, _seq, tail = pattern.partition("{seq")
    if not _seq:
        return
    tail = tail.split("}", 1)[1] if "}" in tail else ""
    parts = re.split(r"(\{year\}|\{month\})", head)
    regex = "".join(
        {"{year}": r"(?P<year>\d{4})", "{month}": r"(?P<month>\d{2})"}.get(part, re.escape(part)) for part in parts
    )
    found = re.fullmatch(regex + r"(?P<seq>\d+)" + re.escape(tail), number)
    if not found:
        return
    values = found.groupdict()
    prefix = head.format(year=values.get("year") or "", month=values.get("month") or "")
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(prefix=prefix)
    if sequence.last < int(values["seq"]):
        sequence.last = int(values["seq"])
        sequence.save(update_fields=["last"])


@transaction.atomic
def invoice_record_historical(
    *, actor: Any, account: Account, number: str, issued_on: date, amount: Any, due_on: date | None = None,
    currency: str | None = None, tax_rate: Any = 0, description: str = "",
) -> Invoice:  # fmt: skip
    """An invoice issued before the company moved in, as it was: its own number kept as text (leading zeros and
    all), its dates and amount, issued and marked historical, with one line. Refuses a number that exists
    (``duplicate_invoice_number``, case ignored), a date in the future, a due date before the issue date, an
    amount that is not more than zero or finer than the fen, an unknown currency."""
    from django.db import IntegrityError

    require_finance(actor)
    number = (number or "").strip()
    value = _amount(amount, "amount")
    currency = currency or settings.DEFAULT_CURRENCY
    due = due_on or issued_on + timedelta(days=settings.INVOICE_DUE_DAYS)
    errors: dict[str, list[str]] = {}
    if not number or len(number) > 40:
        errors["number"] = [_("A number of 1 to 40 characters.")]
    if currency not in CURRENCIES:
        errors["currency"] = [_("Unknown currency: %(c)s") % {"c": currency}]
    if issued_on > timezone.localdate():
        errors["issued_on"] = [_("In the future.")]
    if due < issued_on:
        errors["due_on"] = [_("Too early.")]
    try:
        rate = to_decimal(tax_rate or 0)
    except (TypeError, ValueError):
        rate = Decimal(-1)
    if not (0 <= rate <= 100):
        errors["tax_rate"] = [_("Between 0 and 100 %.")]
    if errors:
        code = BAD_DATE if set(errors) <= {"issued_on", "due_on"} else BAD_AMOUNT
        raise DomainError(_("The invoice is not valid."), code=code, fields=errors)
    taken = _invoice_number_taken(number)
    if taken is not None:
        raise Conflict(
            _("An invoice numbered %(number)s exists already.") % {"number": taken.number},
            code=DUPLICATE_NUMBER,
            fields={"number": [_("Taken.")]},
        )
    net = quantize(value * 100 / (100 + rate), currency)
    with acting_as(actor):
        try:
            with transaction.atomic():  # the unique number decides a race between two imports of it
                # created with its totals, so that its history starts as it was (one event, not two)
                invoice = Invoice.objects.create(
                    number=number, account=account, status=InvoiceStatus.ISSUED, issued_on=issued_on, due_on=due,
                    currency=currency, net=net, tax=value - net, total=value, historical=True, created_by=actor,
                    **_people(None, account),
                )  # fmt: skip
        except IntegrityError:
            raise Conflict(
                _("An invoice numbered %(number)s exists already.") % {"number": number}, code=DUPLICATE_NUMBER
            ) from None
        InvoiceLine.objects.create(
            invoice=invoice, position=1, description=(description.strip() or number)[:300], tax_rate=rate, net=net,
            tax=value - net, total=value,
        )  # fmt: skip
    _keep_numbering_ahead(number)
    return invoice


def _statement_lock(batch_pk: int) -> Any:
    from ltc.models import ImportBatch

    batch = ImportBatch.objects.select_for_update().get(pk=batch_pk, kind=STATEMENT_KIND)
    if batch.state != ImportBatch.State.UPLOADED:
        raise Conflict(_("This bank statement is closed."), code=STATEMENT_CLOSED)
    return batch


@transaction.atomic
def statement_confirm(*, actor: Any, batch: Any, choices: dict[int, list[str]]) -> list[Payment]:
    """Record confirmed lines of an uploaded bank statement (its import batch, read as the importer reads it).
    ``choices`` gives, per row number, the numbers of the invoices the line pays. Each line becomes a payment
    from those invoices' customer, allocated to them in the order given, each up to what it owes; what is left
    stays on the customer as a credit. All or nothing: refuses a line confirmed already
    (``statement_line_confirmed``), a line without an invoice or naming one that does not exist, an invoice that
    is not open, and whatever ``payment_record`` refuses; the message names the row."""
    from ltc import imports

    require_finance(actor)
    batch = _statement_lock(batch.pk)
    preview = imports.batch_preview(batch)
    if not preview.ok:
        raise DomainError(_("The statement has rows with errors; correct the file first."), code=BAD_AMOUNT)
    lines = dict(enumerate(preview.rows, start=2))
    state = dict(batch.result or {})
    confirmed: dict[str, int] = dict(state.get("confirmed", {}))
    made = []
    for number in sorted(choices):
        row, wanted = lines.get(number), [n.strip() for n in choices[number] if n and n.strip()]
        if row is None:
            raise DomainError(_("The statement has no row %(row)d.") % {"row": number}, code=STATEMENT_NO_INVOICE)
        if str(number) in confirmed:
            raise Conflict(_("Row %(row)d is confirmed already.") % {"row": number}, code=STATEMENT_LINE_DONE)
        if not wanted:
            raise DomainError(_("Row %(row)d: choose the invoice it pays.") % {"row": number},
                              code=STATEMENT_NO_INVOICE)  # fmt: skip
        try:
            payment = statement_line_record(actor=actor, row=row, numbers=wanted)
        except DomainError as exc:
            message = _("Row %(row)d: %(why)s") % {"row": number, "why": exc.message}
            raise type(exc)(message, code=exc.code, fields=exc.fields) from exc
        confirmed[str(number)] = payment.pk
        made.append(payment)
    state["confirmed"] = confirmed
    batch.result = state
    batch.save(update_fields=["result"])
    return made


@transaction.atomic
def statement_line_record(*, actor: Any, row: dict[str, Any], numbers: list[str]) -> Payment:
    """One statement line (received_on, payer, amount, reference, currency) as a payment from the customer of the
    invoices numbered, allocated to them in order, each up to what it owes (the rest a credit on the customer).
    Refuses a number that names no invoice and an invoice that is not open."""
    require_finance(actor)
    found: dict[int, Invoice] = {}
    for number in numbers:
        invoice = Invoice.objects.filter(number__iexact=number, kind=Invoice.Kind.INVOICE).first()
        if invoice is None:
            raise DomainError(_("No invoice is numbered %(n)s.") % {"n": number}, code=STATEMENT_NO_INVOICE)
        found.setdefault(invoice.pk, invoice)
    # the invoices locked before the payment exists: nobody else can hold the new payment, so no cycle
    locked = {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=found).order_by("pk")}
    invoices = [locked[pk] for pk in found]
    left, parts = row["amount"], []
    for invoice in invoices:
        if invoice.status not in _OPEN:
            status = InvoiceStatus(invoice.status).label
            raise DomainError(_("%(n)s is %(status)s.") % {"n": invoice.number, "status": status},
                              code=INVOICE_NOT_OPEN)  # fmt: skip
        share = min(left, invoice.open_balance)
        if share > 0:
            parts.append((invoice, share))
            left -= share
    payment = payment_record(
        actor=actor, account=Account.objects.get(pk=invoices[0].account_id), payer=row["payer"],
        received_on=row["received_on"], amount=row["amount"], currency=row.get("currency") or invoices[0].currency,
        reference=row.get("reference", ""), allocations=parts,
    )  # fmt: skip
    payment.refresh_from_db()  # with what its allocations took
    return payment


@transaction.atomic
def statement_close(*, actor: Any, batch: Any) -> Any:
    """Close a bank statement: the lines not confirmed are left out (nothing is recorded for them) and the file is
    no longer kept; the statement reads as imported, with the number of payments it made."""
    require_finance(actor)
    batch = _statement_lock(batch.pk)
    state = dict(batch.result or {})
    confirmed = state.get("confirmed", {})
    left = [n for n in range(2, batch.rows + 2) if str(n) not in confirmed]
    batch.state, batch.committed_at, batch.data = batch.State.COMMITTED, timezone.now(), b""
    batch.result = {"created": len(confirmed), "duplicates": 0, "confirmed": confirmed, "left_out": left}
    batch.save(update_fields=["state", "committed_at", "data", "result"])
    return batch
