"""Channel and campaign value on the quarter of conftest.py, worked out by hand.

Added: campaign 春季展会 (website, ¥6,000.00, January) brought L1; campaign 免费试用 (website, free, the quarter)
brought L4; campaign 旧活动 (referral, ¥1,000.00, mid-2024) brought nothing in the quarter.

By hand, Q1 as the administrator:
- website: L1, L2, L4 → 3 leads; deals L1, L4 (66.7 %); both won (66.7 %); cash from L1 only (33.3 %): ¥8,390.00
  from one customer; cost 6,000.00 + 0.00; cost per lead 2,000.00; CAC 6,000.00; return 8,390 ÷ 6,000 = 1.40
  - 春季展会: 1 lead, 1 deal, won, paid; cost 6,000.00 = cost per lead = CAC; return 1.40
  - 免费试用: 1 lead, 1 deal, won, no cash; cost 0.00, cost per lead 0.00; CAC and return — (nothing to divide)
- referral: L3, L5 → 2 leads; one deal (L3, lost); no cost of the period (旧活动 ran in 2024): CAC, return —
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from insights.channels import channel_value
from insights.scope import Scope
from leads.models import Campaign, Lead, Source
from leads.services import lead_setting_save

Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}
D = Decimal


@pytest.fixture
def campaigns(quarter, org):
    referral = Source.objects.exclude(code="website").order_by("pk").first()
    spring = lead_setting_save(actor=org.admin, setting=Campaign(
        name="春季展会", source=quarter.website, cost=D("6000.00"), currency="CNY",
        starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 31)))  # fmt: skip
    trial = lead_setting_save(actor=org.admin, setting=Campaign(
        name="免费试用", source=quarter.website, cost=D("0"), currency="CNY",
        starts_on=date(2025, 1, 1), ends_on=date(2025, 3, 31)))  # fmt: skip
    lead_setting_save(actor=org.admin, setting=Campaign(
        name="旧活动", source=referral, cost=D("1000.00"), currency="CNY",
        starts_on=date(2024, 6, 1), ends_on=date(2024, 7, 31)))  # fmt: skip
    # as if captured with them: the quarter's leads are converted, and a converted lead is closed to edits
    Lead.objects.filter(pk=quarter.leads["L1"].pk).update(campaign=spring)
    Lead.objects.filter(pk=quarter.leads["L4"].pk).update(campaign=trial)
    return quarter


def figures(row) -> tuple:
    return (
        row.name, row.leads, row.deal_rate, row.won_rate, row.cash_rate, row.customers, row.cost, row.cost_per_lead,
        row.cac, row.cash, row.roi,
    )  # fmt: skip


def test_channel_and_campaign_value(campaigns, org):
    result = channel_value(Scope.build(user=org.admin, **Q1))

    website, referral = (next(r for r in result.sources if r.id == s.pk) for s in _sources(campaigns))
    assert figures(website) == (
        str(campaigns.website), 3, 66.7, 66.7, 33.3, 1, D("6000.00"), D("2000.00"), D("6000.00"), D("8390.00"),
        D("1.40"),
    )  # fmt: skip
    assert [figures(c) for c in website.campaigns] == [
        ("免费试用", 1, 100.0, 100.0, 0.0, 0, D("0.00"), D("0.00"), None, D("0.00"), None),
        ("春季展会", 1, 100.0, 100.0, 100.0, 1, D("6000.00"), D("6000.00"), D("6000.00"), D("8390.00"), D("1.40")),
    ]  # fmt: skip
    assert figures(referral)[1:] == (2, 50.0, 0.0, 0.0, 0, D("0.00"), D("0.00"), None, D("0.00"), None)
    assert referral.campaigns == []
    assert figures(result.total)[1:] == (
        5, 60.0, 40.0, 20.0, 1, D("6000.00"), D("1200.00"), D("6000.00"), D("8390.00"), D("1.40"),
    )  # fmt: skip


def _sources(quarter):
    return [quarter.website, Source.objects.exclude(code="website").order_by("pk").first()]


def test_a_rep_sees_the_value_of_their_own_leads(campaigns, org):
    result = channel_value(Scope.build(user=org.rep, **Q1))

    # L1 (春季展会), L2 (website), L3 (referral); the teammate's L4 and team B's L5 are not theirs
    assert result.total.leads == 3
    website = next(r for r in result.sources if r.id == campaigns.website.pk)
    assert [(c.name, c.leads) for c in website.campaigns] == [("免费试用", 0), ("春季展会", 1)]


def test_a_period_without_leads_has_no_rows(campaigns, org):
    result = channel_value(Scope.build(user=org.admin, start=date(2023, 1, 1), end=date(2023, 3, 31)))

    assert result.sources == [] and result.total.leads == 0 and result.total.roi is None


def test_channel_value_has_a_query_budget(campaigns, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        channel_value(Scope.build(user=org.manager, **Q1))
