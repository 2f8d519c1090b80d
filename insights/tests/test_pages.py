"""The dashboards' pages, exports and API: the same numbers, the filters in the URL, bad input said not guessed,
another team's figures never shown."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from insights.forms import NOT_YOUR_TEAM

Q1 = "start=2025-01-01&end=2025-03-31"


@pytest.fixture
def as_manager(client, org):
    client.force_login(org.manager)
    client.cookies["ltc_language"] = "en"  # messages are asserted in English
    return client


def chart_data(response, name: str) -> dict:
    html = response.content.decode()
    start = html.index(f'id="{name}"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_dashboard_shows_the_managers_funnel_with_a_chart_and_its_table(quarter, org, as_manager):
    response = as_manager.get(f"/insights/?{Q1}")

    assert response.status_code == 200
    data = chart_data(response, "ltc-funnel-data")
    assert [(s["count"], s["amount"]) for s in data["total"]["stages"]] == [
        (4, None), (3, "41900.00"), (2, "33900.00"), (2, "33900.00"), (1, "11300.00"), (1, "8390.00"),
    ]  # fmt: skip
    html = response.content.decode()
    assert 'data-chart="funnel"' in html and 'id="ltc-funnel-table"' in html
    assert "Activity: each stage counts what happened in the period" in html
    assert str(org.other_rep) not in html


def test_another_teams_figures_are_refused_on_the_page_and_in_the_api(quarter, org, as_manager):
    page = as_manager.get(f"/insights/?{Q1}&team={org.team_b.pk}")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(org.manager)
    answer = api.get(f"/api/v1/insights/funnel/?{Q1}&team={org.team_b.pk}")

    assert page.status_code == 200
    assert str(NOT_YOUR_TEAM) in page.content.decode().replace("&#x27;", "'")
    assert 'id="ltc-funnel-data"' not in page.content.decode()
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "validation_error"
    assert answer.json()["error"]["fields"] == {"team": [str(NOT_YOUR_TEAM)]}


PAGES = ["/insights/", "/insights/stage-times/", "/insights/reps/", "/insights/leakage/leads/"]


@pytest.mark.parametrize("path", PAGES)
def test_unknown_values_are_a_message_not_a_500(quarter, org, as_manager, path):
    response = as_manager.get(f"{path}?start=yesterday&mode=weekly&team=abc")

    assert response.status_code == 200
    assert "Some filters are not valid" in response.content.decode()


def test_api_page_and_exports_say_the_same_numbers(quarter, org, as_manager):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(org.manager)

    funnel = api.get(f"/api/v1/insights/funnel/?{Q1}").json()
    stage_times = api.get(f"/api/v1/insights/stage-times/?{Q1}").json()
    reps = api.get(f"/api/v1/insights/reps/?{Q1}").json()
    page = chart_data(as_manager.get(f"/insights/reps/?{Q1}"), "ltc-reps-data")
    csv_rows = list(csv.reader(io.StringIO(b"".join(as_manager.get(f"/insights/export/funnel.csv?{Q1}")
                                                     .streaming_content).decode("utf-8-sig"))))  # fmt: skip
    sheet = load_workbook(io.BytesIO(as_manager.get(f"/insights/export/reps.xlsx?{Q1}").content)).active

    assert [s["count"] for s in funnel["total"]["stages"]] == [4, 3, 2, 2, 1, 1]
    assert stage_times["slowest"] == "due_paid"
    assert reps == page
    assert csv_rows[0] == ["Level", "Name", "Stage", "Count", "Amount", "Conversion (%)"]
    assert csv_rows[1:7] == [
        ["company", "Total", "Leads", "4", "", ""],
        ["company", "Total", "Opportunities", "3", "41900.00", "75.0"],
        ["company", "Total", "Won", "2", "33900.00", "66.7"],
        ["company", "Total", "Contracts signed", "2", "33900.00", "100.0"],
        ["company", "Total", "Accepted by the customer", "1", "11300.00", "50.0"],
        ["company", "Total", "Cash collected", "1", "8390.00", "100.0"],
    ]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Rep" and values[1][0] == "Total"
    assert {row[0] for row in values[2:]} == {str(org.rep), str(org.teammate)}


def test_a_rep_sees_their_own_figures_only(quarter, org, client):
    client.force_login(org.rep)
    client.cookies["ltc_language"] = "en"

    data = chart_data(client.get(f"/insights/reps/?{Q1}"), "ltc-reps-data")

    assert [r["name"] for r in data["reps"]] == [str(org.rep)]
    assert (data["total"]["won"], data["total"]["lost"], data["total"]["win_rate"]) == (1, 1, 50.0)


def test_leakage_lists_what_stopped_with_its_reasons(quarter, org, as_manager):
    leads = as_manager.get(f"/insights/leakage/leads/?{Q1}").content.decode()
    deals = as_manager.get(f"/insights/leakage/opportunities/?{Q1}").content.decode()

    assert "Disqualified: 没有预算" in leads and quarter.leads["L2"].get_absolute_url() in leads
    assert "孙丽" not in leads  # team B's lead
    assert "Lost: Price too high (用友)" in deals
    assert as_manager.get("/insights/leakage/cash/").status_code == 404


def test_pages_have_a_query_budget(quarter, org, as_manager, django_assert_max_num_queries):
    for path in ("/insights/", "/insights/stage-times/", "/insights/reps/"):
        with django_assert_max_num_queries(70):
            assert as_manager.get(f"{path}?{Q1}").status_code == 200
