"""Under concurrency, on the real PostgreSQL: twenty people allocating to one invoice at once never over-allocate
it, and fifty replays of one Idempotency-Key record exactly one payment. And for any sequence of payments,
allocations and reversals, the sums hold (property-based)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from customers.services import account_create
from ltc.errors import DomainError
from receivables.models import Allocation, Invoice, Payment
from receivables.services import allocate, allocation_reverse, invoice_create, invoice_issue, payment_record


def open_invoice(org, account, total: str) -> Invoice:
    draft = invoice_create(actor=org.finance, account=account, lines=[{"description": "服务费", "total": total}])
    return invoice_issue(actor=org.finance, invoice=draft, issued_on=date(2026, 11, 1))


def run_together(count: int, work) -> list:
    """Start ``count`` threads at one barrier; each runs ``work(i)`` on its own connection."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_people_allocating_to_one_invoice_never_over_allocate(org):
    account = account_create(actor=org.rep, owner=org.rep, name="无锡并发测试有限公司", size="small")
    invoice = open_invoice(org, account, "5000.00")
    payments = [
        payment_record(actor=org.finance, account=account, payer="并发", received_on=date(2026, 11, 20), amount="700")
        for _ in range(20)
    ]

    results = run_together(20, lambda i: allocate(actor=org.finance, payment=payments[i], parts=[(invoice, "700")]))

    refused = [r.code for r in results if isinstance(r, DomainError)]
    invoice.refresh_from_db()
    # 5,000.00 takes seven 700.00 allocations; the other thirteen see 100.00 left and are refused
    assert (len(results) - len(refused), refused) == (7, ["over_allocation"] * 13)
    assert (invoice.allocated, invoice.status, invoice.open_balance) == (
        Decimal("4900.00"), "partially_paid", Decimal("100.00"),
    )  # fmt: skip
    assert Allocation.objects.aggregate(s=Sum("amount"))["s"] == Decimal("4900.00")
    assert sorted(p.allocated for p in Payment.objects.all()) == [Decimal("0.00")] * 13 + [Decimal("700.00")] * 7


@pytest.mark.django_db(transaction=True)
def test_fifty_replays_of_one_idempotency_key_record_one_payment(org):
    account = account_create(actor=org.rep, owner=org.rep, name="常州重放测试有限公司", size="small")
    invoice = open_invoice(org, account, "800.00")
    body = {"account": account.pk, "payer": "重放", "received_on": "2026-11-20", "amount": "800.00",
            "allocations": [{"invoice": invoice.pk, "amount": "800.00"}]}  # fmt: skip

    def post(_i: int):
        client = APIClient()
        client.force_authenticate(org.finance)
        response = client.post("/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="bank-ref-0001")
        return response.status_code, response.json()["id"]

    results = run_together(50, post)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert {r[0] for r in results} == {201}
    assert len({r[1] for r in results}) == 1
    assert (Payment.objects.count(), Allocation.objects.count()) == (1, 1)
    invoice.refresh_from_db()
    assert invoice.allocated == Decimal("800.00")


operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(min_value=1, max_value=300_000)),  # fen
        st.tuples(st.just("allocate"), st.integers(0, 9), st.integers(0, 1), st.integers(1, 200_000)),
        st.tuples(st.just("reverse"), st.integers(0, 9)),
    ),
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_keeps_every_sum_within_its_total(org, ops):
    with transaction.atomic():
        account = account_create(actor=org.rep, owner=org.rep, name="性质测试有限公司", size="small")
        invoices = [open_invoice(org, account, "1234.56"), open_invoice(org, account, "999.99")]
        payments: list[Payment] = []
        for op in ops:
            try:
                if op[0] == "pay":
                    amount = Decimal(op[1]) / 100
                    payments.append(payment_record(actor=org.finance, account=account, payer="P",
                                                   received_on=date(2026, 11, 20), amount=amount))  # fmt: skip
                elif op[0] == "allocate" and payments:
                    payment = payments[op[1] % len(payments)]
                    allocate(actor=org.finance, payment=payment, parts=[(invoices[op[2]], Decimal(op[3]) / 100)])
                elif op[0] == "reverse":
                    live = list(Allocation.objects.filter(reversal_of__isnull=True, reversal__isnull=True))
                    if live:
                        allocation_reverse(actor=org.finance, allocation=live[op[1] % len(live)], reason="改")
            except DomainError:
                pass  # a refusal must leave everything as it was: the checks below see it
        for invoice in invoices:
            invoice.refresh_from_db()
            entries = Allocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
            assert invoice.allocated == entries
            assert Decimal("0.00") <= invoice.allocated <= invoice.total
            assert invoice.open_balance == invoice.total - invoice.allocated - invoice.credited - invoice.written_off
            assert invoice.open_balance >= 0
            assert invoice.status == ("paid" if invoice.open_balance == 0 else
                                      "partially_paid" if invoice.allocated else "issued")  # fmt: skip
        for payment in payments:
            payment.refresh_from_db()
            taken = Allocation.objects.filter(payment=payment).aggregate(s=Sum("payment_amount"))["s"]
            assert payment.allocated == (taken or Decimal("0.00"))
            assert Decimal("0.00") <= payment.allocated <= payment.amount
        transaction.set_rollback(True)
