"""Finance in Chromium, from a delivered contract to cash: drafts the delivery installment's invoice from the list of
installments to invoice and issues it, then records the customer's transfer and allocates it across the two open
invoices on the allocation screen — an over-allocation is refused and records nothing; the accepted one leaves the
remainder on the customer as a credit. The open balances are asserted to the fen on the pages and in the database."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from contracts.tests.test_orders import order  # noqa: F401 - the fixture
from leads.tests.conftest import _english  # noqa: F401 - the quote fixture's (the server answers in Chinese)
from receivables.models import Allocation, Invoice, Payment
from receivables.services import invoice_create_from_installment, invoice_issue
from receivables.tests.conftest import delivered  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-pass-1"
ISSUED_ON = date(2026, 11, 25)  # the day the contract was signed: never in the future, never after a due date
OVER_ALLOCATED = "核销被拒绝：FP2026-00002: 最多为其未收余额 ¥19,967.98。"


@pytest.fixture
def contract_defaults(_defaults, transactional_db):
    """The review checklist, the approval order and the hand-off package a new installation has (emptied with
    the database after every browser test, like the defaults the shared fixture puts back)."""
    for module in ("contracts.migrations.0002_defaults", "contracts.migrations.0004_handoff_defaults"):
        import_module(module).install(apps, None)


@pytest.fixture
def finance_user(contract_defaults, org):
    org.finance.display_name = "赵敏"
    org.finance.set_password(PASSWORD)
    org.finance.save()
    return org.finance


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_finance_records_a_payment_and_allocates_it_across_two_invoices(
    page: Page,
    live_server,
    finance_user,
    org,
    delivered,  # noqa: F811
    artifacts,
):
    base = live_server.url
    contract = delivered.contract
    signing, delivery = (contract.installments.get(label=label) for label in ("签约款", "到货款"))
    first = invoice_issue(
        actor=org.finance,
        invoice=invoice_create_from_installment(actor=org.finance, installment=signing),
        issued_on=ISSUED_ON,
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, base, "finance")

    # 1. the delivery installment waits to be invoiced: finance drafts its invoice and issues it
    page.goto(f"{base}/receivables/to-invoice/")
    row = page.locator(f"#invoiceable tr[data-installment='{delivery.pk}']")
    expect(page.locator("#invoiceable tbody tr")).to_have_count(1)
    expect(row.locator("td.ltc-money")).to_have_text("¥19,967.98")
    row.locator("button[type=submit]").click()
    second = Invoice.objects.get(installment=delivery)
    expect(page).to_have_url(f"{base}/receivables/invoices/{second.pk}/")
    expect(page.locator("#lines tfoot td.ltc-money").last).to_have_text("¥19,967.98")
    page.fill("#issue input[name=issued_on]", ISSUED_ON.isoformat())
    page.locator("#issue button[type=submit]").click()
    expect(page.locator("#invoice-status")).to_have_text("已开票")
    expect(page.locator("h1")).to_contain_text("FP2026-00002")
    expect(page.locator("#open-balance")).to_have_text("¥19,967.98")

    # 2. the customer's transfer: pick the customer, who owes both invoices
    page.goto(f"{base}/receivables/payments/")
    page.locator("main a[href='/receivables/payments/new/']").click()
    customer = page.locator("#customers a")
    expect(customer).to_have_count(1)
    expect(customer).to_contain_text("苏州金桥精密机械")
    expect(customer.locator(".ltc-money")).to_have_text("¥29,951.97")
    customer.click()
    screen = page.locator("#allocation")
    expect(screen.locator("tbody tr")).to_have_count(2)
    expect(screen.locator("tbody td.open-balance")).to_have_text(["¥9,983.99", "¥19,967.98"])
    expect(page.locator("#id_payer")).to_have_value("苏州金桥精密机械")
    expect(page.locator("#id_received_on")).to_have_value(timezone.localdate().isoformat())
    page.fill("#id_payer", "苏州金桥精密机械有限公司")
    page.fill("#id_amount", "25000.00")
    page.fill("#id_reference", "电汇 HT2026-0001")

    # the screen fills the amounts, the earliest due first; finance keeps part of the money as a credit
    page.locator("button[value=suggest]").click()
    expect(page.locator(f"#alloc-{first.pk}")).to_have_value("9983.99")
    expect(page.locator(f"#alloc-{second.pk}")).to_have_value("15016.01")
    expect(page.locator("#left-sum")).to_have_text("¥0.00")

    # 3. more than the second invoice owes is refused, and nothing is recorded
    page.fill(f"#alloc-{second.pk}", "20000.00")
    page.locator("#record-payment").click()
    expect(page.locator(".alert-danger")).to_have_text(OVER_ALLOCATED)
    expect(page.locator(f"#alloc-{second.pk}")).to_have_value("20000.00")
    expect(page.locator("#id_reference")).to_have_value("电汇 HT2026-0001")
    expect(page.locator("#left-sum")).to_have_text("-¥4,983.99")
    assert (Payment.objects.count(), Allocation.objects.count()) == (0, 0)

    # 4. 9,983.99 and 10,000.00: the first invoice is paid, the second partly, 5,016.01 stays a credit
    page.fill(f"#alloc-{second.pk}", "10000.00")
    page.locator("#add-up").click()
    expect(page.locator("#allocated-sum")).to_have_text("¥19,983.99")
    expect(page.locator("#left-sum")).to_have_text("¥5,016.01")
    expect(page.locator(".alert")).to_have_count(0)
    assert Payment.objects.count() == 0
    page.screenshot(path=str(artifacts / "payment-allocation-zh.png"), full_page=True)
    page.locator("#record-payment").click()
    payment = Payment.objects.get()
    expect(page).to_have_url(f"{base}/receivables/payments/{payment.pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#payment-amount")).to_have_text("¥25,000.00")
    expect(page.locator("#payment-allocated")).to_have_text("¥19,983.99")
    expect(page.locator("#payment-left")).to_have_text("¥5,016.01")
    expect(page.locator("#allocations tbody tr td.ltc-money")).to_have_text(["¥9,983.99", "¥10,000.00"])
    # what is left is offered to the invoice still owed
    expect(page.locator("#allocate #allocation tbody td.open-balance")).to_have_text(["¥9,967.98"])
    page.screenshot(path=str(artifacts / "payment-recorded-zh.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "payment-recorded-phone-zh.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})

    # 5. each invoice's page shows its balance
    page.goto(f"{base}/receivables/invoices/{first.pk}/")
    expect(page.locator("#invoice-status")).to_have_text("已回款")
    expect(page.locator("#open-balance")).to_have_text("¥0.00")
    page.goto(f"{base}/receivables/invoices/{second.pk}/")
    expect(page.locator("#invoice-status")).to_have_text("部分回款")
    expect(page.locator("#paid")).to_have_text("¥10,000.00")
    expect(page.locator("#open-balance")).to_have_text("¥9,967.98")
    page.screenshot(path=str(artifacts / "invoice-partly-paid-zh.png"), full_page=True)

    # 6. the customer statement shows the same balance: owed less the credit not yet allocated
    page.goto(f"{base}/receivables/customers/{contract.account_id}/statement/")
    expect(page.locator("#statement-open tbody tr")).to_have_count(1)
    expect(page.locator("#statement-open tbody td.ltc-money").last).to_have_text("¥9,967.98")
    expect(page.locator("#statement-due")).to_have_text("¥4,951.97")
    expect(page.locator("#statement-closing")).to_have_text("¥4,951.97")
    page.screenshot(path=str(artifacts / "customer-statement-zh.png"), full_page=True)

    for invoice in (first, second):
        invoice.refresh_from_db()
    payment.refresh_from_db()
    assert [(i.number, i.status, i.allocated, i.open_balance) for i in (first, second)] == [
        ("FP2026-00001", "paid", Decimal("9983.99"), Decimal("0.00")),
        ("FP2026-00002", "partially_paid", Decimal("10000.00"), Decimal("9967.98")),
    ]
    assert (payment.payer, payment.reference, payment.amount, payment.allocated, payment.unallocated) == (
        "苏州金桥精密机械有限公司", "电汇 HT2026-0001", Decimal("25000.00"), Decimal("19983.99"), Decimal("5016.01"),
    )  # fmt: skip
    assert list(payment.allocations.order_by("invoice_id").values_list("invoice__number", "amount", "by")) == [
        ("FP2026-00001", Decimal("9983.99"), org.finance.pk),
        ("FP2026-00002", Decimal("10000.00"), org.finance.pk),
    ]
    assert list(contract.installments.values_list("label", "received")) == [
        ("签约款", Decimal("9983.99")),
        ("到货款", Decimal("10000.00")),
        ("验收款", Decimal("0.00")),
    ]
