"""Rep performance on the quarter of conftest.py, worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from insights.reps import rep_performance
from insights.scope import Scope

Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}


def figures(row) -> tuple:
    return (
        row.won, row.lost, row.win_rate, row.average_deal, row.activities, row.activities_per_week,
        row.cycle_to_cash, row.cycle_to_close, row.dso, [s.count for s in row.funnel.stages],
    )  # fmt: skip


def test_each_reps_figures(quarter, org):
    result = rep_performance(Scope.build(user=org.admin, **Q1))

    rows = {r.id: r for r in result.reps}
    assert set(rows) == {org.rep.pk, org.teammate.pk, org.other_rep.pk}
    # the rep: O1 won (quote 01-20, opened 01-10: 10 days), O3 lost; two first calls done in 90 days (0.16 a
    # week); L1 created 01-06, first cash 03-01: 54 days; DSO: ¥2,910 open on 03-31 of ¥11,300 invoiced × 90
    assert figures(rows[org.rep.pk]) == (
        1, 1, 50.0, Decimal("11300.00"), 2, 0.2, 54.0, 10.0, Decimal("23.2"), [3, 2, 1, 1, 1, 1],
    )  # fmt: skip
    # the teammate: O4 won (quote 02-10, opened 01-25: 16 days); one call; no cash, no invoice
    assert figures(rows[org.teammate.pk]) == (
        1, 0, 100.0, Decimal("22600.00"), 1, 0.1, None, 16.0, None, [1, 1, 1, 1, 0, 0],
    )  # fmt: skip
    assert figures(rows[org.other_rep.pk]) == (0, 0, None, None, 0, 0.0, None, None, None, [1, 1, 0, 0, 0, 0])
    # the whole: 2 won of 3 closed; median cycle to close of 10 and 16 days
    assert figures(result.total) == (
        2, 1, 66.7, Decimal("16950.00"), 3, 0.2, 54.0, 13.0, Decimal("23.2"), [5, 4, 2, 2, 1, 1],
    )  # fmt: skip


def test_a_rep_sees_only_their_row_and_a_manager_only_their_team(quarter, org):
    rep = rep_performance(Scope.build(user=org.rep, **Q1))
    manager = rep_performance(Scope.build(user=org.manager, **Q1))

    assert [r.id for r in rep.reps] == [org.rep.pk]
    assert {r.id for r in manager.reps} == {org.rep.pk, org.teammate.pk}
    assert (manager.total.won, manager.total.lost) == (2, 1)


def test_rep_performance_has_a_query_budget(quarter, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        rep_performance(Scope.build(user=org.manager, **Q1))


def test_the_win_rate_month_by_month(quarter, org):
    result = rep_performance(Scope.build(user=org.admin, **Q1))

    # O1 won in January (quote 01-20); O4 won in February (02-10); O3 lost in February (02-20)
    assert result.trend[None] == {date(2025, 1, 1): (1, 0), date(2025, 2, 1): (1, 1)}
    assert result.trend[org.rep.pk] == {date(2025, 1, 1): (1, 0), date(2025, 2, 1): (0, 1)}
    assert result.trend[org.teammate.pk] == {date(2025, 2, 1): (1, 0)}
    assert result.months == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
