"""The funnel of the quarter in conftest.py, each figure worked out by hand from the story told there."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from insights.forms import NOT_YOUR_TEAM, InsightFilter
from insights.funnel import funnel
from insights.scope import COHORT, Scope

Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}


def figures(row) -> list[tuple]:
    return [(s.key, s.count, s.amount, s.conversion) for s in row.stages]


def test_activity_funnel_of_the_quarter_for_the_company(quarter, org):
    # given the quarter; when an administrator reads Q1 by activity
    result = funnel(Scope.build(user=org.admin, **Q1), breakdown=False)

    # then: 5 leads (L1–L5); 4 deals (O1 ¥11,300 after its quote, O3 ¥8,000, O4 ¥22,600, O6 ¥50,000);
    # 2 won (O1, O4); 2 signed (C1, C4); 1 accepted (C1's order); cash on C1: 3,390 + 5,000
    assert figures(result.total) == [
        ("leads", 5, None, None),
        ("opportunities", 4, Decimal("91900.00"), 80.0),
        ("won", 2, Decimal("33900.00"), 50.0),
        ("signed", 2, Decimal("33900.00"), 100.0),
        ("accepted", 1, Decimal("11300.00"), 50.0),
        ("cash", 1, Decimal("8390.00"), 100.0),
    ]
    assert result.total.overall == 20.0


def test_activity_in_february_counts_what_happened_in_february(quarter, org):
    result = funnel(Scope.build(user=org.admin, start=date(2025, 2, 1), end=date(2025, 2, 28)), breakdown=False)

    # L3; O3; O4 won 02-10; C1 signed 02-03 and C4 02-15; C1's order accepted 02-20; no money arrived in February
    assert figures(result.total) == [
        ("leads", 1, None, None),
        ("opportunities", 1, Decimal("8000.00"), 100.0),
        ("won", 1, Decimal("22600.00"), 100.0),
        ("signed", 2, Decimal("33900.00"), 200.0),
        ("accepted", 1, Decimal("11300.00"), 50.0),
        ("cash", 0, Decimal("0.00"), 0.0),
    ]


def test_a_cohort_follows_januarys_leads_to_today(quarter, org):
    january = funnel(
        Scope.build(user=org.admin, start=date(2025, 1, 1), end=date(2025, 1, 31), mode=COHORT), breakdown=False
    )
    march = funnel(
        Scope.build(user=org.admin, start=date(2025, 3, 1), end=date(2025, 3, 31), mode=COHORT), breakdown=False
    )

    # January's leads: L1, L2, L4, L5; their deals O1 and O4, both won and signed; C1 accepted and paid in March
    assert figures(january.total) == [
        ("leads", 4, None, None),
        ("opportunities", 2, Decimal("33900.00"), 50.0),
        ("won", 2, Decimal("33900.00"), 100.0),
        ("signed", 2, Decimal("33900.00"), 100.0),
        ("accepted", 1, Decimal("11300.00"), 50.0),
        ("cash", 1, Decimal("8390.00"), 100.0),
    ]
    # March: no lead, one deal opened without a lead (O6)
    assert figures(march.total)[:3] == [
        ("leads", 0, None, None),
        ("opportunities", 1, Decimal("50000.00"), None),
        ("won", 0, Decimal("0.00"), 0.0),
    ]


def test_each_person_sees_their_own_funnel(quarter, org):
    rep = funnel(Scope.build(user=org.rep, **Q1), breakdown=False)
    manager = funnel(Scope.build(user=org.manager, **Q1), breakdown=False)

    # the rep: L1, L2, L3; O1, O3 (¥19,300); O1 won, signed, accepted, paid
    assert [(s.count, s.amount) for s in rep.total.stages] == [
        (3, None), (2, Decimal("19300.00")), (1, Decimal("11300.00")), (1, Decimal("11300.00")),
        (1, Decimal("11300.00")), (1, Decimal("8390.00")),
    ]  # fmt: skip
    # team A's manager: the rep's and the teammate's, never team B's (L5, O6)
    assert [(s.count, s.amount) for s in manager.total.stages] == [
        (4, None), (3, Decimal("41900.00")), (2, Decimal("33900.00")), (2, Decimal("33900.00")),
        (1, Decimal("11300.00")), (1, Decimal("8390.00")),
    ]  # fmt: skip


def test_per_team_and_per_rep_funnels_add_up(quarter, org):
    result = funnel(Scope.build(user=org.admin, **Q1))

    reps = {row.label: [s.count for s in row.stages] for row in result.reps}
    teams = {row.label: [s.count for s in row.stages] for row in result.teams}
    assert reps == {
        str(org.rep): [3, 2, 1, 1, 1, 1],
        str(org.teammate): [1, 1, 1, 1, 0, 0],
        str(org.other_rep): [1, 1, 0, 0, 0, 0],
    }
    assert teams == {"A 组": [4, 3, 2, 2, 1, 1], "B 组": [1, 1, 0, 0, 0, 0]}


def test_filters_narrow_by_grade_channel_and_team(quarter, org):
    grade_a = funnel(Scope.build(user=org.admin, grade="A", **Q1), breakdown=False)
    website = funnel(Scope.build(user=org.admin, source=quarter.website.pk, **Q1), breakdown=False)
    team_b = funnel(Scope.build(user=org.admin, team=org.team_b.pk, **Q1), breakdown=False)

    assert quarter.leads["L1"].grade == "A" and {quarter.leads[k].grade for k in ("L2", "L3", "L4", "L5")} != {"A"}
    assert [s.count for s in grade_a.total.stages] == [1, 1, 1, 1, 1, 1]
    # the website brought L1, L2 and L4 (O6 came without a lead, so without a channel)
    assert [s.count for s in website.total.stages] == [3, 2, 2, 2, 1, 1]
    assert [s.count for s in team_b.total.stages] == [1, 1, 0, 0, 0, 0]


def test_a_manager_asking_for_another_teams_figures_is_refused(quarter, org):
    form = InsightFilter({"team": str(org.team_b.pk)}, user=org.manager)

    assert form.scope() is None
    assert form.errors["team"] == [str(NOT_YOUR_TEAM)]


@pytest.mark.parametrize(
    "params, field",
    [({"start": "2025-13-01"}, "start"), ({"mode": "weekly"}, "mode"), ({"grade": "Z"}, "grade"),
     ({"source": "abc"}, "source"), ({"start": "2025-03-01", "end": "2025-01-01"}, "end"),
     ({"owner": "999999"}, "owner")],
)  # fmt: skip
def test_unknown_filter_values_are_said_not_guessed(quarter, org, params, field):
    form = InsightFilter(params, user=org.rep)

    assert form.scope() is None
    assert field in form.errors


def test_the_funnel_has_a_query_budget(quarter, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(24):
        funnel(Scope.build(user=org.manager, team=org.team_a.pk, **Q1))
