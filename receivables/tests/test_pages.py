"""Cash collection pages, time frozen on 2026-12-10 (Asia/Shanghai): finance drafts and issues the invoices of
invoiceable installments, records a payment and allocates it on the allocation screen (all or nothing, never
twice for one form), allocates the credit left later, corrects and writes off on the invoice page, logs
collection activities with a promise to pay, and prints the customer statement. Refusals are shown and change
nothing; an outsider gets 404; finance sees every invoice, a rep their own contracts'."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from activities.models import Activity
from customers.services import account_create
from ltc.models import IdempotencyKey
from receivables.models import Allocation, Invoice, Payment, WriteOff
from receivables.services import (
    credit_note_issue,
    invoice_create,
    invoice_create_from_installment,
    invoice_issue,
    payment_record,
    write_off_request,
)
from receivables.views import RECORDED_ALREADY
from tests.factories import UserFactory

D = Decimal
TODAY = date(2026, 12, 10)


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Shanghai (UTC+8) on ``day``."""
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine):
    """Requested first, so that the contract and its order are made on the frozen day too."""
    time_machine.move_to(at(TODAY), tick=False)


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def issued(org, order, label: str, day: date) -> Invoice:
    draft = invoice_create_from_installment(actor=org.finance, installment=order.contract.installments.get(label=label))
    return invoice_issue(actor=org.finance, invoice=draft, issued_on=day)


def balances(*invoices: Invoice) -> list[tuple]:
    out = []
    for invoice in invoices:
        invoice.refresh_from_db()
        out.append((invoice.status, invoice.allocated, invoice.credited, invoice.written_off, invoice.open_balance))
    return out


def test_finance_drafts_and_issues_the_invoice_of_an_invoiceable_installment(
    frozen, org, delivered, django_assert_max_num_queries
):
    finance, rep = signed_in(org.finance), signed_in(org.rep)
    signing = delivered.contract.installments.get(label="签约款")
    listing = reverse("receivables:invoiceable")
    draft_url = reverse("receivables:invoice_draft", args=[signing.pk])
    rows = lambda response: [(i.label, i.to_invoice, i.draft_id) for i in response.context["page"]]  # noqa: E731

    with django_assert_max_num_queries(5):
        assert rows(finance.get(listing)) == [("签约款", D("9983.99"), None), ("到货款", D("19967.98"), None)]
    refused = rep.post(draft_url, follow=True)
    assert (said(refused), Invoice.objects.count()) == (["Only finance records invoices and payments."], 0)

    made = finance.post(draft_url, follow=True)
    draft = Invoice.objects.get()
    again = finance.post(draft_url, follow=True)

    assert made.redirect_chain == [(reverse("receivables:invoice_detail", args=[draft.pk]), 302)]
    assert said(made) == ["The draft invoice is ready: check it and issue it."]
    assert (said(again), Invoice.objects.count()) == (["签约款 is invoiced already."], 1)
    assert rows(finance.get(listing)) == [("签约款", D("0.00"), draft.pk), ("到货款", D("19967.98"), None)]
    page = finance.get(reverse("receivables:invoice_detail", args=[draft.pk]))
    assert [(line.tax_rate, line.total) for line in page.context["lines"]] == [
        (D("6.00"), D("7950.00")),
        (D("13.00"), D("2033.99")),
    ]
    assert b'id="issue"' in page.content

    act = lambda client, data: client.post(  # noqa: E731
        reverse("receivables:invoice_action", args=[draft.pk, "issue"]), data, follow=True
    )
    future = act(finance, {"issued_on": "2026-12-11"})
    by_rep = act(rep, {"issued_on": "2026-11-25"})
    draft.refresh_from_db()
    assert said(future) == ["An invoice is issued today or before. In the future."]
    assert said(by_rep) == ["Only finance records invoices and payments."]
    assert (draft.status, draft.number) == ("draft", None)

    done = act(finance, {"issued_on": "2026-11-25", "due_on": ""})
    twice = act(finance, {"issued_on": "2026-11-25"})
    draft.refresh_from_db()
    assert said(done) == ["Invoice FP2026-00001 is issued."]
    assert said(twice) == ["An issued invoice does not change; correct it with a credit note."]
    assert (draft.status, draft.number, draft.issued_on, draft.due_on) == (
        "issued", "FP2026-00001", date(2026, 11, 25), date(2026, 12, 5),
    )  # fmt: skip
    assert rows(finance.get(listing)) == [("到货款", D("19967.98"), None)]


def test_a_payment_is_entered_and_allocated_all_or_nothing_and_never_twice(frozen, org, delivered):
    account = delivered.contract.account
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    second = issued(org, delivered, "到货款", date(2026, 11, 27))
    finance = signed_in(org.finance)
    url = reverse("receivables:payment_create")

    picker = finance.get(url)
    form = finance.get(url, {"account": account.pk})
    assert [(c.name, owes) for c, owes in picker.context["customers"]] == [("苏州金桥精密机械", D("29951.97"))]
    assert [(r.invoice.number, r.invoice.open_balance, r.overdue) for r in form.context["screen"].rows] == [
        ("FP2026-00001", D("9983.99"), True),
        ("FP2026-00002", D("19967.98"), False),
    ]
    paid = {"account": account.pk, "payer": "苏州金桥精密机械有限公司", "received_on": "2026-12-08",
            "amount": "25000.00", "currency": "CNY", "method": "transfer", "reference": "电汇 HT2026-0001"}  # fmt: skip

    suggested = finance.post(url, {**paid, "action": "suggest"})
    assert {r.invoice.number: r.entered for r in suggested.context["screen"].rows} == {
        "FP2026-00001": "9983.99",
        "FP2026-00002": "15016.01",
    }
    amounts = {f"alloc-{first.pk}": "9983.99", f"alloc-{second.pk}": "20000.00"}
    over = finance.post(url, {**paid, **amounts, "action": "record", "token": "form-1"})

    assert (over.status_code, said(over)) == (
        200, ["The allocation is refused: FP2026-00002: At most its open balance, ¥19,967.98."],
    )  # fmt: skip
    assert {r.invoice.number: r.entered for r in over.context["screen"].rows} == {
        "FP2026-00001": "9983.99",
        "FP2026-00002": "20000.00",
    }
    assert (Payment.objects.count(), Allocation.objects.count(), IdempotencyKey.objects.count()) == (0, 0, 0)
    assert balances(first, second) == [
        ("issued", D("0.00"), D("0.00"), D("0.00"), D("9983.99")),
        ("issued", D("0.00"), D("0.00"), D("0.00"), D("19967.98")),
    ]

    amounts[f"alloc-{second.pk}"] = "10000.00"
    added = finance.post(url, {**paid, **amounts, "action": "check"}).context["screen"]
    assert (added.entered, added.left, Payment.objects.count()) == (D("19983.99"), D("5016.01"), 0)
    recorded = finance.post(url, {**paid, **amounts, "action": "record", "token": "form-2"}, follow=True)
    payment = Payment.objects.get()
    resent = finance.post(url, {**paid, **amounts, "action": "record", "token": "form-2"}, follow=True)

    assert recorded.redirect_chain == [(reverse("receivables:payment_detail", args=[payment.pk]), 302)]
    assert said(recorded) == [
        "Payment of ¥25,000.00 recorded. 2 invoices paid with it; ¥5,016.01 left on the customer as a credit."
    ]
    assert (said(resent), Payment.objects.count(), Allocation.objects.count()) == ([str(RECORDED_ALREADY)], 1, 2)
    assert (payment.payer, payment.received_on, payment.amount, payment.allocated, payment.unallocated) == (
        "苏州金桥精密机械有限公司", date(2026, 12, 8), D("25000.00"), D("19983.99"), D("5016.01"),
    )  # fmt: skip
    assert balances(first, second) == [
        ("paid", D("9983.99"), D("0.00"), D("0.00"), D("0.00")),
        ("partially_paid", D("10000.00"), D("0.00"), D("0.00"), D("9967.98")),
    ]

    # the credit left on the customer, allocated later on the payment's page
    page = finance.get(reverse("receivables:payment_detail", args=[payment.pk]))
    assert [(r.invoice.number, r.invoice.open_balance) for r in page.context["screen"].rows] == [
        ("FP2026-00002", D("9967.98"))
    ]
    allocate = reverse("receivables:payment_action", args=[payment.pk, "allocate"])
    too_much = finance.post(allocate, {f"alloc-{second.pk}": "6000.00", "token": "alloc-1"})
    nothing = finance.post(allocate, {"token": "alloc-2"})
    assert said(too_much) == ["The payment has ¥5,016.01 left to allocate."]
    assert said(nothing) == ["Enter an amount for at least one invoice."]
    assert Allocation.objects.count() == 2

    filled = finance.post(allocate, {"action": "suggest"})
    assert {r.invoice.number: r.entered for r in filled.context["screen"].rows} == {"FP2026-00002": "5016.01"}
    done = finance.post(allocate, {f"alloc-{second.pk}": "5016.01", "token": "alloc-3"}, follow=True)
    again = finance.post(allocate, {f"alloc-{second.pk}": "5016.01", "token": "alloc-3"}, follow=True)
    payment.refresh_from_db()
    assert (said(done), said(again)) == (["Allocated."], [str(RECORDED_ALREADY)])
    assert (payment.allocated, payment.unallocated, Allocation.objects.count()) == (D("25000.00"), D("0.00"), 3)
    assert balances(second) == [("partially_paid", D("15016.01"), D("0.00"), D("0.00"), D("4951.97"))]
    assert done.context["screen"] is None  # nothing left to allocate: no allocation screen


def test_a_reversed_allocation_and_a_reversed_payment_are_new_entries(frozen, org, delivered):
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    payment = payment_record(
        actor=org.finance, account=first.account, payer="金桥", received_on=date(2026, 12, 1), amount="5000.00",
        allocations=[(first, "5000.00")],
    )  # fmt: skip
    finance = signed_in(org.finance)
    act = lambda name, data: finance.post(  # noqa: E731
        reverse("receivables:payment_action", args=[payment.pk, name]), data, follow=True
    )
    allocation = payment.allocations.get()

    no_reason = act("allocation-reverse", {"allocation": allocation.pk, "reason": " "})
    undone = act("allocation-reverse", {"allocation": allocation.pk, "reason": "分错发票"})
    bounced = act("reverse", {"reason": "承兑汇票退票"})

    assert said(no_reason) == ["Say why. Required."]
    assert said(undone) == ["The allocation is reversed; the money is left to allocate again."]
    assert said(bounced) == ["The payment is reversed; its invoices owe again what it paid."]
    assert list(Allocation.objects.order_by("pk").values_list("amount", "reversal_of")) == [
        (D("5000.00"), None),
        (D("-5000.00"), allocation.pk),
    ]
    assert list(Payment.objects.order_by("pk").values_list("amount", "reversal_of")) == [
        (D("5000.00"), None),
        (D("-5000.00"), payment.pk),
    ]
    page = finance.get(reverse("receivables:payment_detail", args=[payment.pk]))
    assert (page.context["may_allocate"], page.context["reversed_by"].amount) == (False, D("-5000.00"))
    assert balances(first) == [("issued", D("0.00"), D("0.00"), D("0.00"), D("9983.99"))]


def test_the_invoice_page_corrects_writes_off_and_logs_collection_activities(frozen, org, delivered, finance_manager):
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    second = issued(org, delivered, "到货款", date(2026, 11, 27))
    payment_record(actor=org.finance, account=first.account, payer="金桥", received_on=date(2026, 12, 1),
                   amount="5000.00", allocations=[(first, "5000.00")])  # fmt: skip
    finance, head, rep = signed_in(org.finance), signed_in(finance_manager), signed_in(org.rep)
    act = lambda client, invoice, name, data: client.post(  # noqa: E731
        reverse("receivables:invoice_action", args=[invoice.pk, name]), data, follow=True
    )

    void = act(finance, first, "void", {"reason": "抬头错误"})
    credit = act(finance, second, "credit-note", {"amount": "967.98", "reason": "交付延期折让",
                                                  "issued_on": "2026-12-09"})  # fmt: skip
    asked = act(finance, second, "write-off", {"amount": "2000.00", "reason": "质量争议，客户拒付部分"})
    write_off = WriteOff.objects.get()
    not_a_manager = act(finance, second, "write-off-approve", {"write_off": write_off.pk})
    approved = act(head, second, "write-off-approve", {"write_off": write_off.pk, "comment": "同意核销"})
    own = write_off_request(actor=finance_manager, invoice=first, amount="100.00", reason="尾差")
    own_refused = act(head, first, "write-off-approve", {"write_off": own.pk})

    assert said(void) == [
        "Payments, credit notes or write-offs are on this invoice: reverse them or issue a credit note."
    ]
    assert said(credit) == ["Credit note HC2026-00001 is issued."]
    assert said(asked) == ["The write-off waits for a finance manager's approval."]
    assert said(not_a_manager) == ["A finance manager decides write-offs."]
    assert said(approved) == ["The write-off is approved."]
    assert said(own_refused) == ["Nobody approves their own write-off."]
    own.refresh_from_db()
    write_off.refresh_from_db()
    assert (write_off.state, write_off.decided_by, write_off.comment, own.state) == (
        "approved", finance_manager, "同意核销", "pending",
    )  # fmt: skip
    assert balances(first, second) == [
        ("partially_paid", D("5000.00"), D("0.00"), D("0.00"), D("4983.99")),
        ("issued", D("0.00"), D("967.98"), D("2000.00"), D("17000.00")),
    ]
    page = finance.get(reverse("receivables:invoice_detail", args=[second.pk]))
    body = page.content.decode()
    assert [(n.number, n.total) for n in page.context["credit_notes"]] == [("HC2026-00001", D("967.98"))]
    assert ('id="open-balance">¥17,000.00<' in body, "同意核销" in body, page.context["may_void"]) == (
        True, True, False,
    )  # fmt: skip

    # collection: a call with a promise to pay, which is followed up on the promised day
    promise = {"kind": "call", "subject": "催收电话", "outcome": "客户承诺月中付款", "promised_on": "2026-12-15",
               "promised_amount": "4983.99"}  # fmt: skip
    past = act(rep, first, "activity", {**promise, "promised_on": "2026-12-09"})
    logged = act(rep, first, "activity", promise)
    assert said(past) == ["The activity is not recorded: A promise to pay is for today or later."]
    assert said(logged) == ["Activity recorded; the promised payment is followed up on its day."]
    shown = rep.get(reverse("receivables:invoice_detail", args=[first.pk])).context["activities"]
    assert [(a.kind, a.subject, a.outcome, a.due_at, a.done_at is not None, a.assignee) for a in shown] == [
        ("task", "Promised payment of ¥4,983.99 on 2026-12-15: check that it arrived", "", at(date(2026, 12, 15), 17),
         False, org.rep),
        ("call", "催收电话", "客户承诺月中付款", None, True, org.rep),
    ]  # fmt: skip
    planned = Activity.objects.get(kind="task")
    followed = act(rep, first, "activity-done", {"activity": planned.pk, "outcome": "已到账"})
    planned.refresh_from_db()
    assert (said(followed), planned.outcome, planned.done_at) == (["Activity recorded."], "已到账", at(TODAY))
    outsider = signed_in(org.other_rep)
    assert act(outsider, first, "activity", promise).status_code == 404
    assert Activity.objects.count() == 2


def test_an_outsider_gets_404_finance_sees_all_a_rep_their_own_contracts(frozen, org, delivered):
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    theirs_account = account_create(actor=org.other_rep, owner=org.other_rep, name="无锡华东电子")
    theirs = invoice_issue(
        actor=org.finance,
        invoice=invoice_create(actor=org.finance, account=theirs_account, lines=[{"description": "服务费",
                                                                                   "total": "7000.00"}]),
        issued_on=date(2026, 12, 1),
    )  # fmt: skip
    payment = payment_record(actor=org.finance, account=first.account, payer="金桥", received_on=date(2026, 12, 1),
                             amount="1000.00", allocations=[(first, "1000.00")])  # fmt: skip
    numbers = lambda user: [  # noqa: E731
        str(i) for i in signed_in(user).get(reverse("receivables:invoice_list")).context["page"]
    ]

    assert numbers(org.finance) == [theirs.number, first.number]
    assert (numbers(org.rep), numbers(org.manager), numbers(org.delivery)) == (
        [first.number], [first.number], [first.number],
    )  # fmt: skip
    assert numbers(org.other_rep) == [theirs.number]

    outsider = signed_in(org.other_rep)
    for url in (
        reverse("receivables:invoice_detail", args=[first.pk]),
        reverse("receivables:payment_detail", args=[payment.pk]),
        reverse("receivables:customer_statement", args=[first.account_id]),
    ):
        assert outsider.get(url).status_code == 404, url
    void = reverse("receivables:invoice_action", args=[first.pk, "void"])
    assert outsider.post(void, {"reason": "x"}).status_code == 404
    # delivery sees the invoice of the deal they are on, not the customer's payments: the payer, without a link
    delivery = signed_in(org.delivery)
    shown = delivery.get(reverse("receivables:invoice_detail", args=[first.pk]))
    assert (shown.context["payments_seen"], [a.amount for a in shown.context["allocations"]]) == (set(), [D("1000.00")])
    assert delivery.get(reverse("receivables:payment_detail", args=[payment.pk])).status_code == 404
    assert signed_in(org.rep).get(reverse("receivables:invoice_detail", args=[first.pk])).context["payments_seen"] == {
        payment.pk
    }
    rep = signed_in(org.rep)
    assert rep.get(reverse("receivables:payment_create")).status_code == 403
    assert rep.get(reverse("receivables:invoice_create")).status_code == 403
    assert rep.get(reverse("receivables:customer_statement", args=[first.account_id])).status_code == 403
    assert Client().get(reverse("receivables:invoice_list")).status_code == 302  # to the login page
    first.refresh_from_db()
    assert (first.status, first.void_reason) == ("partially_paid", "")


def test_the_invoice_list_filters_searches_and_exports(frozen, org, delivered, django_assert_max_num_queries):
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    second = issued(org, delivered, "到货款", date(2026, 11, 27))
    credit_note_issue(actor=org.finance, invoice=second, amount="967.98", reason="折让", issued_on=date(2026, 12, 1))
    finance = signed_in(org.finance)
    url = reverse("receivables:invoice_list")
    numbers = lambda response: [str(i) for i in response.context["page"]]  # noqa: E731

    assert numbers(finance.get(url)) == ["HC2026-00001", second.number, first.number]
    assert numbers(finance.get(url, {"overdue": "on"})) == [first.number]
    assert numbers(finance.get(url, {"status": "paid"})) == []
    assert numbers(finance.get(url, {"q": "FP2026-00002"})) == [second.number]
    assert numbers(finance.get(url, {"q": delivered.contract.number, "status": "issued"})) == [
        "HC2026-00001", second.number, first.number,
    ]  # fmt: skip
    unknown_status = {"account": str(first.account_id), "status": "nonsense"}
    assert numbers(finance.get(url, unknown_status)) == numbers(finance.get(url))
    with django_assert_max_num_queries(6):
        finance.get(url)

    exported = finance.get(url, {"overdue": "on", "export": "csv"})
    streamed: bytes = b"".join(exported.streaming_content)  # type: ignore[attr-defined]
    rows = streamed.decode("utf-8-sig").splitlines()
    assert rows[0].split(",") == [
        "Number", "Kind", "Customer", "Contract", "Status", "Issued on", "Due on", "Currency", "Net", "Tax", "Total",
        "Paid", "Credited", "Written off", "Open balance", "Days overdue", "Paid in full on", "Owner",
    ]  # fmt: skip
    assert rows[1:] == [
        f"FP2026-00001,Invoice,苏州金桥精密机械,{delivered.contract.number},Issued,2026-11-25,2026-12-05,CNY,9299.99,"
        f"684.00,9983.99,0.00,0.00,0.00,9983.99,5,,{org.rep}"
    ]
    excel = finance.get(url, {"export": "xlsx"})
    assert excel["Content-Disposition"] == 'attachment; filename="invoices-20261210.xlsx"'


def test_the_payment_list_shows_what_is_left_to_allocate(frozen, org, delivered, django_assert_max_num_queries):
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    kept = payment_record(actor=org.finance, account=first.account, payer="金桥", received_on=date(2026, 12, 1),
                          amount="12000.00", reference="HT-1", allocations=[(first, "9983.99")])  # fmt: skip
    payment_record(actor=org.finance, account=first.account, payer="金桥", received_on=date(2026, 12, 2),
                   amount="300.00", reference="HT-2")  # fmt: skip
    finance = signed_in(org.finance)
    url = reverse("receivables:payment_list")
    rows = lambda response: [(p.reference, p.unallocated) for p in response.context["page"]]  # noqa: E731

    assert rows(finance.get(url)) == [("HT-2", D("300.00")), ("HT-1", D("2016.01"))]
    assert rows(finance.get(url, {"q": "HT-1"})) == [("HT-1", D("2016.01"))]
    finance.post(reverse("receivables:payment_action", args=[kept.pk, "reverse"]), {"reason": "重复录入"}, follow=True)
    with django_assert_max_num_queries(6):
        assert [p.reference for p in finance.get(url).context["page"]] == ["HT-1", "HT-2", "HT-1"]
    # a reversed payment has nothing left to allocate, and its reversal is no credit either
    assert rows(finance.get(url, {"credit": "on"})) == [("HT-2", D("300.00"))]


def test_the_customer_statement_carries_the_balance_forward_and_matches_the_open_invoices(frozen, org, delivered):
    account = delivered.contract.account
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    second = issued(org, delivered, "到货款", date(2026, 11, 27))
    payment_record(
        actor=org.finance, account=account, payer="金桥", received_on=date(2026, 12, 8), amount="25000.00",
        reference="电汇 0001", allocations=[(first, "9983.99"), (second, "10000.00")],
    )  # fmt: skip
    credit_note_issue(actor=org.finance, invoice=second, amount="967.98", reason="折让", issued_on=date(2026, 12, 9))
    finance = signed_in(org.finance)
    url = reverse("receivables:customer_statement", args=[account.pk])

    shown = finance.get(url, {"start": "2026-12-01", "as_of": "2026-12-10"})
    ledger = [(e.day, e.reference, e.text, e.debit, e.credit, e.balance) for e in shown.context["entries"]]
    assert (shown.context["opening"], shown.context["closing"]) == (D("29951.97"), D("3983.99"))
    assert ledger == [
        (date(2026, 12, 8), "电汇 0001", "Payment (Bank transfer) · for FP2026-00001 ¥9,983.99; FP2026-00002 "
         "¥10,000.00", D("0.00"), D("25000.00"), D("4951.97")),
        (date(2026, 12, 9), "HC2026-00001", "Credit note on FP2026-00002", D("0.00"), D("967.98"), D("3983.99")),
    ]  # fmt: skip
    assert [(i.number, i.open, days) for i, days in shown.context["open_invoices"]] == [
        ("FP2026-00002", D("9000.00"), 0)
    ]
    assert (shown.context["owed"], shown.context["credit"], shown.context["due"]) == (
        D("9000.00"), D("5016.01"), D("3983.99"),
    )  # fmt: skip
    body = shown.content.decode()
    assert ("/static/css/print.css" in body, 'id="statement-due">¥3,983.99<' in body) == (True, True)

    # from the first of the year by default; before the payment, both invoices were owed
    earlier = finance.get(url, {"as_of": "2026-12-07"})
    assert (earlier.context["start"], earlier.context["opening"], earlier.context["closing"]) == (
        date(2026, 1, 1), D("0.00"), D("29951.97"),
    )  # fmt: skip
    assert [(i.number, i.open, days) for i, days in earlier.context["open_invoices"]] == [
        ("FP2026-00001", D("9983.99"), 2),
        ("FP2026-00002", D("19967.98"), 0),
    ]


def test_finance_invoices_a_service_billed_apart(frozen, org, delivered):
    contract = delivered.contract
    finance = signed_in(org.finance)
    url = reverse("receivables:invoice_create")
    line = {"line-1-description": "驻场运维服务 12 月", "line-1-total": "5300.00", "line-1-tax_rate": "6"}
    form = {"account": contract.account_id, "contract": contract.pk, "currency": "CNY", "due_on": "2026-12-31",
            "note": "合同外服务", **line}  # fmt: skip

    picker = finance.get(url)
    bad = finance.post(url, {**form, "line-1-total": "五千", "token": "new-1"})
    assert [c.name for c, _owes in picker.context["customers"]] == ["苏州金桥精密机械"]
    assert (said(bad), bad.context["rows"][0]["total"], Invoice.objects.count()) == (
        ["Some invoice lines are not valid. Enter an amount such as 1234.56."], "五千", 0,
    )  # fmt: skip

    made = finance.post(url, {**form, "token": "new-2"}, follow=True)
    again = finance.post(url, {**form, "token": "new-2"}, follow=True)
    draft = Invoice.objects.get()
    assert made.redirect_chain == [(reverse("receivables:invoice_detail", args=[draft.pk]), 302)]
    assert said(made) == ["The draft invoice is ready: check it and issue it."]
    assert (said(again), Invoice.objects.count()) == ([str(RECORDED_ALREADY)], 1)
    assert (draft.status, draft.contract, draft.owner, draft.due_on, draft.net, draft.tax, draft.total, draft.note) == (
        "draft", contract, org.rep, date(2026, 12, 31), D("5000.00"), D("300.00"), D("5300.00"), "合同外服务",
    )  # fmt: skip
    assert list(draft.lines.values_list("description", "tax_rate", "total")) == [
        ("驻场运维服务 12 月", D("6.00"), D("5300.00"))
    ]


def test_the_admin_only_reads_money_records(frozen, org, delivered):
    first = issued(org, delivered, "签约款", date(2026, 11, 25))
    payment = payment_record(actor=org.finance, account=first.account, payer="金桥", received_on=date(2026, 12, 1),
                             amount="1000.00", allocations=[(first, "1000.00")])  # fmt: skip
    write_off = write_off_request(actor=org.finance, invoice=first, amount="10.00", reason="尾差")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    records = {
        "invoice": first.pk, "payment": payment.pk, "allocation": payment.allocations.get().pk,
        "writeoff": write_off.pk,
    }  # fmt: skip

    for model, pk in records.items():
        base = f"/admin/receivables/{model}/"
        assert (client.get(base).status_code, client.get(f"{base}{pk}/change/").status_code) == (200, 200), model
        assert client.get(f"{base}add/").status_code == 403, model
        assert client.post(f"{base}{pk}/delete/", {"post": "yes"}).status_code == 403, model
    changed = client.post(f"/admin/receivables/invoice/{first.pk}/change/", {"total": "1.00", "status": "void"})

    assert changed.status_code == 403
    assert balances(first) == [("partially_paid", D("1000.00"), D("0.00"), D("0.00"), D("8983.99"))]
    assert (Payment.objects.count(), Allocation.objects.count(), WriteOff.objects.count()) == (1, 1, 1)
