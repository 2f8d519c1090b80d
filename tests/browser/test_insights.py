"""The dashboards in Chromium, as team A's manager and as a rep: the funnel, stage-time and rep charts draw (an
SVG inside each chart) with the figures, and the tables under them hold the same numbers."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from insights.tests.conftest import quarter  # noqa: F401 - the fixture
from leads.tests.conftest import _english  # noqa: F401 - the quarter's messages (the server answers in Chinese)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-pass-1"
Q1 = "start=2025-01-01&end=2025-03-31"


@pytest.fixture
def data(_defaults, transactional_db, org):
    for module in ("contracts.migrations.0002_defaults", "contracts.migrations.0004_handoff_defaults"):
        import_module(module).install(apps, None)
    for person in (org.manager, org.rep):
        person.set_password(PASSWORD)
        person.save()


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def counts(page: Page, table: str) -> list[str]:
    return [c.strip() for c in page.locator(f"#{table} tbody tr td:nth-child(2)").all_inner_texts()]


def drawn(page: Page, chart: str) -> None:
    node = page.locator(f"#{chart}")
    expect(node).to_have_attribute("data-drawn", "true")
    expect(node.locator("svg").first).to_be_visible()


def test_the_manager_and_the_rep_see_their_charts_drawn_with_their_numbers(page: Page, live_server, data, quarter, org):  # noqa: F811
    base = live_server.url
    log_in(page, base, org.manager.username)

    page.goto(f"{base}/insights/?{Q1}")
    drawn(page, "ltc-funnel-chart")
    assert counts(page, "ltc-funnel-table") == ["4", "3", "2", "2", "1", "1"]
    # the funnel's six trapezoids carry the counts
    assert page.locator("#ltc-funnel-chart svg path").count() >= 6
    expect(page.locator("#ltc-funnel-chart")).to_contain_text("4")

    page.goto(f"{base}/insights/stage-times/?{Q1}")
    drawn(page, "ltc-stage-times-chart")
    drawn(page, "ltc-stage-trend-chart")
    expect(page.locator("#ltc-bottleneck")).to_be_visible()

    page.goto(f"{base}/insights/reps/?{Q1}")
    drawn(page, "ltc-reps-chart")
    expect(page.locator("#ltc-reps-table tbody tr")).to_have_count(2)
    expect(page.locator("#ltc-reps-chart")).to_contain_text("50")

    page.goto(f"{base}/insights/?{Q1}&team={org.team_b.pk}")
    expect(page.locator("#ltc-insights-invalid")).to_be_visible()
    expect(page.locator("#ltc-funnel-chart")).to_have_count(0)

    page.context.clear_cookies()
    log_in(page, base, org.rep.username)
    page.goto(f"{base}/insights/?{Q1}")
    drawn(page, "ltc-funnel-chart")
    assert counts(page, "ltc-funnel-table") == ["3", "2", "1", "1", "1", "1"]
    page.goto(f"{base}/insights/reps/?{Q1}")
    drawn(page, "ltc-reps-chart")
    expect(page.locator("#ltc-reps-table tbody tr")).to_have_count(1)
    expect(page.locator("#ltc-reps-table tbody tr th")).to_have_text(str(org.rep))


def test_every_other_dashboard_draws_for_the_manager_and_keeps_the_rep_to_their_own(
    page: Page,
    live_server,
    data,
    quarter,  # noqa: F811
    org,
):
    from datetime import date

    from insights.services import target_set

    target_set(actor=org.manager, period_kind="quarter", period_start=date(2025, 1, 1), kind="cash",
               amount="100000.00", team=org.team_a)  # fmt: skip
    base = live_server.url
    log_in(page, base, org.manager.username)

    for url, charts in (
        ("/insights/receivables/", ["ltc-aging-chart", "ltc-collections-chart"]),
        ("/insights/customers/", ["ltc-clv-chart"]),
        ("/insights/channels/", ["ltc-channels-chart"]),
        ("/insights/targets/attainment/", ["ltc-attainment-chart"]),
    ):
        page.goto(f"{base}{url}?{Q1}")
        for chart in charts:
            drawn(page, chart)
    expect(page.locator("#ltc-attainment-table tbody tr").first).to_contain_text("100000.00")

    page.goto(f"{base}/insights/review/?team={org.team_a.pk}&period=month&start=2025-02-01")
    expect(page.locator("#ltc-review-targets-table")).to_be_visible()
    page.goto(f"{base}/insights/channels/?{Q1}&team={org.team_b.pk}")
    expect(page.locator("#ltc-insights-invalid")).to_be_visible()
    expect(page.locator("#ltc-channels-chart")).to_have_count(0)

    page.context.clear_cookies()
    log_in(page, base, org.rep.username)
    page.goto(f"{base}/insights/targets/attainment/?{Q1}")
    expect(page.locator("#ltc-attainment-table tbody th", has_text=str(org.team_a))).to_have_count(0)
    page.goto(f"{base}/insights/customers/?{Q1}")
    drawn(page, "ltc-clv-chart")
