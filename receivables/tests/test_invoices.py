"""Invoices: drafted from an invoiceable installment (split by tax rate to the fen), numbered when issued and
immutable from then on, voided only while nothing is on them, corrected by credit notes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ltc.errors import DomainError
from receivables.models import Invoice
from receivables.services import (
    credit_note_issue,
    invoice_create_from_installment,
    invoice_issue,
    invoice_void,
)


def installment(order, label):
    return order.contract.installments.get(label=label)


def test_an_installment_is_invoiced_once_split_by_the_contract_s_tax_rates(org, delivered):
    signing = installment(delivered, "签约款")
    draft = invoice_create_from_installment(actor=org.finance, installment=signing)
    assert (draft.status, draft.number, draft.total, draft.net, draft.tax, draft.due_on) == (
        "draft", None, Decimal("9983.99"), Decimal("9299.99"), Decimal("684.00"), date(2026, 12, 5),
    )  # fmt: skip
    # 9,983.99 shared 6,779.97 : 26,500.00 — the spare fen to the larger remainder; tax taken out of each gross
    assert list(draft.lines.values_list("tax_rate", "net", "tax", "total")) == [
        (Decimal("6.00"), Decimal("7500.00"), Decimal("450.00"), Decimal("7950.00")),
        (Decimal("13.00"), Decimal("1799.99"), Decimal("234.00"), Decimal("2033.99")),
    ]
    issued = invoice_issue(actor=org.finance, invoice=draft, issued_on=date(2026, 11, 25))
    assert (issued.number, issued.status, issued.issued_on, issued.due_on) == (
        "FP2026-00001", "issued", date(2026, 11, 25), date(2026, 12, 5),
    )  # fmt: skip

    refusals = {}
    for name, call in {
        "again": lambda: invoice_issue(actor=org.finance, invoice=issued),
        "second": lambda: invoice_create_from_installment(actor=org.finance, installment=signing),
        "not reached": lambda: invoice_create_from_installment(
            actor=org.finance, installment=installment(delivered, "验收款")
        ),
        "rep": lambda: invoice_create_from_installment(actor=org.rep, installment=installment(delivered, "到货款")),
    }.items():
        with pytest.raises(DomainError) as refused:
            call()
        refusals[name] = refused.value.code
    assert refusals == {
        "again": "invoice_issued_is_immutable",
        "second": "installment_invoiced",
        "not reached": "installment_not_invoiceable",
        "rep": "finance_only",
    }
    assert Invoice.objects.count() == 1


def test_a_void_invoice_frees_its_installment_and_a_credit_note_takes_part_back(org, delivered):
    delivery = installment(delivered, "到货款")
    first = invoice_issue(
        actor=org.finance, invoice=invoice_create_from_installment(actor=org.finance, installment=delivery)
    )
    with pytest.raises(DomainError) as no_reason:
        invoice_void(actor=org.finance, invoice=first, reason=" ")
    invoice_void(actor=org.finance, invoice=first, reason="开票抬头错误")
    second = invoice_issue(
        actor=org.finance, invoice=invoice_create_from_installment(actor=org.finance, installment=delivery)
    )
    with pytest.raises(DomainError) as too_much:
        credit_note_issue(actor=org.finance, invoice=second, amount="20000.00", reason="折让")
    note = credit_note_issue(actor=org.finance, invoice=second, amount="1000.00", reason="交付延期折让")
    second.refresh_from_db()
    first.refresh_from_db()

    assert (no_reason.value.code, too_much.value.code) == ("reason_required", "over_allocation")
    assert (first.status, first.void_reason, second.number, second.total) == (
        "void", "开票抬头错误", "FP2026-00002", Decimal("19967.98"),
    )  # fmt: skip
    assert (note.kind, note.number, note.total, note.corrects_id, second.credited, second.open_balance) == (
        "credit_note", "HC2026-00001", Decimal("1000.00"), second.pk, Decimal("1000.00"), Decimal("18967.98"),
    )  # fmt: skip
    # the credit note keeps the invoice's tax proportions, to the fen
    assert sum(line.total for line in note.lines.all()) == Decimal("1000.00")
    with pytest.raises(DomainError) as credited:
        invoice_void(actor=org.finance, invoice=second, reason="重开")
    assert credited.value.code == "invoice_has_allocations"
    with pytest.raises(DomainError) as note_voided:
        invoice_void(actor=org.finance, invoice=note, reason="撤销折让")
    note.refresh_from_db()
    second.refresh_from_db()
    assert (note_voided.value.code, note.status, second.credited, second.open_balance) == (
        "credit_note_not_voidable", note.status, Decimal("1000.00"), Decimal("18967.98"),
    )  # fmt: skip
    assert note.status != "void"


def test_the_series_steps_over_numbers_a_history_import_brought(org, delivered):
    from receivables.services import invoice_record_historical

    account = delivered.contract.account
    for number in ("FP2026-00001", "fp2026-00002"):  # the history kept its own numbers, in this series' form
        invoice_record_historical(
            actor=org.finance, account=account, number=number, issued_on=date(2026, 3, 1), amount="100.00"
        )
    fresh = invoice_issue(
        actor=org.finance,
        invoice=invoice_create_from_installment(actor=org.finance, installment=installment(delivered, "签约款")),
        issued_on=date(2026, 11, 25),
    )
    note = credit_note_issue(
        actor=org.finance, invoice=fresh, amount="1.00", reason="尾差", issued_on=date(2026, 11, 25)
    )

    assert (fresh.number, note.number) == ("FP2026-00003", "HC2026-00001")
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [  # type: ignore[type-var]
        "FP2026-00001", "FP2026-00003", "HC2026-00001", "fp2026-00002",
    ]  # fmt: skip
