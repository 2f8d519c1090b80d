"""Days in each stage on the quarter of conftest.py, worked out by hand (percentile_cont interpolates: the 80th
percentile of 3, 4 and 10 days sits 0.6 of the way from 4 to 10, 7.6)."""

from __future__ import annotations

from datetime import date

from insights.scope import Scope
from insights.stages import Figure, stage_times

Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}


def test_medians_and_80th_percentiles_of_each_stage(quarter, org):
    result = stage_times(Scope.build(user=org.admin, **Q1))

    by_key = {s.key if not s.key.startswith("stage_") else str(s.label): s for s in result.stages}
    # leads: L1 4 days (01-06 → 01-10), L3 3 (02-01 → 02-04), L4 10 (01-15 → 01-25)
    assert by_key["lead"].total == Figure(3, 4.0, 7.6)
    # Qualification: O1 4 days (01-10 → 01-14), O3 16 (02-04 → lost 02-20); O4 and O6 are still in it
    assert by_key["Qualification"].total == Figure(2, 10.0, 13.6)
    # Needs analysis: O1 7 days (01-14 → won 01-21)
    assert by_key["Needs analysis"].total == Figure(1, 7.0, 7.0)
    # won → signed: C1 14 days (quote 01-20 → 02-03), C4 5 (02-10 → 02-15)
    assert by_key["won_signed"].total == Figure(2, 9.5, 12.2)
    assert by_key["signed_handoff"].total == Figure(1, 2.0, 2.0)  # 02-03 → 02-05
    assert by_key["delivered_accepted"].total == Figure(1, 10.0, 10.0)  # 02-10 → 02-20
    assert by_key["due_paid"].total == Figure(1, 16.0, 16.0)  # due 02-13, settled 03-01
    assert result.slowest is not None and result.slowest.key == "due_paid"
    assert [s.key for s in result.stages if s.slowest] == ["due_paid"]


def test_per_rep_team_and_month(quarter, org):
    result = stage_times(Scope.build(user=org.admin, **Q1))

    lead = next(s for s in result.stages if s.key == "lead")
    qualification = next(s for s in result.stages if str(s.label) == "Qualification")
    assert lead.by_rep == {org.rep.pk: Figure(2, 3.5, 3.8), org.teammate.pk: Figure(1, 10.0, 10.0)}
    assert lead.by_team == {org.team_a.pk: Figure(3, 4.0, 7.6)}
    assert qualification.by_month == {date(2025, 1, 1): Figure(1, 4.0, 4.0), date(2025, 2, 1): Figure(1, 16.0, 16.0)}
    assert result.months == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]


def test_a_rep_sees_only_their_stays(quarter, org):
    result = stage_times(Scope.build(user=org.rep, **Q1), breakdown=False)

    assert next(s for s in result.stages if s.key == "lead").total == Figure(2, 3.5, 3.8)
    assert next(s for s in result.stages if s.key == "won_signed").total == Figure(1, 14.0, 14.0)


def test_stage_times_have_a_query_budget(quarter, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        stage_times(Scope.build(user=org.manager, **Q1))


def test_stage_times_per_customer_segment(quarter, org):
    # L1 (and so O1, C1) is an enterprise (HOT); L3 and L4 are medium (WARM)
    large = stage_times(Scope.build(user=org.admin, segment="enterprise", **Q1), breakdown=False)
    medium = stage_times(Scope.build(user=org.admin, segment="medium", **Q1), breakdown=False)

    assert (quarter.leads["L1"].size, quarter.leads["L3"].size, quarter.leads["L4"].size) == (
        "enterprise",
        "medium",
        "medium",
    )
    assert next(s for s in large.stages if s.key == "lead").total == Figure(1, 4.0, 4.0)
    assert next(s for s in large.stages if s.key == "won_signed").total == Figure(1, 14.0, 14.0)
    assert next(s for s in medium.stages if s.key == "lead").total == Figure(2, 6.5, 8.6)
    assert next(s for s in medium.stages if s.key == "won_signed").total == Figure(1, 5.0, 5.0)
