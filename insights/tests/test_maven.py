"""Acceptance on real data: after importing the public Maven CRM data set the way opportunities/tests does, the
dashboards' win rate per agent, won value per manager, per regional office and per product, and the median sales
cycle equal a separate computation over the CSV files with the csv module, applying the import's documented
rules (opportunities/maven/README.md): ``GTXPro`` is ``GTX Pro``; each manager has a team of their agents below
their office's team (so a manager sees their own agents, an office's team all of the office); values are US
dollars; a won deal starts on its engage date and closes on its close date."""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from insights.funnel import funnel
from insights.reps import rep_performance, won_by_product
from insights.scope import Scope
from opportunities import maven
from opportunities.tests.test_maven import DATA, pytestmark  # noqa: F401 - skipped without the data set
from org.models import Team, User
from tests.factories import UserFactory

ALL_OF_IT = {"start": date(2016, 1, 1), "end": date(2017, 12, 31), "currency": "USD"}
OFFICES = {"Central": "Maven Central", "East": "Maven East", "West": "Maven West"}


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def expected() -> dict[str, dict]:
    """Everything computed from the files alone."""
    teams = rows("sales_teams.csv")
    pipeline = rows("sales_pipeline.csv")
    office_of = {r["sales_agent"]: r["regional_office"] for r in teams}
    manager_of = {r["sales_agent"]: r["manager"] for r in teams}
    won: dict[str, int] = defaultdict(int)
    closed: dict[str, int] = defaultdict(int)
    by_office: dict[str, Decimal] = defaultdict(Decimal)
    by_manager: dict[str, Decimal] = defaultdict(Decimal)
    by_product: dict[str, Decimal] = defaultdict(Decimal)
    cycles = []
    for r in pipeline:
        if r["deal_stage"] not in ("Won", "Lost"):
            continue
        closed[r["sales_agent"]] += 1
        if r["deal_stage"] == "Won":
            value = Decimal(r["close_value"])
            won[r["sales_agent"]] += 1
            by_office[office_of[r["sales_agent"]]] += value
            by_manager[manager_of[r["sales_agent"]]] += value
            by_product[{"GTXPro": "GTX Pro"}.get(r["product"], r["product"])] += value
            cycles.append((date.fromisoformat(r["close_date"]) - date.fromisoformat(r["engage_date"])).days)
    return {
        "win_rate": {a: round(won[a] * 100.0 / n, 1) for a, n in closed.items()},
        "by_office": {OFFICES[o]: v for o, v in by_office.items()},
        "by_manager": dict(by_manager),
        "team_of_manager": {r["manager"]: f"{OFFICES[r['regional_office']]} · {r['manager']}" for r in teams},
        "by_product": dict(by_product),
        "median_cycle": {"": float(statistics.median(cycles))},
    }


@pytest.fixture
def imported(db):
    # one import for the whole module's checks: it is slow (8,800 deals through the importer)
    admin = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    maven.load(DATA, admin)
    return admin


def test_dashboards_match_an_independent_computation_over_the_maven_files(imported):
    admin = imported
    want = expected()
    scope = Scope.build(user=admin, **ALL_OF_IT)

    # win rate per agent and the median sales cycle (engage → close of the won deals)
    performance = rep_performance(scope)
    assert {r.name: r.win_rate for r in performance.reps if r.won + r.lost} == want["win_rate"]
    assert performance.total.cycle_to_close == want["median_cycle"][""]

    # won value per regional office (its team and the managers' teams below it) and per product
    offices = {
        name: funnel(Scope.build(user=admin, team=Team.objects.get(name=name).pk, **ALL_OF_IT), breakdown=False)
        for name in OFFICES.values()
    }
    assert {name: f.total.stages[2].amount for name, f in offices.items()} == want["by_office"]
    assert {p.name: p.amount for p in won_by_product(scope)} == want["by_product"]

    # won value per manager (agent → manager in the file): the company's per-team rows, and what each manager
    # sees on their own dashboard, in their own scope and in their team's
    teams = {str(t.label): t.stages[2].amount for t in funnel(scope).teams if t.stages[2].count}
    assert teams == {want["team_of_manager"][m]: v for m, v in want["by_manager"].items()}
    for manager, value in want["by_manager"].items():
        person = User.objects.get(display_name=manager)
        own = funnel(Scope.build(user=person, **ALL_OF_IT), breakdown=False)
        team = Team.objects.get(name=want["team_of_manager"][manager])
        in_team = funnel(Scope.build(user=person, team=team.pk, **ALL_OF_IT), breakdown=False)
        assert own.total.stages[2].amount == in_team.total.stages[2].amount == value, manager
