"""Targets, attainment and channel value in the pages, exports and API: the same numbers, bad input said, another
team's figures never shown, a refused target writing nothing."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from insights.forms import NOT_YOUR_TEAM
from insights.models import Target
from insights.tests.test_channels import campaigns  # noqa: F401 - fixture
from insights.tests.test_pages import chart_data
from insights.tests.test_targets import booked  # noqa: F401 - fixture

Q1 = "start=2025-01-01&end=2025-03-31"


def _client(client, user):
    client.force_login(user)
    client.cookies["ltc_language"] = "en"
    return client


def _api(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def _targets():
    rows = Target.objects.values_list("user_id", "team_id", "period_kind", "period_start", "kind", "amount")
    return sorted(rows, key=lambda r: (r[0] or 0, r[1] or 0, r[2], r[3], r[4]))


def test_the_attainment_page_api_and_export_say_the_same(booked, org, client):  # noqa: F811
    page = _client(client, org.manager).get(f"/insights/targets/attainment/?{Q1}")
    api = _api(org.manager).get(f"/api/v1/insights/attainment/?{Q1}").json()
    rows = list(csv.reader(io.StringIO(b"".join(client.get(f"/insights/growth-export/attainment.csv?{Q1}")
                                                .streaming_content).decode("utf-8-sig"))))  # fmt: skip

    assert page.status_code == 200
    data = chart_data(page, "ltc-attainment-data")
    assert data == api
    team_cash = data["rows"][0]
    assert (team_cash["name"], team_cash["kind"], team_cash["target"], team_cash["actual"], team_cash["gap"],
            team_cash["rate"], team_cash["forecast_pipeline"], team_cash["forecast_installments"]) == (
        "A 组", "cash", "50000.00", "8390.00", "41610.00", "16.8", "4000.00", "15510.00")  # fmt: skip
    html = page.content.decode()
    assert 'data-chart="attainment_gauge"' in html and 'id="ltc-attainment-table"' in html
    assert "Forecast from the pipeline: Σ amount × the stage" in html and "Forecast from the payment plans" in html
    assert str(org.other_rep) not in html
    assert rows[0][:7] == ["Level", "Name", "Kind", "Target", "Actual", "Gap", "Attainment (%)"]
    assert rows[1] == [
        "team",
        "A 组",
        "Cash received",
        "50000.00",
        "8390.00",
        "41610.00",
        "16.8",
        "4000.00",
        "15510.00",
    ]


def test_another_teams_attainment_is_refused(booked, org, client):  # noqa: F811
    page = _client(client, org.manager).get(f"/insights/targets/attainment/?{Q1}&team={org.team_b.pk}")
    api = _api(org.manager).get(f"/api/v1/insights/attainment/?{Q1}&team={org.team_b.pk}")

    assert page.status_code == 200
    assert str(NOT_YOUR_TEAM) in page.content.decode().replace("&#x27;", "'")
    assert "ltc-attainment-data" not in page.content.decode()
    assert api.status_code == 400 and api.json()["error"]["fields"] == {"team": [str(NOT_YOUR_TEAM)]}


def test_a_rep_sees_their_own_attainment_and_an_empty_period_says_so(booked, org, client):  # noqa: F811
    data = chart_data(_client(client, org.rep).get(f"/insights/targets/attainment/?{Q1}"), "ltc-attainment-data")
    empty = client.get("/insights/targets/attainment/?start=2024-01-01&end=2024-03-31").content.decode()

    assert {(r["level"], r["name"]) for r in data["rows"]} == {("rep", str(org.rep))}
    assert 'id="ltc-attainment-empty"' in empty


@pytest.mark.parametrize("path", ["/insights/targets/attainment/", "/insights/channels/"])
def test_unknown_values_are_a_message_not_a_500(org, client, path):
    response = _client(client, org.manager).get(f"{path}?start=yesterday&team=abc&source=999999")

    assert response.status_code == 200
    assert "Some filters are not valid" in response.content.decode()


def test_a_manager_saves_the_grid_all_or_nothing(org, client):
    c = _client(client, org.manager)
    page = c.get("/insights/targets/?quarter=2025-Q2&kind=bookings")
    rep_april = f"t-rep-{org.rep.pk}-m-20250401"
    team_quarter = f"t-team-{org.team_a.pk}-q-20250401"
    assert rep_april in page.content.decode() and f"t-rep-{org.other_rep.pk}-" not in page.content.decode()

    saved = c.post("/insights/targets/?quarter=2025-Q2&kind=bookings", {rep_april: "12,000", team_quarter: "90000"})
    refused = c.post("/insights/targets/?quarter=2025-Q2&kind=bookings", {rep_april: "13000", team_quarter: "-5"})

    assert saved.status_code == 302
    expected = [
        (None, org.team_a.pk, "quarter", date(2025, 4, 1), "bookings", Decimal("90000.00")),
        (org.rep.pk, None, "month", date(2025, 4, 1), "bookings", Decimal("12000.00")),
    ]
    assert _targets() == expected
    assert refused.status_code == 400 and "Nothing was saved" in refused.content.decode()
    assert _targets() == expected


def test_a_rep_sees_the_grid_read_only_and_cannot_post(org, client):
    c = _client(client, org.rep)
    page = c.get("/insights/targets/").content.decode()
    today = date.today()
    refused = c.post("/insights/targets/", {f"t-rep-{org.rep.pk}-m-{today:%Y%m}01": "1"})

    assert "disabled" in page and "Save all" not in page
    assert refused.status_code == 403 and _targets() == []


def test_a_malformed_quarter_is_a_message(org, client):
    response = _client(client, org.manager).get("/insights/targets/?quarter=2025-Q9&kind=x")

    assert response.status_code == 400 and 'id="ltc-targets-invalid"' in response.content.decode()


API_REFUSALS = [
    ("rep", {"rep": "rep"}, {}, 403, "target_not_allowed"),
    ("manager", {"rep": "other_rep"}, {}, 403, "target_not_your_team"),
    ("manager", {"team": "team_b"}, {}, 403, "target_not_your_team"),
    ("manager", {"rep": "rep"}, {"amount": "-1"}, 400, "target_amount"),
    ("manager", {"rep": "rep"}, {"currency": "USD"}, 400, "target_currency"),
    ("manager", {"rep": "rep"}, {"period_start": "2025-05-02"}, 400, "target_period"),
]


@pytest.mark.parametrize(("actor", "subject", "change", "status", "code"), API_REFUSALS)
def test_the_api_refuses_a_target_with_its_code_and_writes_nothing(org, actor, subject, change, status, code):
    body = {"period_kind": "month", "period_start": "2025-05-01", "kind": "cash", "amount": "1000", **change}
    body |= {k: getattr(org, v).pk for k, v in subject.items()}

    answer = _api(getattr(org, actor)).post("/api/v1/insights/targets/", body, format="json")

    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert _targets() == []


def test_the_api_sets_a_target_and_lists_it_with_the_attainment(org):
    api = _api(org.manager)
    body = {"rep": org.rep.pk, "period_kind": "quarter", "period_start": "2025-01-01", "kind": "cash", "amount": "9"}

    answer = api.post("/api/v1/insights/targets/", body, format="json")
    listed = api.get(f"/api/v1/insights/targets/?{Q1}").json()

    assert answer.status_code == 200 and answer.json()["amount"] == "9.00"
    assert [(t["rep"], t["amount"]) for t in listed["targets"]] == [(org.rep.pk, "9.00")]
    assert [(r["name"], r["kind"], r["target"], r["actual"]) for r in listed["rows"]] == [
        (str(org.rep), "cash", "9.00", "0.00"), (str(org.rep), "bookings", None, "0.00"),
    ]  # fmt: skip


def test_the_channel_page_api_and_excel_say_the_same(campaigns, org, client):  # noqa: F811
    page = _client(client, org.admin).get(f"/insights/channels/?{Q1}")
    api = _api(org.admin).get(f"/api/v1/insights/channels/?{Q1}").json()
    sheet = load_workbook(io.BytesIO(client.get(f"/insights/growth-export/channels.xlsx?{Q1}").content)).active

    data = chart_data(page, "ltc-channels-data")
    assert data == api
    assert (data["total"]["leads"], data["total"]["cost"], data["total"]["cac"], data["total"]["return"]) == (
        5, "6000.00", "6000.00", "1.40")  # fmt: skip
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[-1][3:] == [5, 60.0, 40.0, 20.0, 1, 6000, 1200, 6000, 8390, 1.4]
    trial = next(row for row in values if row[2] == "免费试用")
    assert trial[8:] == [0, 0, None, 0, None]  # cost 0, cost per lead 0; CAC and return: nothing to divide by


def test_growth_pages_have_a_query_budget(booked, org, client, django_assert_max_num_queries):  # noqa: F811
    c = _client(client, org.manager)
    for path in ("/insights/targets/attainment/", "/insights/channels/", "/insights/targets/?quarter=2025-Q1"):
        with django_assert_max_num_queries(40):
            assert c.get(f"{path}{'&' if '?' in path else '?'}{Q1}").status_code == 200
