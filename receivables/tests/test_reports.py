"""Receivables views against a hand-computed book, time frozen on 2027-01-15 (Asia/Shanghai): aging as of any day
(only the entries dated by then), DSO to a tenth of a day, the overdue list with the last collection activity,
expected cash and plan against actual. A rep sees their own figures, a manager the team's, finance the
company's; the page, the API and the function give the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404
from django.urls import reverse
from rest_framework.test import APIClient

from activities.services import activity_complete, activity_schedule
from contracts.models import Contract
from contracts.services import order_progress
from customers.services import account_create
from receivables import reports
from receivables.models import Invoice
from receivables.services import (
    allocate,
    allocation_reverse,
    credit_note_issue,
    invoice_create,
    invoice_create_from_installment,
    invoice_issue,
    invoice_void,
    payment_record,
    write_off_decide,
    write_off_request,
)

TODAY = date(2027, 1, 15)
D = Decimal


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Shanghai (UTC+8) on ``day``."""
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)


@dataclass
class Book:
    contract: Contract
    account: Any
    account2: Any
    invoices: dict[str, Invoice]


@pytest.fixture
def book(time_machine, org, delivered, finance_manager) -> Book:
    """Rep's customer (contract ¥33,279.97: 签约款 9,983.99 due 12-05, 到货款 19,967.98 due 12-26, 验收款 3,328.00
    accepted 01-10, due 01-25) and other_rep's customer, as of 2027-01-15:

    ===  ========  ==========  ==========  =========================================  ==========
    inv  total     issued      due         entries                                    open 01-15
    ===  ========  ==========  ==========  =========================================  ==========
    I1   9983.99   2026-11-25  2026-12-05  paid 5,000.00 on 12-10                     4983.99
    I2   19967.98  2026-11-27  2026-12-26  paid 5,500.00 on 11-30 (re-made from I6);  13500.00
                                           credit note 967.98 on 01-05
    I3   12000.00  2026-09-01  2026-10-01  write-off 2,000.00 approved 01-10          10000.00
    I4   8000.00   2027-01-10  2027-02-09                                             8000.00
    I5   3000.00   2026-10-20  2026-11-19  paid in full on 12-20                      0
    I6   5500.00   2026-10-01  2026-10-31  paid on 11-30, reversed (wrong invoice)    5500.00
    I7   2500.00   2027-01-12  2027-03-15                                             2500.00
    I8   1000.00   2027-01-14  2027-04-10                                             1000.00
    I9   600.00    2027-01-14  2027-05-01                                             600.00
    J1   7000.00   2026-12-01  2026-12-31  (other_rep)                                7000.00
    J2   1234.56   2026-08-01  2026-08-31  (other_rep)                                1234.56
    ===  ========  ==========  ==========  =========================================  ==========

    plus a draft never issued and an invoice voided, which count nowhere."""
    time_machine.move_to(at(TODAY), tick=False)
    fin = org.finance
    contract = delivered.contract
    account = contract.account
    account2 = account_create(actor=org.other_rep, owner=org.other_rep, name="无锡华东电子")
    plan = {i.label: i for i in contract.installments.all()}

    def from_plan(label: str, issued: date) -> Invoice:
        draft = invoice_create_from_installment(actor=fin, installment=plan[label])
        return invoice_issue(actor=fin, invoice=draft, issued_on=issued)

    def billed(customer: Any, total: str, issued: date, due: date) -> Invoice:
        draft = invoice_create(actor=fin, account=customer, lines=[{"description": "服务费", "total": total}])
        return invoice_issue(actor=fin, invoice=draft, issued_on=issued, due_on=due)

    inv = {
        "I1": from_plan("签约款", date(2026, 11, 25)),
        "I2": from_plan("到货款", date(2026, 11, 27)),
        "I3": billed(account, "12000.00", date(2026, 9, 1), date(2026, 10, 1)),
        "I4": billed(account, "8000.00", date(2027, 1, 10), date(2027, 2, 9)),
        "I5": billed(account, "3000.00", date(2026, 10, 20), date(2026, 11, 19)),
        "I6": billed(account, "5500.00", date(2026, 10, 1), date(2026, 10, 31)),
        "I7": billed(account, "2500.00", date(2027, 1, 12), date(2027, 3, 15)),
        "I8": billed(account, "1000.00", date(2027, 1, 14), date(2027, 4, 10)),
        "I9": billed(account, "600.00", date(2027, 1, 14), date(2027, 5, 1)),
        "J1": billed(account2, "7000.00", date(2026, 12, 1), date(2026, 12, 31)),
        "J2": billed(account2, "1234.56", date(2026, 8, 1), date(2026, 8, 31)),
    }
    invoice_create(actor=fin, account=account, lines=[{"description": "草稿", "total": "999.00"}])
    invoice_void(actor=fin, invoice=billed(account, "777.00", date(2026, 12, 2), date(2026, 12, 9)), reason="抬头错误")

    def paid(day: date, amount: str, invoice: str) -> Any:
        return payment_record(
            actor=fin, account=inv[invoice].account, payer=inv[invoice].account.name, received_on=day, amount=amount,
            allocations=[(inv[invoice], amount)],
        )  # fmt: skip

    paid(date(2026, 12, 10), "5000.00", "I1")
    paid(date(2026, 12, 20), "3000.00", "I5")
    wrong = paid(date(2026, 11, 30), "5500.00", "I6")
    allocation_reverse(actor=fin, allocation=wrong.allocations.get(), reason="分错发票")
    allocate(actor=fin, payment=wrong, parts=[(inv["I2"], "5500.00")])
    credit_note_issue(actor=fin, invoice=inv["I2"], amount="967.98", reason="交付延期折让", issued_on=date(2027, 1, 5))

    asked = write_off_request(actor=fin, invoice=inv["I3"], amount="2000.00", reason="质量争议，客户拒付部分")
    time_machine.move_to(at(date(2027, 1, 10)), tick=False)
    write_off_decide(actor=finance_manager, write_off=asked, approve=True)
    time_machine.move_to(at(TODAY), tick=False)

    order_progress(actor=org.delivery, order=delivered, to="customer_accepted", on=date(2027, 1, 10))

    # collection activities on I3: a visit in December, a call in January, and a call still planned
    for kind, subject, done in [
        ("visit", "上门催款", at(date(2026, 12, 20), 15)),
        ("call", "催款电话：承诺 1 月底付款", at(date(2027, 1, 12), 9)),
    ]:
        planned = activity_schedule(actor=org.rep, target=inv["I3"], kind=kind, subject=subject, due_at=done,
                                    assignee=org.rep)  # fmt: skip
        activity_complete(actor=org.rep, activity=planned, outcome="", done_at=done)
    activity_schedule(actor=org.rep, target=inv["I3"], kind="call", subject="再次跟进", due_at=at(date(2027, 1, 20)),
                      assignee=org.rep)  # fmt: skip

    for invoice in inv.values():
        invoice.refresh_from_db()
    return Book(contract=contract, account=account, account2=account2, invoices=inv)


def buckets(report: reports.Aging) -> dict[str, tuple[int, Decimal]]:
    return {b.key: (b.count, b.amount) for b in report.buckets}


NOTHING = {"current": (0, D("0")), "1_30": (0, D("0")), "31_60": (0, D("0")), "61_90": (0, D("0")),
           "90_plus": (0, D("0"))}  # fmt: skip
REP_TODAY = {
    "current": (4, D("12100.00")),  # I4 8,000 + I7 2,500 + I8 1,000 + I9 600
    "1_30": (1, D("13500.00")),  # I2 (20 days)
    "31_60": (1, D("4983.99")),  # I1 (41 days)
    "61_90": (1, D("5500.00")),  # I6 (76 days)
    "90_plus": (1, D("10000.00")),  # I3 (106 days)
}
OTHER_TODAY = {**NOTHING, "1_30": (1, D("7000.00")), "90_plus": (1, D("1234.56"))}  # J1 (15), J2 (137)
COMPANY_TODAY = {
    "current": (4, D("12100.00")),
    "1_30": (2, D("20500.00")),
    "31_60": (1, D("4983.99")),
    "61_90": (1, D("5500.00")),
    "90_plus": (2, D("11234.56")),
}
# delivery is on the contract: the two invoices of its payment plan
DELIVERY_TODAY = {**NOTHING, "1_30": (1, D("13500.00")), "31_60": (1, D("4983.99"))}


@pytest.mark.parametrize(
    ("viewer", "expected", "total"),
    [
        ("finance", COMPANY_TODAY, (10, D("54318.55"))),
        ("admin", COMPANY_TODAY, (10, D("54318.55"))),
        ("parent_manager", COMPANY_TODAY, (10, D("54318.55"))),
        ("manager", REP_TODAY, (8, D("46083.99"))),
        ("rep", REP_TODAY, (8, D("46083.99"))),
        ("other_rep", OTHER_TODAY, (2, D("8234.56"))),
        ("delivery", DELIVERY_TODAY, (2, D("18483.99"))),
        ("teammate", NOTHING, (0, D("0"))),
        ("sub_rep", NOTHING, (0, D("0"))),
    ],
)
def test_aging_today_by_bucket_is_each_viewer_s_own(book, org, viewer, expected, total):
    # when
    report = reports.aging(getattr(org, viewer), TODAY)
    # then
    assert buckets(report) == expected
    assert (report.count, report.amount, report.as_of, report.currency) == (*total, TODAY, "CNY")


def test_aging_as_of_a_past_day_counts_only_the_entries_dated_by_then(book, org):
    # given: on 12-15 I4 and I7–I9 were not issued; I5's payment (12-20), I2's credit note (01-05) and I3's
    # write-off (01-10) had not happened; the payment of 11-30 moved from I6 to I2 counts for I2 from 11-30
    # when
    report = reports.aging(org.finance, date(2026, 12, 15))
    # then
    assert buckets(report) == {
        "current": (2, D("21467.98")),  # I2 19,967.98 − 5,500 (due 12-26), J1 7,000 (due 12-31)
        "1_30": (2, D("7983.99")),  # I1 4,983.99 (10 days), I5 3,000 (26 days)
        "31_60": (1, D("5500.00")),  # I6 (45 days)
        "61_90": (1, D("12000.00")),  # I3 before its write-off (75 days)
        "90_plus": (1, D("1234.56")),  # J2 (106 days)
    }
    assert (report.count, report.amount) == (7, D("48186.53"))
    assert buckets(reports.aging(org.finance, date(2026, 7, 31))) == NOTHING


@pytest.mark.parametrize(
    ("as_of", "bucket"),
    [
        (date(2026, 8, 31), "current"),  # the due date itself: 0 days past due
        (date(2026, 9, 1), "1_30"),
        (date(2026, 9, 30), "1_30"),  # 30 days
        (date(2026, 10, 1), "31_60"),  # 31 days
        (date(2026, 10, 30), "31_60"),  # 60 days
        (date(2026, 10, 31), "61_90"),  # 61 days
        (date(2026, 11, 29), "61_90"),  # 90 days
        (date(2026, 11, 30), "90_plus"),  # 91 days
    ],
)
def test_a_bucket_runs_from_its_first_day_to_its_last(book, org, as_of, bucket):
    # given J2 (due 2026-08-31), alone on other_rep's customer until J1 is issued on 12-01
    report = reports.aging(org.finance, as_of, account=book.account2.pk)
    assert buckets(report) == {**NOTHING, bucket: (1, D("1234.56"))}


def test_filters_narrow_to_a_team_an_owner_or_a_customer_and_never_widen(book, org):
    sales_centre = org.team_a.parent
    assert buckets(reports.aging(org.finance, TODAY, team=org.team_a.pk)) == REP_TODAY
    # J1 and J2 have no contract, hence no team of their own: they count in their owner's home team
    assert buckets(reports.aging(org.finance, TODAY, team=org.team_b.pk)) == OTHER_TODAY
    assert buckets(reports.aging(org.finance, TODAY, team=sales_centre.pk)) == COMPANY_TODAY
    assert buckets(reports.aging(org.finance, TODAY, team=org.team_sub.pk)) == NOTHING
    assert buckets(reports.aging(org.finance, TODAY, owner=org.other_rep.pk)) == OTHER_TODAY
    assert buckets(reports.aging(org.finance, TODAY, account=book.account.pk)) == REP_TODAY
    assert buckets(reports.aging(org.rep, TODAY, team=org.team_b.pk)) == NOTHING
    assert buckets(reports.aging(org.rep, TODAY, account=book.account2.pk)) == NOTHING
    assert buckets(reports.aging(org.finance, TODAY, currency="USD")) == NOTHING


def test_the_balance_as_of_today_is_the_invoices_running_sums(book, org):
    open_now = sum(
        (i.open_balance for i in Invoice.objects.filter(kind=Invoice.Kind.INVOICE)), Decimal("0.00")
    )  # fmt: skip
    assert reports.aging(org.finance, TODAY).amount == open_now == D("54318.55")


def rows(report: reports.Dso) -> dict[str, list[tuple]]:
    def line(r: reports.DsoRow) -> tuple:
        return (r.key, r.receivables, r.credit_sales, r.dso)

    return {"company": [line(report.company)], "teams": [line(r) for r in report.teams],
            "reps": [line(r) for r in report.reps]}  # fmt: skip


def test_dso_per_company_team_and_rep(book, org):
    # given the fourth quarter of 2026 (92 days). At 12-31: I1 4,983.99, I2 14,467.98, I3 12,000.00, I6 5,500.00
    # (rep: 36,951.97), J1 7,000.00, J2 1,234.56 (other_rep: 8,234.56); I5 was paid on 12-20. Issued in the
    # quarter: I6 5,500.00, I5 3,000.00, I1 9,983.99, I2 19,967.98 (rep: 38,451.97), J1 7,000.00.
    # when
    report = reports.dso(org.finance, date(2026, 10, 1), date(2026, 12, 31))
    # then: 45,186.53 ÷ 45,451.97 × 92 = 91.46…; 36,951.97 ÷ 38,451.97 × 92 = 88.41…; 8,234.56 ÷ 7,000 × 92 = 108.22…
    rep_row = (D("36951.97"), D("38451.97"), D("88.4"))
    other_row = (D("8234.56"), D("7000.00"), D("108.2"))
    assert (report.days, report.period_start, report.period_end) == (92, date(2026, 10, 1), date(2026, 12, 31))
    assert rows(report) == {
        "company": [(None, D("45186.53"), D("45451.97"), D("91.5"))],
        "teams": sorted([(org.team_a.pk, *rep_row), (org.team_b.pk, *other_row)],
                        key=lambda r: [t.name for t in (org.team_a, org.team_b) if t.pk == r[0]]),
        "reps": sorted([(org.rep.pk, *rep_row), (org.other_rep.pk, *other_row)],
                       key=lambda r: [str(u) for u in (org.rep, org.other_rep) if u.pk == r[0]]),
    }  # fmt: skip
    assert str(report.formula) == ("DSO = receivables at period end ÷ credit sales in the period × days in the period")
    # a rep's DSO is their own, and their company figure is theirs alone
    mine = reports.dso(org.rep, date(2026, 10, 1), date(2026, 12, 31))
    assert rows(mine) == {"company": [(None, *rep_row)], "teams": [(org.team_a.pk, *rep_row)],
                          "reps": [(org.rep.pk, *rep_row)]}  # fmt: skip


def test_without_credit_sales_dso_is_undefined_not_zero(book, org):
    report = reports.dso(org.other_rep, date(2026, 12, 2), date(2026, 12, 31))
    assert rows(report)["company"] == [(None, D("8234.56"), D("0"), None)]


def test_the_overdue_list_by_owner_with_days_and_the_last_collection_activity(book, org):
    inv = book.invoices
    # when
    report = reports.overdue(org.finance, TODAY)
    # then
    listed = {
        group.owner_id: (group.count, group.amount, [(i.id, i.days_overdue, i.open) for i in group.invoices])
        for group in report.owners
    }
    assert listed == {
        org.rep.pk: (4, D("33983.99"), [
            (inv["I3"].pk, 106, D("10000.00")), (inv["I6"].pk, 76, D("5500.00")),
            (inv["I1"].pk, 41, D("4983.99")), (inv["I2"].pk, 20, D("13500.00")),
        ]),
        org.other_rep.pk: (2, D("8234.56"), [(inv["J2"].pk, 137, D("1234.56")), (inv["J1"].pk, 15, D("7000.00"))]),
    }  # fmt: skip
    assert [g.owner for g in report.owners] == sorted(str(u) for u in (org.rep, org.other_rep))
    assert (report.count, report.amount) == (6, D("42218.55"))
    last = {i.number: i.last_activity for g in report.owners for i in g.invoices}
    called = last[inv["I3"].number]
    assert called is not None
    assert (called.kind, called.subject, called.done_at) == (
        "call", "催款电话：承诺 1 月底付款", at(date(2027, 1, 12), 9),
    )  # fmt: skip
    assert last[inv["I1"].number] is None
    # as of the end of December, the last activity was the visit
    december = reports.overdue(org.finance, date(2026, 12, 31))
    i3 = next(i for g in december.owners for i in g.invoices if i.id == inv["I3"].pk)
    assert i3.last_activity is not None
    assert (i3.days_overdue, i3.open, i3.last_activity.kind) == (91, D("12000.00"), "visit")
    # a rep sees their own list only
    assert [g.owner_id for g in reports.overdue(org.rep, TODAY).owners] == [org.rep.pk]
    assert reports.overdue(org.teammate, TODAY).owners == []


def windows(report: reports.ExpectedCash) -> dict[str, tuple]:
    return {w.key: (w.invoices, w.installments, w.amount) for w in report.windows}


def test_expected_cash_from_open_invoices_and_the_installments_not_invoiced(book, org):
    # when
    report = reports.expected_cash(org.finance, TODAY)
    # then: 到货款 has 967.98 to invoice again since its credit note (due 12-26, overdue); 验收款 3,328.00 is due
    # 01-25 since the customer accepted on 01-10; 签约款 is invoiced in full
    assert windows(report) == {
        "overdue": (D("42218.55"), D("967.98"), D("43186.53")),  # I1, I2, I3, I6, J1, J2
        "0_30": (D("8000.00"), D("3328.00"), D("11328.00")),  # I4 (02-09), 验收款 (01-25)
        "31_60": (D("2500.00"), D("0"), D("2500.00")),  # I7 (03-15, 59 days)
        "61_90": (D("1000.00"), D("0"), D("1000.00")),  # I8 (04-10, 85 days)
        "later": (D("600.00"), D("0"), D("600.00")),  # I9 (05-01, 106 days)
        "undated": (D("0"), D("0"), D("0")),
    }
    assert [(h.days, h.until, h.amount) for h in report.horizons] == [
        (30, date(2027, 2, 14), D("11328.00")),
        (60, date(2027, 3, 16), D("13828.00")),
        (90, date(2027, 4, 15), D("14828.00")),
    ]
    assert windows(reports.expected_cash(org.other_rep, TODAY))["overdue"] == (D("8234.56"), D("0"), D("8234.56"))
    assert {w.amount for w in reports.expected_cash(org.teammate, TODAY).windows} == {D("0")}


def test_expected_cash_waits_for_a_milestone_without_a_date(org, delivered):
    # given a signed contract whose acceptance is not reached: nothing invoiced yet
    report = reports.expected_cash(org.finance, date(2026, 11, 26))
    assert windows(report) == {
        "overdue": (D("0"), D("0"), D("0")),
        "0_30": (D("0"), D("29951.97"), D("29951.97")),  # 签约款 (12-05), 到货款 (12-26: 30 days, the window's last)
        "31_60": (D("0"), D("0"), D("0")),
        "61_90": (D("0"), D("0"), D("0")),
        "later": (D("0"), D("0"), D("0")),
        "undated": (D("0"), D("3328.00"), D("3328.00")),  # 验收款: its milestone is not reached
    }


def test_plan_against_actual_per_installment(book, org):
    report = reports.plan_vs_actual(org.finance, book.contract)
    assert [
        (line.label, line.due_on, line.expected, line.received, [(a.received_on, a.amount) for a in line.arrivals],
         line.settled_on, line.days_late)
        for line in report.lines
    ] == [
        ("签约款", date(2026, 12, 5), D("9983.99"), D("5000.00"), [(date(2026, 12, 10), D("5000.00"))], None, 41),
        ("到货款", date(2026, 12, 26), D("19967.98"), D("5500.00"), [(date(2026, 11, 30), D("5500.00"))], None, 20),
        ("验收款", date(2027, 1, 25), D("3328.00"), D("0"), [], None, None),
    ]  # fmt: skip
    assert (report.expected, report.received) == (D("33279.97"), D("10500.00"))
    # what arrived is what the installments learnt from the services
    assert [line.received for line in report.lines] == [i.received for i in book.contract.installments.all()]
    with pytest.raises(Http404):
        reports.plan_vs_actual(org.other_rep, book.contract)


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


@pytest.mark.parametrize("viewer", ["finance", "rep"])
def test_the_page_the_api_and_the_function_agree_on_aging(book, org, client, viewer, django_assert_max_num_queries):
    user = getattr(org, viewer)
    expected = reports.aging(user, date(2026, 12, 15), team=org.team_a.parent.pk)
    client.force_login(user)
    query = f"?as_of=2026-12-15&team={org.team_a.parent.pk}"
    with django_assert_max_num_queries(12):
        page = client.get(reverse("receivables:aging") + query)
    with django_assert_max_num_queries(6):
        answer = api(user).get("/api/v1/receivables/aging/" + query)
    assert page.status_code == answer.status_code == 200
    assert page.context["report"] == expected
    assert f"¥{expected.amount:,.2f}" in page.content.decode()
    assert answer.json() == {
        "as_of": "2026-12-15", "currency": "CNY", "count": expected.count, "amount": money(expected.amount),
        "buckets": [{"key": b.key, "label": str(b.label), "count": b.count, "amount": money(b.amount)}
                    for b in expected.buckets],
    }  # fmt: skip
    assert answer.json()["amount"] == {"finance": "48186.53", "rep": "39951.97"}[viewer]


def test_the_page_the_api_and_the_function_agree_on_dso(book, org, client, django_assert_max_num_queries):
    expected = reports.dso(org.finance, date(2026, 10, 1), date(2026, 12, 31))
    client.force_login(org.finance)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("receivables:dso") + "?start=2026-10-01&end=2026-12-31", HTTP_ACCEPT_LANGUAGE="en")
    answer = api(org.finance).get("/api/v1/receivables/dso/?start=2026-10-01&end=2026-12-31").json()
    assert page.context["report"] == expected
    html = page.content.decode()
    assert "DSO = receivables at period end ÷ credit sales in the period × days in the period" in html
    chinese = client.get(reverse("receivables:dso"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "DSO = 期末应收账款 ÷ 期间赊销额 × 期间天数" in chinese
    assert ">91.5<" in html and ">88.4<" in html and ">108.2<" in html
    assert answer["company"] == {"level": "company", "key": None, "label": "Total", "receivables": "45186.53",
                                 "credit_sales": "45451.97", "dso": "91.5"}  # fmt: skip
    assert [(r["key"], r["dso"]) for r in answer["reps"]] == [(r.key, str(r.dso)) for r in expected.reps]
    assert [(r["key"], r["dso"]) for r in answer["teams"]] == [(r.key, str(r.dso)) for r in expected.teams]
    assert answer["formula"] == "DSO = receivables at period end ÷ credit sales in the period × days in the period"
    assert answer["days"] == 92


def test_the_page_the_api_and_the_function_agree_on_overdue(book, org, client, django_assert_max_num_queries):
    expected = reports.overdue(org.finance, TODAY)
    client.force_login(org.finance)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("receivables:overdue"))
    answer = api(org.finance).get("/api/v1/receivables/overdue/").json()
    assert page.context["report"] == expected
    assert (answer["as_of"], answer["count"], answer["amount"]) == ("2027-01-15", 6, "42218.55")
    assert [(o["owner_id"], o["amount"], [(i["id"], i["days_overdue"], i["open"]) for i in o["invoices"]])
            for o in answer["owners"]] == [
        (o.owner_id, money(o.amount), [(i.id, i.days_overdue, money(i.open)) for i in o.invoices])
        for o in expected.owners
    ]  # fmt: skip
    i3 = answer["owners"][[o.owner_id for o in expected.owners].index(org.rep.pk)]["invoices"][0]
    assert i3["last_activity"]["subject"] == "催款电话：承诺 1 月底付款"
    html = page.content.decode()
    assert "催款电话：承诺 1 月底付款" in html
    assert 'name="as_of" value="2027-01-15"' in html  # the day used is shown, ready to change and share


def test_the_page_the_api_and_the_function_agree_on_expected_cash(book, org, client, django_assert_max_num_queries):
    expected = reports.expected_cash(org.rep, TODAY)
    client.force_login(org.rep)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("receivables:expected_cash"))
    answer = api(org.rep).get("/api/v1/receivables/expected-cash/").json()
    assert page.context["report"] == expected
    assert [(w["key"], w["invoices"], w["installments"], w["amount"]) for w in answer["windows"]] == [
        (w.key, money(w.invoices), money(w.installments), money(w.amount)) for w in expected.windows
    ]
    assert [(h["days"], h["amount"]) for h in answer["horizons"]] == [(30, "11328.00"), (60, "13828.00"),
                                                                       (90, "14828.00")]  # fmt: skip
    assert "¥14,828.00" in page.content.decode()


def test_a_filter_that_is_not_valid_is_refused_by_the_api_and_left_out_by_the_page(book, org, client):
    answer = api(org.finance).get("/api/v1/receivables/aging/?as_of=2026-13-01")
    assert (answer.status_code, answer.json()["error"]["code"], list(answer.json()["error"]["fields"])) == (
        400, "validation_error", ["as_of"],
    )  # fmt: skip
    client.force_login(org.finance)
    page = client.get(reverse("receivables:aging") + "?as_of=2026-13-01&owner=abc")
    assert page.status_code == 200
    assert page.context["report"] == reports.aging(org.finance, TODAY)
    assert set(page.context["form"].errors) == {"as_of", "owner"}


def test_the_views_need_a_signed_in_person(book, client):
    for name in ("aging", "dso", "overdue", "expected_cash"):
        assert client.get(reverse(f"receivables:{name}")).status_code == 302
    for path in ("aging", "dso", "overdue", "expected-cash"):
        assert APIClient().get(f"/api/v1/receivables/{path}/").status_code == 401
