"""Receivables and customer value on the quarter of conftest.py, worked out by hand.

Besides the quarter: the teammate's contract C4 (¥22,600.00, all at signing, due 02-15 + 30 days = 03-17) is
invoiced on 02-15 and ¥10,000.00 of it arrives on 03-20.

Cash by day: C1's customer ¥3,390.00 on 03-01 and ¥5,000.00 on 03-10; C4's customer ¥10,000.00 on 03-20.
As of 03-31: C1's acceptance invoice (¥7,910.00 due 03-02) has ¥2,910.00 open, 29 days overdue; C4's invoice
has ¥12,600.00 open, 14 days overdue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from insights.customers import customer_value, receivables_summary
from insights.forms import NOT_YOUR_TEAM
from insights.scope import Scope
from insights.tests.conftest import _paid, at

Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}
D = Decimal


@pytest.fixture
def paid_quarter(quarter, org):
    _paid(org, quarter.contracts["C4"], 1, at(2, 15, 15), at(3, 20), "10000.00")
    return quarter


def test_collections_per_month_aging_dso_and_overdue_by_owner(paid_quarter, org):
    result = receivables_summary(Scope.build(user=org.admin, **Q1))

    assert [(m.month, m.amount, m.payments) for m in result.collections] == [
        (date(2025, 1, 1), D("0"), 0), (date(2025, 2, 1), D("0"), 0), (date(2025, 3, 1), D("18390.00"), 3),
    ]  # fmt: skip
    assert result.collected == D("18390.00")
    assert {b.key: (b.count, b.amount) for b in result.aging.buckets if b.count} == {"1_30": (2, D("15510.00"))}
    # DSO: 15,510.00 open at 03-31 ÷ 33,900.00 invoiced in Q1 (3,390 + 7,910 + 22,600) × 90 days = 41.18
    assert result.dso.company.dso == D("41.2")
    assert [(o.name, o.count, o.amount, o.days) for o in result.overdue] == [
        (str(org.teammate), 1, D("12600.00"), 14), (str(org.rep), 1, D("2910.00"), 29),
    ]  # fmt: skip
    assert [(i.days, i.open) for i in result.overdue_lines] == [(29, D("2910.00")), (14, D("12600.00"))]


def test_lifetime_value_of_two_customers_cumulative_by_month(paid_quarter, org):
    c1 = paid_quarter.contracts["C1"].account
    c4 = paid_quarter.contracts["C4"].account

    result = customer_value(Scope.build(user=org.admin, start=date(2025, 2, 1), end=date(2025, 4, 30)))

    assert result.accounts == 2 and result.lifetime == D("18390.00")
    assert [(a.id, a.lifetime, a.in_period, a.first_cash, a.cumulative) for a in result.top] == [
        (c4.pk, D("10000.00"), D("10000.00"), date(2025, 3, 20), [D("0"), D("10000.00"), D("10000.00")]),
        (c1.pk, D("8390.00"), D("8390.00"), date(2025, 3, 1), [D("0"), D("8390.00"), D("8390.00")]),
    ]  # fmt: skip
    assert result.average == D("9195.00")


def test_new_and_repeat_customers(paid_quarter, org):
    # from 03-05: C1's customer first paid on 03-01 (repeat, ¥5,000.00 in the period); C4's first on 03-20 (new)
    result = customer_value(Scope.build(user=org.admin, start=date(2025, 3, 5), end=date(2025, 3, 31)))

    assert (result.new, result.new_amount) == (1, D("10000.00"))
    assert (result.repeat, result.repeat_amount) == (1, D("5000.00"))
    # the cumulative lifetime cash at the month's end counts what came before the period
    assert [a.cumulative for a in result.top] == [[D("10000.00")], [D("8390.00")]]


def test_a_rep_sees_only_their_own_receivables_and_customers(paid_quarter, org):
    scope = Scope.build(user=org.rep, **Q1)

    receivables = receivables_summary(scope)
    customers = customer_value(scope)

    assert receivables.collected == D("8390.00")
    assert [(o.name, o.amount) for o in receivables.overdue] == [(str(org.rep), D("2910.00"))]
    assert [a.id for a in customers.top] == [paid_quarter.contracts["C1"].account_id]


def test_an_empty_period_is_zero_not_an_error(paid_quarter, org, client):
    client.force_login(org.manager)
    client.cookies["ltc_language"] = "en"

    result = customer_value(Scope.build(user=org.manager, start=date(2024, 1, 1), end=date(2024, 1, 31)))
    page = client.get("/insights/customers/?start=2024-01-01&end=2024-01-31")

    assert (result.accounts, result.top, result.new, result.repeat) == (0, [], 0, 0)
    assert page.status_code == 200
    assert "No cash collected up to the period" in page.content.decode()


def test_pages_api_and_exports_say_the_same_and_refuse_another_team(paid_quarter, org, client):
    client.force_login(org.manager)
    client.cookies["ltc_language"] = "en"
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(org.manager)
    q = "start=2025-01-01&end=2025-03-31"

    receivables = api.get(f"/api/v1/insights/receivables/?{q}").json()
    customers = api.get(f"/api/v1/insights/customers/?{q}").json()
    page = client.get(f"/insights/receivables/?{q}").content.decode()
    csv_text = b"".join(client.get(f"/insights/value-export/receivables.csv?{q}").streaming_content).decode()
    xlsx = client.get(f"/insights/value-export/customers.xlsx?{q}")
    refused = api.get(f"/api/v1/insights/receivables/?{q}&team={org.team_b.pk}")
    refused_page = client.get(f"/insights/customers/?{q}&team={org.team_b.pk}").content.decode()

    assert receivables["collected"] == "18390.00" and receivables["dso"]["dso_days"] == "41.2"
    assert [m["amount"] for m in receivables["collections"]] == ["0.00", "0.00", "18390.00"]
    assert customers["new"] == {"count": 2, "amount": "18390.00"}
    assert customers["repeat"] == {"count": 0, "amount": "0.00"}
    assert 'id="ltc-receivables-data"' in page and "¥18,390.00" in page
    assert "Collections,2025-03,3,18390.00" in csv_text.replace("\r", "")
    assert xlsx.status_code == 200
    assert refused.status_code == 400 and refused.json()["error"]["fields"] == {"team": [str(NOT_YOUR_TEAM)]}
    assert str(NOT_YOUR_TEAM) in refused_page.replace("&#x27;", "'") and "ltc-customers-data" not in refused_page


@pytest.mark.parametrize("path", ["/insights/receivables/", "/insights/customers/"])
def test_query_count_is_bounded(paid_quarter, org, client, path):
    client.force_login(org.manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{path}?start=2025-01-01&end=2025-03-31")
    assert response.status_code == 200
    assert len(queries) <= 25
