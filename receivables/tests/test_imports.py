"""Cash collection through the shared importer: historical invoices (numbers kept as text) and payments, and bank
statements whose lines are matched to open invoices and confirmed by finance; all or nothing, finance only."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from customers.services import account_create
from ltc import importer, imports
from ltc.errors import DomainError
from ltc.models import ImportBatch
from receivables.importers import finance_or_admin, statement_lines
from receivables.models import Invoice, Payment
from receivables.services import (
    invoice_create,
    invoice_issue,
    invoice_record_historical,
    statement_close,
    statement_confirm,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
JINQIAO, HAITONG, YUNFAN = "苏州金桥精密机械股份有限公司", "宁波海通物流有限公司", "杭州云帆电子商务有限公司"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def customers(org):
    return {name: account_create(actor=org.rep, owner=org.rep, name=name) for name in (JINQIAO, HAITONG, YUNFAN)}


def check(kind: str, data: str) -> importer.Preview:
    table = importer.read_table(data.encode(), f"{kind}.csv")
    spec = importer.spec_for(kind)
    return importer.validate(table, spec, importer.guess_mapping(table, spec))


def historical(org, customers, number: str, amount: str, name: str = JINQIAO, issued_on=date(2026, 9, 30)):
    return invoice_record_historical(
        actor=org.finance, account=customers[name], number=number, issued_on=issued_on, amount=amount
    )


def invoices() -> list[tuple]:
    return list(
        Invoice.objects.order_by("pk").values_list(
            "number", "account__name", "status", "issued_on", "due_on", "total", "currency", "historical", "allocated"
        )
    )


# --- historical invoices ---------------------------------------------------------------------------------------


def test_historical_invoices_are_issued_with_their_numbers_dates_and_amounts(org, customers):
    data = (
        "客户,发票号码,开票日期,到期日,价税合计,币种\n"
        f'{JINQIAO},000123,2025-12-01,2026-01-01,"113,000.00",CNY\n'
        f"宁波海通物流 有限公司,00458,2026/03/15,2026/04/14,5650.5,\n"
        f'{YUNFAN},FP2026-00007,2026年9月30日,,"¥2,000.00",USD\n'
    )

    checked = check("historical_invoices", data)
    result = importer.commit(checked, org.finance)

    assert checked.errors == []
    assert [row["number"] for row in checked.rows] == ["000123", "00458", "FP2026-00007"]
    assert result["created"] == 3
    assert invoices() == [
        ("000123", JINQIAO, "issued", date(2025, 12, 1), date(2026, 1, 1), Decimal("113000.00"), "CNY", True,
         Decimal("0.00")),
        ("00458", HAITONG, "issued", date(2026, 3, 15), date(2026, 4, 14), Decimal("5650.50"), "CNY", True,
         Decimal("0.00")),
        ("FP2026-00007", YUNFAN, "issued", date(2026, 9, 30), date(2026, 10, 30), Decimal("2000.00"), "USD", True,
         Decimal("0.00")),
    ]  # fmt: skip
    assert sum(i.open_balance for i in Invoice.objects.all()) == Decimal("120650.50")
    # a number in our own pattern moves the numbering past it: the next invoice issued is not FP2026-00001
    draft = invoice_create(
        actor=org.finance, account=customers[JINQIAO], lines=[{"description": "服务费", "total": "1"}]
    )
    assert invoice_issue(actor=org.finance, invoice=draft).number == "FP2026-00008"


def test_a_duplicate_invoice_number_is_refused_and_nothing_is_written(org, customers):
    historical(org, customers, "000123", "100.00")
    data = (
        "客户,发票号码,开票日期,价税合计\n"
        f"{JINQIAO},000123,2026-10-01,500.00\n"
        f"{JINQIAO},A-9,2026-10-01,500.00\n"
        f"{JINQIAO},a-9,2026-10-02,500.00\n"
        f"{JINQIAO},000124,2026-10-02,500.00\n"
    )

    checked = check("historical_invoices", data)
    with pytest.raises(DomainError) as refused:
        importer.commit(checked, org.finance)
    with pytest.raises(DomainError) as service_refused:
        historical(org, customers, "000123", "100.00")

    assert importer.error_report(checked.errors) == (
        "\ufeffRow,Column,Reason\n2,发票号码,Invoice 000123 exists already.\n4,发票号码,The same number is on row 3.\n"
    )
    assert refused.value.code == "import_rows_invalid"
    assert service_refused.value.code == "duplicate_invoice_number"
    assert invoices() == [
        ("000123", JINQIAO, "issued", date(2026, 9, 30), date(2026, 10, 30), Decimal("100.00"), "CNY", True,
         Decimal("0.00"))
    ]  # fmt: skip


def test_cells_that_are_not_amounts_or_dates_are_row_errors(org, customers):
    data = (
        "客户,发票号码,开票日期,到期日,价税合计\n"
        f"{JINQIAO},1,2026-13-01,,100\n"
        f"{JINQIAO},2,2026-10-01,2026-09-01,100\n"
        f"{JINQIAO},3,2026-10-01,,12.345\n"
        f"{JINQIAO},4,2026-10-01,,-5\n"
        f"无名公司,5,2026-12-01,,1x\n"
    )

    checked = check("historical_invoices", data)

    assert importer.error_report(checked.errors) == (
        "\ufeffRow,Column,Reason\n"
        "2,开票日期,“2026-13-01” is not a date (YYYY-MM-DD).\n"
        "3,到期日,It falls due before it is issued.\n"
        "4,价税合计,At most two decimals (the fen).\n"
        "5,价税合计,An amount is more than zero.\n"
        "6,价税合计,“1x” is not an amount.\n"
        "6,客户,No customer is called “无名公司”.\n"
        "6,开票日期,In the future.\n"
    )


# --- historical payments ---------------------------------------------------------------------------------------


def test_historical_payments_are_allocated_to_the_invoices_they_settle(org, customers):
    first, second = historical(org, customers, "000123", "113000.00"), historical(org, customers, "00458", "5650.50",
                                                                                  name=HAITONG)  # fmt: skip
    data = (
        "客户,到账日期,金额,摘要,发票号,方式\n"
        f'{JINQIAO},2026-10-10,"50,000.00",电汇 000123 首款,000123,电汇\n'
        f"{JINQIAO},2026-11-10,63000.00,000123 尾款,000123,承兑\n"
        f"{HAITONG},2026-11-20,650.50,部分,00458,\n"
        f"{HAITONG},2026-11-21,6000.00,预付,,转账\n"
    )

    checked = check("historical_payments", data)
    result = importer.commit(checked, org.finance)

    assert (checked.errors, result["created"]) == ([], 4)
    assert list(
        Payment.objects.order_by("pk").values_list(
            "account__name", "payer", "received_on", "amount", "allocated", "method", "reference", "historical"
        )
    ) == [
        (JINQIAO, JINQIAO, date(2026, 10, 10), Decimal("50000.00"), Decimal("50000.00"), "transfer", "电汇 000123 首款",
         True),
        (JINQIAO, JINQIAO, date(2026, 11, 10), Decimal("63000.00"), Decimal("63000.00"), "acceptance_bill",
         "000123 尾款", True),
        (HAITONG, HAITONG, date(2026, 11, 20), Decimal("650.50"), Decimal("650.50"), "transfer", "部分", True),
        (HAITONG, HAITONG, date(2026, 11, 21), Decimal("6000.00"), Decimal("0.00"), "transfer", "预付", True),
    ]  # fmt: skip
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.paid_on, first.open_balance) == ("paid", date(2026, 11, 10), Decimal("0.00"))
    assert (second.status, second.paid_on, second.open_balance) == ("partially_paid", None, Decimal("5000.00"))


def test_payments_over_an_invoice_or_on_another_customers_are_refused_and_nothing_is_written(org, customers):
    historical(org, customers, "000123", "100.00", issued_on=date(2026, 1, 5))
    historical(org, customers, "00458", "5650.50", name=HAITONG)
    before = Payment.objects.count()
    importer.commit(check("historical_payments", f"客户,到账日期,金额,发票号\n{JINQIAO},2026-02-01,100,000123\n"),
                    org.finance)  # fmt: skip
    data = (
        "客户,到账日期,金额,发票号\n"
        f"{JINQIAO},2026-03-01,1.00,000123\n"
        f"{HAITONG},2026-11-01,5000.00,00458\n"
        f"{HAITONG},2026-11-02,650.51,00458\n"
        f"{YUNFAN},2026-11-03,10.00,00458\n"
        f"{HAITONG},2026-11-04,10.00,999\n"
    )

    checked = check("historical_payments", data)
    with pytest.raises(DomainError):
        importer.commit(checked, org.finance)

    assert importer.error_report(checked.errors) == (
        "\ufeffRow,Column,Reason\n"
        "2,发票号,Invoice 000123 is paid.\n"
        "4,发票号,More than invoice 00458 owes (¥650.50 open).\n"
        f"5,发票号,Invoice 00458 is {HAITONG}'s.\n"
        "6,发票号,No invoice is numbered 999.\n"
    )
    assert Payment.objects.count() == before + 1


# --- bank statements -------------------------------------------------------------------------------------------

STATEMENT = (
    "交易日期,对方户名,收入金额,摘要\n"
    '20261120,苏州金桥精密机械集团,"10,000.00",货款 FP2026-00031\n'
    "20261121,宁波海通物流有限公司,5650.50,服务费\n"
    "20261122,宁波海通 物流有限公司,5650.50,服务费\n"
    "20261123,宁波海通物流有限公司,5650.50,服务费\n"
    "20261123,无锡瑞丰贸易有限公司,800.00,代付货款\n"
    "20261124,苏州金桥精密机械股份有限公司,4000.00,付FP2026-00032部分\n"
    "20261124,张三,66.00,往来款\n"
)


@pytest.fixture
def statement(org, customers):
    """Open invoices of two customers (two of one customer for the same amount), and a statement of seven lines."""
    for number, amount, name, issued in (
        ("FP2026-00031", "10000.00", JINQIAO, date(2026, 10, 1)),
        ("FP2026-00032", "5000.00", JINQIAO, date(2026, 10, 2)),
        ("000459", "5650.50", HAITONG, date(2026, 10, 31)),
        ("000458", "5650.50", HAITONG, date(2026, 9, 30)),
    ):
        historical(org, customers, number, amount, name=name, issued_on=issued)
    return upload_statement(org, "工行流水.csv", STATEMENT.encode())


def upload_statement(org, filename: str, data: bytes) -> ImportBatch:
    """Uploaded by finance through the importer, its columns mapped as the importer guesses them."""
    batch = imports.batch_upload(actor=org.finance, kind="bank_statement", filename=filename, data=data)
    guessed = importer.guess_mapping(imports.batch_table(batch), importer.spec_for("bank_statement"))
    return imports.batch_set_mapping(batch=batch, mapping=guessed)


def proposals(batch) -> list[tuple]:
    lines, errors = statement_lines(batch)
    assert errors == []
    return [(line.row, line.proposal.numbers, line.proposal.how, line.payment_id) for line in lines]


def test_statement_lines_are_matched_by_a_number_in_the_reference_then_by_payer_and_exact_amount(statement):
    assert proposals(statement) == [
        (2, "FP2026-00031", "reference", None),  # the payer is written otherwise: the number decides
        (3, "000458", "payer_amount", None),  # two invoices owe exactly 5,650.50: the one due first
        (4, "000459", "payer_amount", None),  # … then the other: one balance is never proposed twice
        (5, "", "", None),  # both are taken
        (6, "", "", None),  # an unknown payer, no number
        (7, "FP2026-00032", "reference", None),
        (8, "", "", None),
    ]


def test_finance_confirms_or_corrects_lines_and_they_become_allocated_payments(org, statement):
    # given: line 6 is a third party paying for 金桥, which finance knows
    choices = {2: ["FP2026-00031"], 3: ["000458"], 4: ["000459"], 6: ["FP2026-00032"], 7: ["FP2026-00032"]}

    made = statement_confirm(actor=org.finance, batch=statement, choices=choices)

    assert [(p.account.name, p.payer, p.received_on, p.amount, p.allocated, p.historical) for p in made] == [
        (JINQIAO, "苏州金桥精密机械集团", date(2026, 11, 20), Decimal("10000.00"), Decimal("10000.00"), False),
        (HAITONG, HAITONG, date(2026, 11, 21), Decimal("5650.50"), Decimal("5650.50"), False),
        (HAITONG, "宁波海通 物流有限公司", date(2026, 11, 22), Decimal("5650.50"), Decimal("5650.50"), False),
        (JINQIAO, "无锡瑞丰贸易有限公司", date(2026, 11, 23), Decimal("800.00"), Decimal("800.00"), False),
        (JINQIAO, JINQIAO, date(2026, 11, 24), Decimal("4000.00"), Decimal("4000.00"), False),
    ]
    assert [(i[0], i[2], i[8]) for i in invoices()] == [
        ("FP2026-00031", "paid", Decimal("10000.00")),
        ("FP2026-00032", "partially_paid", Decimal("4800.00")),
        ("000459", "paid", Decimal("5650.50")),
        ("000458", "paid", Decimal("5650.50")),
    ]
    # the lines left: 5 (nothing open matches it any more) and 8 stay unconfirmed
    statement.refresh_from_db()
    assert [(row, how, pk is not None) for row, _n, how, pk in proposals(statement)] == [
        (2, "", True), (3, "", True), (4, "", True), (5, "", False), (6, "", True), (7, "", True), (8, "", False),
    ]  # fmt: skip

    # a line is confirmed once; a paid invoice takes nothing more; nothing changes
    refusals: dict[int, list[str]] = {2: ["FP2026-00031"], 5: ["000458"], 8: []}
    codes = []
    for row, numbers in refusals.items():
        with pytest.raises(DomainError) as refused:
            statement_confirm(actor=org.finance, batch=statement, choices={row: numbers})
        codes.append(refused.value.code)
    assert codes == ["statement_line_confirmed", "invoice_not_open", "statement_line_without_invoice"]
    assert Payment.objects.count() == 5

    # the same file again: every recorded line is flagged as recorded already
    again = importer.validate(imports.batch_table(statement), importer.spec_for("bank_statement"), statement.mapping)
    recorded = dict(zip((2, 3, 4, 6, 7), made, strict=True))
    assert again.duplicates == [(row, f"payment #{p.pk} of {p.received_on}") for row, p in recorded.items()]

    closed = statement_close(actor=org.finance, batch=statement)
    assert (closed.state, closed.data, closed.result) == (
        "committed",
        b"",
        {"created": 5, "duplicates": 0, "left_out": [5, 8],
         "confirmed": {str(row): p.pk for row, p in recorded.items()}},
    )  # fmt: skip


def test_a_statement_line_with_an_unparseable_amount_is_a_row_error_and_nothing_is_written(org, statement):
    data = '交易日期,对方户名,收入金额,摘要\n20261120,宁波海通物流有限公司,"5,65O.50",x\n20261121,张三,-66.00,\n'
    batch = upload_statement(org, "b.csv", data.encode())

    lines, errors = statement_lines(batch)
    with pytest.raises(DomainError) as refused:
        statement_confirm(actor=org.finance, batch=batch, choices={2: ["000458"]})

    assert lines == []
    assert importer.error_report(errors) == (
        '\ufeffRow,Column,Reason\n2,收入金额,"“5,65O.50” is not an amount."\n3,收入金额,An amount is more than zero.\n'
    )
    assert refused.value.code == "invalid_amount"
    assert Payment.objects.count() == 0


def test_the_importer_itself_never_records_a_statement_without_confirmation(org, statement):
    with pytest.raises(DomainError) as refused:
        imports.batch_commit(actor=org.finance, batch=statement)

    assert refused.value.code == "statement_needs_confirmation"
    statement.refresh_from_db()
    assert (statement.state, Payment.objects.count()) == ("uploaded", 0)


def test_the_statement_pages_propose_and_record(org, statement):
    client = Client()
    client.force_login(org.finance)

    listed = client.get("/receivables/statements/")
    page = client.get(f"/receivables/statements/{statement.pk}/")
    posted = client.post(f"/receivables/statements/{statement.pk}/confirm/",
                         {"action": "confirm", "confirm": ["2", "6"], "invoices-2": "FP2026-00031",
                          "invoices-6": "FP2026-00032"})  # fmt: skip

    assert listed.status_code == 200 and "工行流水.csv" in listed.content.decode()
    html = page.content.decode()
    assert 'name="invoices-2" value="FP2026-00031"' in html
    assert 'name="invoices-3" value="000458"' in html
    assert 'name="invoices-6" value=""' in html
    assert posted.status_code == 302
    assert list(Payment.objects.order_by("pk").values_list("payer", "allocations__invoice__number")) == [
        ("苏州金桥精密机械集团", "FP2026-00031"),
        ("无锡瑞丰贸易有限公司", "FP2026-00032"),
    ]
    closed = client.post(f"/receivables/statements/{statement.pk}/confirm/", {"action": "close"})
    assert (closed.status_code, client.get(f"/receivables/statements/{statement.pk}/").status_code) == (302, 404)


# --- who may -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["historical_invoices", "historical_payments", "bank_statement"])
def test_a_rep_may_not_import_cash_collection_records(org, customers, kind):
    with pytest.raises(DomainError) as refused:
        imports.batch_upload(actor=org.rep, kind=kind, filename="x.csv", data=b"a,b\n1,2\n")

    assert refused.value.code == "import_not_allowed"
    assert ImportBatch.objects.count() == 0


def test_a_rep_sees_no_statement_and_confirms_nothing(org, statement):
    client = Client()
    client.force_login(org.rep)

    pages = [
        client.get(url).status_code for url in ("/receivables/statements/", f"/receivables/statements/{statement.pk}/")
    ]
    confirm = {"action": "confirm", "confirm": ["2"], "invoices-2": "FP2026-00031"}
    posted = client.post(f"/receivables/statements/{statement.pk}/confirm/", confirm)
    with pytest.raises(DomainError) as refused:
        statement_confirm(actor=org.rep, batch=statement, choices={2: ["FP2026-00031"]})

    assert (pages, posted.status_code, refused.value.code) == ([403, 404], 404, "finance_only")
    assert Payment.objects.count() == 0
    assert [finance_or_admin(p) for p in (org.rep, org.manager, org.finance, org.admin)] == [False, False, True, True]


# --- the sample files --------------------------------------------------------------------------------------------


def test_the_sample_files_import_through_the_command_and_the_statement_matches_them(org):
    for name in ("上海申远智能制造有限公司", YUNFAN, JINQIAO, HAITONG):
        account_create(actor=org.rep, owner=org.rep, name=name)
    out = io.StringIO()
    for kind in ("historical_invoices", "historical_payments"):
        call_command("ltc_import", kind, str(SAMPLES / f"{kind}.csv"), "--mapping", str(SAMPLES / f"{kind}.json"),
                     "--as", org.finance.username, stdout=out)  # fmt: skip
    batch = upload_statement(org, "bank_statement.csv", (SAMPLES / "bank_statement.csv").read_bytes())

    assert out.getvalue() == (
        "imported 8 historical_invoices, 0 flagged as possible duplicates.\n"
        "imported 6 historical_payments, 0 flagged as possible duplicates.\n"
    )
    assert sorted((i.number, i.open_balance) for i in Invoice.objects.all() if i.open_balance) == [
        ("00098077", Decimal("31800.00")),
        ("00123481", Decimal("53000.00")),
        ("00217706", Decimal("12720.00")),
        ("04512399", Decimal("56500.00")),
    ]
    assert Invoice.objects.get(number="00123456").lines.values_list("net", "tax").get() == (
        Decimal("200000.00"),
        Decimal("26000.00"),
    )
    assert proposals(batch) == [
        (2, "00123481", "reference", None),
        (3, "00098077", "payer_amount", None),
        (4, "00217706", "payer_amount", None),
        (5, "04512399", "reference", None),
        (6, "", "", None),
    ]
