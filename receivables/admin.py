"""Cash collection in the administration: invoices, payments, allocations and write-offs to read. Money records
change only through ``receivables.services`` (with their locks, checks and history), never here."""

from __future__ import annotations

from django.contrib import admin

from ltc.admin import ReadOnly
from receivables.models import Allocation, Invoice, InvoiceLine, Payment, WriteOff


class InvoiceLineInline(ReadOnly, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ["position", "description", "tax_rate", "net", "tax", "total"]


class AllocationInline(ReadOnly, admin.TabularInline):
    model = Allocation
    fk_name = "invoice"
    extra = 0
    fields = ["payment", "amount", "payment_amount", "rate", "reversal_of", "by", "at", "note"]


class WriteOffInline(ReadOnly, admin.TabularInline):
    model = WriteOff
    extra = 0
    fields = ["amount", "reason", "state", "requested_by", "requested_at", "decided_by", "decided_at", "comment"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "kind", "account", "status", "issued_on", "due_on", "currency", "total", "allocated",
                    "credited", "written_off", "owner"]  # fmt: skip
    list_filter = ["kind", "status", "currency", "historical"]
    search_fields = ["number", "account__name", "contract__number"]
    date_hierarchy = "issued_on"
    list_select_related = ["account", "owner"]
    inlines = [InvoiceLineInline, AllocationInline, WriteOffInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["received_on", "account", "payer", "method", "reference", "currency", "amount", "allocated",
                    "reversal_of"]  # fmt: skip
    list_filter = ["method", "currency", "historical"]
    search_fields = ["payer", "reference", "account__name"]
    date_hierarchy = "received_on"
    list_select_related = ["account"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "payment", "invoice", "amount", "payment_amount", "rate", "reversal_of", "by"]
    search_fields = ["invoice__number", "payment__payer", "payment__reference"]
    list_select_related = ["payment", "invoice", "by"]


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["requested_at", "invoice", "amount", "state", "requested_by", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["invoice__number", "reason"]
    list_select_related = ["invoice", "requested_by", "decided_by"]
