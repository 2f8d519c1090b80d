"""The invoice and payment lists as files: the same filters and the same visibility as the pages, as CSV or
Excel. Amounts are Decimals: Excel keeps them numbers, CSV writes them exactly."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from ltc import exports
from receivables.models import Invoice, InvoiceStatus, Payment

OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


def _day(value: Any) -> str:
    return value.isoformat() if value else ""


def _days_overdue(invoice: Invoice, today: date) -> Any:
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in OPEN or not invoice.due_on:
        return ""
    return max((today - invoice.due_on).days, 0)


def _invoice_columns(today: date) -> list[tuple[str, Any]]:
    return [
        (_("Number"), lambda i: i.number or ""),
        (_("Kind"), lambda i: i.get_kind_display()),
        (_("Customer"), lambda i: str(i.account)),
        (_("Contract"), lambda i: i.contract.number if i.contract_id else ""),
        (_("Status"), lambda i: i.get_status_display()),
        (_("Issued on"), lambda i: _day(i.issued_on)),
        (_("Due on"), lambda i: _day(i.due_on)),
        (_("Currency"), lambda i: i.currency),
        (_("Net"), lambda i: i.net),
        (_("Tax"), lambda i: i.tax),
        (_("Total"), lambda i: i.total),
        (_("Paid"), lambda i: i.allocated),
        (_("Credited"), lambda i: i.credited),
        (_("Written off"), lambda i: i.written_off),
        (_("Open balance"), lambda i: i.open_balance),
        (_("Days overdue"), lambda i: _days_overdue(i, today)),
        (_("Paid in full on"), lambda i: _day(i.paid_on)),
        (_("Owner"), lambda i: str(i.owner)),
    ]


def invoices_csv(invoices: QuerySet[Invoice], today: date) -> StreamingHttpResponse:
    return exports.csv_response(invoices, _invoice_columns(today), "invoices")


def invoices_xlsx(invoices: QuerySet[Invoice], today: date) -> HttpResponse:
    return exports.xlsx_response(invoices, _invoice_columns(today), "invoices", _("Invoices"))


def _payment_columns() -> list[tuple[str, Any]]:
    return [
        (_("Received on"), lambda p: _day(p.received_on)),
        (_("Customer"), lambda p: str(p.account)),
        (_("Payer"), lambda p: p.payer),
        (_("Method"), lambda p: p.get_method_display()),
        (_("Reference"), lambda p: p.reference),
        (_("Currency"), lambda p: p.currency),
        (_("Amount"), lambda p: p.amount),
        (_("Allocated"), lambda p: p.allocated),
        (_("Left to allocate"), lambda p: p.unallocated if not _reversed(p) else 0),
        (_("Reversal of"), lambda p: p.reversal_of_id or ""),
        (_("Recorded"), lambda p: exports.local_time(p.created_at)),
    ]


def _reversed(payment: Payment) -> bool:
    return hasattr(payment, "reversal")


def payments_csv(payments: QuerySet[Payment]) -> StreamingHttpResponse:
    return exports.csv_response(payments, _payment_columns(), "payments")


def payments_xlsx(payments: QuerySet[Payment]) -> HttpResponse:
    return exports.xlsx_response(payments, _payment_columns(), "payments", _("Payments"))
