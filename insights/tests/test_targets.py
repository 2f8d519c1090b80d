"""Targets and attainment on the quarter of conftest.py, worked out by hand.

Added to the quarter:
- on 03-20 ¥1,000.00 arrives on C1's acceptance invoice (rep) and is reversed on 03-25 (it bounced);
- on 04-15 ¥10,000.00 arrives on C4's invoice (teammate), issued 03-17;
- the rep opens a deal of ¥40,000.00 (Qualification, 10 %) expected to close 03-25; the teammate one of
  ¥30,000.00 expected 05-10; team B's O6 has no expected close date.

By hand, Q1 (01-01 to 03-31):
- cash: rep 3,390.00 (03-01) + 5,000.00 (03-10) + 1,000.00 − 1,000.00 (03-20, reversed) = 8,390.00; teammate 0.00
- bookings: rep C1 11,300.00 (02-03); teammate C4 22,600.00 (02-15)
- pipeline: rep 40,000.00 × 10 % = 4,000.00; teammate 0.00 (expected in May)
- installments due in Q1 still open: rep C1's acceptance installment 7,910.00 − 5,000.00 = 2,910.00 (due 03-02);
  teammate C4's 22,600.00 − 10,000.00 = 12,600.00 (due 03-17)
Q2 (04-01 to 06-30): the Q1 payments are before the period: rep 0.00; teammate 10,000.00; pipeline teammate
3,000.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from customers.services import account_create
from insights.models import Target
from insights.scope import Scope
from insights.services import (
    TARGET_AMOUNT,
    TARGET_CURRENCY,
    TARGET_NOT_ALLOWED,
    TARGET_NOT_YOUR_TEAM,
    TARGET_PERIOD,
    TargetInput,
    target_set,
    targets_set,
)
from insights.targets import attainment
from insights.tests.conftest import at
from ltc.errors import DomainError
from opportunities.services import opportunity_create
from receivables.models import Invoice, Payment
from receivables.services import (
    invoice_create_from_installment,
    invoice_issue,
    payment_record,
    payment_reverse,
)

Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}
Q2 = {"start": date(2025, 4, 1), "end": date(2025, 6, 30)}
D = Decimal


@pytest.fixture
def booked(quarter, org):
    c1, c4 = quarter.contracts["C1"], quarter.contracts["C4"]
    with time_machine.travel(at(3, 20), tick=False):
        invoice = Invoice.objects.get(installment__contract=c1, installment__position=2)
        payment = payment_record(actor=org.finance, account=c1.account, payer=c1.account.name,
                                 received_on=date(2025, 3, 20), amount="1000.00",
                                 allocations=[(invoice, "1000.00")])  # fmt: skip
    with time_machine.travel(at(3, 25), tick=False):
        payment_reverse(actor=org.finance, payment=Payment.objects.get(pk=payment.pk), reason="退票")
    with time_machine.travel(at(3, 17), tick=False):
        invoice = invoice_create_from_installment(actor=org.finance, installment=c4.installments.get(position=1))
        invoice_issue(actor=org.finance, invoice=invoice, issued_on=date(2025, 3, 17))
    with time_machine.travel(at(4, 15), tick=False):
        payment_record(actor=org.finance, account=c4.account, payer=c4.account.name, received_on=date(2025, 4, 15),
                       amount="10000.00", allocations=[(Invoice.objects.get(pk=invoice.pk), "10000.00")])  # fmt: skip
    with time_machine.travel(at(3, 5), tick=False):
        mine = account_create(actor=org.rep, owner=org.rep, name="新客户甲")
        opportunity_create(actor=org.rep, account=mine, name="甲项目", amount="40000",
                           expected_close_date=date(2025, 3, 25))  # fmt: skip
        theirs = account_create(actor=org.teammate, owner=org.teammate, name="新客户乙")
        opportunity_create(actor=org.teammate, account=theirs, name="乙项目", amount="30000",
                           expected_close_date=date(2025, 5, 10))  # fmt: skip
    # the manager's targets: the rep's quarter for cash replaces their months; a month for bookings
    entries = [
        TargetInput("quarter", date(2025, 1, 1), "cash", "20000", user=org.rep),
        *[TargetInput("month", date(2025, m, 1), "cash", "5000", user=org.rep) for m in (1, 2, 3)],
        TargetInput("month", date(2025, 2, 1), "bookings", "10000", user=org.rep),
        TargetInput("month", date(2025, 3, 1), "cash", "30000.00", user=org.teammate),
        TargetInput("quarter", date(2025, 1, 1), "cash", "50000", team=org.team_a),
        TargetInput("month", date(2025, 4, 1), "cash", "8000", user=org.teammate),
    ]
    targets_set(actor=org.manager, entries=entries)
    return quarter


def table(rows) -> dict:
    return {
        (r.level, r.subject_id, r.kind): (
            r.target,
            r.actual,
            r.gap,
            r.rate,
            r.forecast_pipeline,
            r.forecast_installments,
        )
        for r in rows
    }


def test_attainment_of_a_quarter_for_the_manager(booked, org):
    rows = attainment(scope=Scope.build(user=org.manager, **Q1), **Q1)

    a, rep, mate = org.team_a.pk, org.rep.pk, org.teammate.pk
    # (target, actual, gap, rate, forecast from the pipeline, from the payment plans)
    assert table(rows) == {
        ("team", a, "cash"): (D("50000.00"), D("8390.00"), D("41610.00"), D("16.8"), D("4000.00"), D("15510.00")),
        ("team", a, "bookings"): (None, D("33900.00"), None, None, D("4000.00"), D("15510.00")),
        ("rep", rep, "cash"): (D("20000.00"), D("8390.00"), D("11610.00"), D("42.0"), D("4000.00"), D("2910.00")),
        ("rep", rep, "bookings"): (D("10000.00"), D("11300.00"), D("-1300.00"), D("113.0"), D("4000.00"), D("2910.00")),
        ("rep", mate, "cash"): (D("30000.00"), D("0.00"), D("30000.00"), D("0.0"), D("0.00"), D("12600.00")),
        ("rep", mate, "bookings"): (None, D("22600.00"), None, None, D("0.00"), D("12600.00")),
    }  # fmt: skip
    # teams first, then reps; cash before bookings
    assert [(r.level, r.kind) for r in rows[:2]] == [("team", "cash"), ("team", "bookings")]


def test_a_payment_before_the_period_is_not_counted(booked, org):
    rows = table(attainment(scope=Scope.build(user=org.manager, **Q2), **Q2))

    assert rows[("rep", org.teammate.pk, "cash")] == (D("8000.00"), D("10000.00"), D("-2000.00"), D("125.0"),
                                                 D("3000.00"), D("0.00"))  # fmt: skip
    assert ("rep", org.rep.pk, "cash") not in rows  # nothing in Q2: no target, no money, no forecast
    assert rows[("team", org.team_a.pk, "cash")][1] == D("10000.00")


def test_a_rep_sees_their_own_rows_only(booked, org):
    rows = attainment(scope=Scope.build(user=org.rep, **Q1), **Q1)

    assert {(r.level, r.subject_id, r.label) for r in rows} == {("rep", org.rep.pk, str(org.rep))}


def test_the_admin_sees_every_team_and_a_period_without_data_is_empty(booked, org):
    ordered = attainment(scope=Scope.build(user=org.admin, **Q1), **Q1)
    rows = table(ordered)
    empty = attainment(scope=Scope.build(user=org.manager, **Q1), start=date(2024, 1, 1), end=date(2024, 3, 31))

    parent = org.team_a.parent_id
    assert rows[("team", parent, "cash")][1] == D("8390.00")
    assert ordered[0].subject_id == parent  # the team above the others comes first
    assert ("team", org.team_b.pk, "cash") not in rows  # O6 has no expected close date, nothing else
    assert empty == []


def test_a_team_filter_narrows_the_rows(booked, org):
    rows = attainment(scope=Scope.build(user=org.admin, team=org.team_sub.pk, **Q1), **Q1)

    assert rows == []


def test_attainment_has_a_query_budget(booked, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        attainment(scope=Scope.build(user=org.manager, **Q1), **Q1)


# --- setting targets ----------------------------------------------------------------------------------------------


def _snapshot():
    return sorted(Target.objects.values_list("user_id", "team_id", "period_kind", "period_start", "kind", "amount"))


def test_a_manager_sets_and_changes_a_target_of_their_sub_team(org):
    target = target_set(actor=org.manager, user=org.sub_rep, period_kind="month", period_start=date(2025, 5, 1),
                        kind="bookings", amount="12,500.5")  # fmt: skip
    again = target_set(actor=org.manager, user=org.sub_rep, period_kind="month", period_start=date(2025, 5, 1),
                       kind="bookings", amount="13000")  # fmt: skip

    assert again is not None and target is not None and again.pk == target.pk
    assert _snapshot() == [(org.sub_rep.pk, None, "month", date(2025, 5, 1), "bookings", D("13000.00"))]
    assert again.set_by == org.manager and again.currency == "CNY"


def test_an_empty_amount_clears_a_target(org):
    target_set(actor=org.admin, team=org.team_b, period_kind="quarter", period_start=date(2025, 4, 1),
               kind="cash", amount="1")  # fmt: skip
    target_set(actor=org.admin, team=org.team_b, period_kind="quarter", period_start=date(2025, 4, 1),
               kind="cash", amount="")  # fmt: skip

    assert _snapshot() == []


REFUSALS = [
    ("rep", {"user": "rep"}, "1000", None, "month", date(2025, 5, 1), TARGET_NOT_ALLOWED),
    ("manager", {"user": "other_rep"}, "1000", None, "month", date(2025, 5, 1), TARGET_NOT_YOUR_TEAM),
    ("manager", {"team": "team_b"}, "1000", None, "month", date(2025, 5, 1), TARGET_NOT_YOUR_TEAM),
    ("manager", {"user": "manager"}, "1000", None, "month", date(2025, 5, 1), TARGET_NOT_YOUR_TEAM),
    ("manager", {"user": "rep"}, "-1", None, "month", date(2025, 5, 1), TARGET_AMOUNT),
    ("manager", {"user": "rep"}, "12abc", None, "month", date(2025, 5, 1), TARGET_AMOUNT),
    ("manager", {"user": "rep"}, "1.005", None, "month", date(2025, 5, 1), TARGET_AMOUNT),
    ("manager", {"user": "rep"}, "1000", "USD", "month", date(2025, 5, 1), TARGET_CURRENCY),
    ("manager", {"user": "rep"}, "1000", None, "quarter", date(2025, 5, 1), TARGET_PERIOD),
    ("manager", {"user": "rep"}, "1000", None, "month", date(2025, 5, 2), TARGET_PERIOD),
]


@pytest.mark.parametrize(("actor", "subject", "amount", "currency", "period_kind", "start", "code"), REFUSALS)
def test_refused_targets_write_nothing(org, actor, subject, amount, currency, period_kind, start, code):
    # given a target already there
    target_set(actor=org.manager, user=org.rep, period_kind="month", period_start=date(2025, 5, 1), kind="cash",
               amount="500")  # fmt: skip
    before = _snapshot()
    who = {k: getattr(org, v) for k, v in subject.items()}

    with pytest.raises(DomainError) as refused:
        target_set(actor=getattr(org, actor), period_kind=period_kind, period_start=start, kind="cash",
                   amount=amount, currency=currency, **who)  # fmt: skip

    assert refused.value.code == code
    assert _snapshot() == before


def test_several_targets_are_all_or_nothing(org):
    entries = [
        TargetInput("month", date(2025, 5, 1), "cash", "100", user=org.rep),
        TargetInput("month", date(2025, 5, 1), "cash", "100", user=org.other_rep),
    ]

    with pytest.raises(DomainError):
        targets_set(actor=org.manager, entries=entries)

    assert _snapshot() == []
