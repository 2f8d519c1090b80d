"""Payments and allocation: partial or full, never more than an invoice owes or a payment has, all or nothing;
reversals are new entries; write-offs need a finance manager who did not ask for them. The installment learns
what arrived, and the contract completes when everything is settled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.services import account_create
from ltc.errors import DomainError
from receivables.models import Allocation, Invoice, Payment
from receivables.services import (
    allocate,
    allocation_reverse,
    invoice_create,
    invoice_create_from_installment,
    invoice_issue,
    invoice_void,
    payment_record,
    payment_reverse,
    write_off_decide,
    write_off_request,
)


def issued(org, installment) -> Invoice:
    draft = invoice_create_from_installment(actor=org.finance, installment=installment)
    return invoice_issue(actor=org.finance, invoice=draft, issued_on=date(2026, 11, 21))


def sums(*records) -> list[tuple]:
    out: list[tuple[object, ...]] = []
    for record in records:
        record.refresh_from_db()
        if isinstance(record, Invoice):
            out.append((record.status, record.allocated, record.open_balance))
        else:
            out.append((record.allocated, record.unallocated))
    return out


def test_a_payment_settles_two_invoices_and_leaves_a_credit(org, delivered):
    contract = delivered.contract
    first, second = (issued(org, contract.installments.get(label=x)) for x in ("签约款", "到货款"))
    payment = payment_record(
        actor=org.finance, account=contract.account, payer="苏州金桥精密机械有限公司", received_on=date(2026, 11, 24),
        amount="25000.00", reference="电汇 HT2026-0001",
        allocations=[(first, "9983.99"), (second, "10000.00")],
    )  # fmt: skip
    assert (payment.allocated, payment.unallocated) == (Decimal("19983.99"), Decimal("5016.01"))  # as returned
    assert sums(first, second, payment) == [
        ("paid", Decimal("9983.99"), Decimal("0.00")),
        ("partially_paid", Decimal("10000.00"), Decimal("9967.98")),
        (Decimal("19983.99"), Decimal("5016.01")),
    ]
    assert (first.paid_on, second.paid_on) == (date(2026, 11, 24), None)
    assert list(contract.installments.values_list("label", "received", "settled_on")) == [
        ("签约款", Decimal("9983.99"), date(2026, 11, 24)),
        ("到货款", Decimal("10000.00"), None),
        ("验收款", Decimal("0.00"), None),
    ]

    refusals = {}
    for name, call in {
        "over the invoice": lambda: allocate(actor=org.finance, payment=payment, parts=[(second, "9967.99")]),
        "over the payment": lambda: allocate(actor=org.finance, payment=payment, parts=[(second, "5016.02")]),
        "paid invoice": lambda: allocate(actor=org.finance, payment=payment, parts=[(first, "1.00")]),
        "negative": lambda: allocate(actor=org.finance, payment=payment, parts=[(second, "-5")]),
        "not money": lambda: allocate(actor=org.finance, payment=payment, parts=[(second, "5,0x")]),
        "void with payments": lambda: invoice_void(actor=org.finance, invoice=first, reason="错开"),
        "by a rep": lambda: allocate(actor=org.rep, payment=payment, parts=[(second, "1.00")]),
    }.items():
        with pytest.raises(DomainError) as refused:
            call()
        refusals[name] = refused.value.code
    assert refusals == {
        "over the invoice": "over_allocation",
        "over the payment": "payment_exceeded",
        "paid invoice": "invoice_not_open",
        "negative": "amount_not_positive",
        "not money": "invalid_amount",
        "void with payments": "invoice_has_allocations",
        "by a rep": "finance_only",
    }
    assert sums(first, second, payment)[2] == (Decimal("19983.99"), Decimal("5016.01"))
    assert Allocation.objects.count() == 2

    # the credit left on the customer settles the rest later
    allocate(actor=org.finance, payment=payment, parts=[(second, "5016.01")])
    assert sums(second, payment) == [
        ("partially_paid", Decimal("15016.01"), Decimal("4951.97")),
        (Decimal("25000.00"), Decimal("0.00")),
    ]


def test_reversals_are_new_entries_and_reopen_what_they_undo(org, delivered):
    contract = delivered.contract
    invoice = issued(org, contract.installments.get(label="签约款"))
    payment = payment_record(actor=org.finance, account=contract.account, payer="金桥", received_on=date(2026, 11, 24),
                             amount="9983.99", allocations=[(invoice, "9983.99")])  # fmt: skip
    allocation = Allocation.objects.get()
    reversal = allocation_reverse(actor=org.finance, allocation=allocation, reason="分配错发票")
    with pytest.raises(DomainError) as twice:
        allocation_reverse(actor=org.finance, allocation=allocation, reason="再来")
    assert twice.value.code == "already_reversed"
    assert (reversal.amount, reversal.reversal_of_id) == (Decimal("-9983.99"), allocation.pk)
    assert sums(invoice, payment) == [
        ("issued", Decimal("0.00"), Decimal("9983.99")),
        (Decimal("0.00"), Decimal("9983.99")),
    ]
    assert contract.installments.get(label="签约款").settled_on is None

    allocate(actor=org.finance, payment=payment, parts=[(invoice, "9983.99")])
    bounced = payment_reverse(actor=org.finance, payment=payment, reason="承兑汇票被拒付")
    assert (bounced.amount, bounced.reversal_of_id) == (Decimal("-9983.99"), payment.pk)
    assert sums(invoice) == [("issued", Decimal("0.00"), Decimal("9983.99"))]
    assert list(Allocation.objects.order_by("pk").values_list("amount", flat=True)) == [
        Decimal("9983.99"), Decimal("-9983.99"), Decimal("9983.99"), Decimal("-9983.99"),
    ]  # fmt: skip
    with pytest.raises(DomainError) as dead:
        allocate(actor=org.finance, payment=payment, parts=[(invoice, "1.00")])
    assert dead.value.code == "payment_reversed"
    assert Payment.objects.count() == 2


def test_a_write_off_needs_a_finance_manager_other_than_the_requester(org, delivered, finance_manager):
    contract = delivered.contract
    invoice = issued(org, contract.installments.get(label="签约款"))
    payment_record(actor=org.finance, account=contract.account, payer="金桥", received_on=date(2026, 11, 24),
                   amount="9900.00", allocations=[(invoice, "9900.00")])  # fmt: skip
    asked = write_off_request(actor=org.finance, invoice=invoice, amount="83.99", reason="尾差，客户不再支付")
    refusals = {}
    for person in (org.finance, org.manager):
        with pytest.raises(DomainError) as refused:
            write_off_decide(actor=person, write_off=asked, approve=True)
        refusals[person.username] = refused.value.code
    assert refusals == {"finance": "not_the_approver", "manager": "not_the_approver"}
    assert sums(invoice) == [("partially_paid", Decimal("9900.00"), Decimal("83.99"))]

    write_off_decide(actor=finance_manager, write_off=asked, approve=True, comment="同意核销")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.written_off, invoice.open_balance, invoice.paid_on) == (
        "written_off", Decimal("83.99"), Decimal("0.00"), None,
    )  # fmt: skip
    # settled but not pretending to be paid: the installment received 9,900.00
    signing = contract.installments.get(label="签约款")
    assert (signing.received, signing.settled_on is not None) == (Decimal("9900.00"), True)

    other = issued(org, contract.installments.get(label="到货款"))
    mine = write_off_request(actor=finance_manager, invoice=other, amount="100.00", reason="争议")
    with pytest.raises(DomainError) as self_approved:
        write_off_decide(actor=finance_manager, write_off=mine, approve=True)
    assert self_approved.value.code == "own_request"
    other.refresh_from_db()
    assert other.written_off == Decimal("0.00")


def test_another_currency_needs_a_rate(org):
    account = account_create(actor=org.rep, owner=org.rep, name="Acme GmbH", size="small")
    invoice = invoice_issue(actor=org.finance, invoice=invoice_create(
        actor=org.finance, account=account, currency="EUR", lines=[{"description": "Licence", "total": "1000.00"}],
    ), issued_on=date(2026, 11, 1))  # fmt: skip
    payment = payment_record(actor=org.finance, account=account, payer="Acme", received_on=date(2026, 11, 20),
                             amount="8000.00", currency="CNY")  # fmt: skip
    with pytest.raises(DomainError) as no_rate:
        allocate(actor=org.finance, payment=payment, parts=[(invoice, "1000.00")])
    allocate(actor=org.finance, payment=payment, parts=[(invoice, "1000.00")], rate="0.128")
    assert no_rate.value.code == "currency_needs_rate"
    assert sums(invoice, payment) == [
        ("paid", Decimal("1000.00"), Decimal("0.00")),
        (Decimal("7812.50"), Decimal("187.50")),
    ]


def test_the_api_records_once_per_idempotency_key(org, delivered):
    contract = delivered.contract
    invoice = issued(org, contract.installments.get(label="签约款"))
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(org.finance)
    body = {"account": contract.account_id, "payer": "金桥", "received_on": "2026-11-24", "amount": "9983.99",
            "allocations": [{"invoice": invoice.pk, "amount": "9983.99"}]}  # fmt: skip
    first = api.post("/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = api.post("/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    other = api.post("/api/v1/payments/", {**body, "amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    over = api.post(f"/api/v1/payments/{first.json()['id']}/allocate/",
                    {"allocations": [{"invoice": invoice.pk, "amount": "0.01"}]}, format="json")  # fmt: skip
    hidden = APIClient()
    hidden.force_authenticate(org.other_rep)

    assert (first.status_code, first.json()["amount"], first.json()["unallocated"]) == (201, "9983.99", "0.00")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert (other.status_code, other.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert (over.status_code, over.json()["error"]["code"]) == (400, "invoice_not_open")
    assert hidden.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
    assert api.get(f"/api/v1/invoices/{invoice.pk}/").json()["status"] == "paid"
    assert Payment.objects.count() == 1
