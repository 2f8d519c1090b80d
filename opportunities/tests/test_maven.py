"""The public Maven data set comes in completely through the importer, its dirty rows fixed by the
documented rules (opportunities/maven/README.md); the figures match an independent count of the files."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Count, Sum

from customers.models import Account
from ltc import importer
from ltc.errors import DomainError
from opportunities import maven
from opportunities.models import Opportunity, Product, StageChange
from org.models import Membership, Role, Team, User
from tests.factories import UserFactory

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "maven-crm"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data/maven-crm is not beside the project")


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture
def loaded(db):
    admin = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    return admin, maven.load(DATA, admin)


def test_the_data_set_comes_in_whole_by_the_documented_rules(loaded):
    _admin, created = loaded
    pipeline = rows("sales_pipeline.csv")
    agents = {r["sales_agent"] for r in rows("sales_teams.csv")}
    managers = {r["manager"] for r in rows("sales_teams.csv")}

    assert created == {"people": len(agents | managers), "accounts": 85, "products": 7, "opportunities": 8800}
    assert created["opportunities"] == len(pipeline)
    assert set(Team.objects.filter(parent__name="Maven 销售中心").values_list("name", flat=True)) == {
        "Maven Central", "Maven East", "Maven West",
    }  # fmt: skip
    # a team per manager, below their office: its manager is them alone, its reps their agents
    teams = rows("sales_teams.csv")
    assert set(Team.objects.filter(parent__parent__name="Maven 销售中心").values_list("parent__name", "name")) == {
        (f"Maven {r['regional_office']}", f"Maven {r['regional_office']} · {r['manager']}") for r in teams
    }
    members = Membership.objects.filter(team__name__startswith="Maven ").values_list(
        "team__name", "role", "user__display_name"
    )
    assert set(members) == {
        (f"Maven {r['regional_office']} · {r['manager']}", role, name)
        for r in teams
        for role, name in ((Role.MANAGER, r["manager"]), (Role.REP, r["sales_agent"]))
    }
    assert Membership.objects.filter(role=Role.MANAGER, team__name__startswith="Maven ").count() == len(managers)
    assert User.objects.get(display_name="Anna Snelling").username == "anna.snelling"

    _figures_match_an_independent_count_of_the_files()
    _dirty_rows_follow_the_documented_rules()
    _importing_it_again_changes_nothing(_admin)


def _figures_match_an_independent_count_of_the_files():
    pipeline = rows("sales_pipeline.csv")
    stages = {"Prospecting": "Qualification", "Engaging": "Needs analysis", "Won": "Won", "Lost": "Lost"}

    by_stage = dict(Opportunity.objects.values_list("stage__name_en").annotate(n=Count("pk")))
    won_value = Opportunity.objects.filter(stage__name_en="Won").aggregate(v=Sum("amount"))["v"]
    won_by_agent = dict(
        Opportunity.objects.filter(stage__name_en="Won").values_list("owner__display_name").annotate(n=Count("pk"))
    )

    assert by_stage == {stages[k]: v for k, v in Counter(r["deal_stage"] for r in pipeline).items()}
    assert won_value == sum(Decimal(r["close_value"]) for r in pipeline if r["deal_stage"] == "Won")
    assert won_by_agent == Counter(r["sales_agent"] for r in pipeline if r["deal_stage"] == "Won")


def _dirty_rows_follow_the_documented_rules():
    pipeline = rows("sales_pipeline.csv")
    no_account = sum(1 for r in pipeline if not r["account"])
    gtx_pro = sum(1 for r in pipeline if r["product"] in ("GTXPro", "GTX Pro"))

    assert Opportunity.objects.filter(account__name="(客户未填写)").count() == no_account == 1425
    assert Opportunity.objects.filter(name__endswith="· GTX Pro").count() == gtx_pro
    assert set(Account.objects.exclude(name="(客户未填写)").values_list("industry", flat=True)) >= {"technology"}
    assert not Account.objects.filter(industry="technolgy").exists()
    # an open deal without a value is worth its product's list price; a won one keeps its close date
    engaging = next(r for r in pipeline if r["deal_stage"] == "Engaging" and r["product"] == "GTX Basic")
    deal = Opportunity.objects.get(external_ref=engaging["opportunity_id"])
    assert (deal.amount, deal.currency, deal.stage and deal.stage.name_en) == (
        Decimal("550.00"),
        "USD",
        "Needs analysis",
    )
    won = next(r for r in pipeline if r["deal_stage"] == "Won")
    deal = Opportunity.objects.get(external_ref=won["opportunity_id"])
    assert (str(deal.expected_close_date), deal.amount, str(deal.created_at.date())) == (
        won["close_date"], Decimal(won["close_value"]), won["engage_date"],
    )  # fmt: skip
    assert list(StageChange.objects.filter(opportunity=deal).values_list("to_stage__name_en", flat=True)) == [
        "Qualification",
        "Won",
    ]
    assert Product.objects.get(code="GTK 500").list_price == Decimal("26768.00")


def _importing_it_again_changes_nothing(admin):
    before = (User.objects.count(), Account.objects.count(), Product.objects.count(), Opportunity.objects.count())

    with pytest.raises(DomainError) as again:
        maven.load(DATA, admin)

    assert again.value.message.startswith("products.csv: Row,Column,Reason\n2,product,A product with this code exists")
    assert (
        User.objects.count(),
        Account.objects.count(),
        Product.objects.count(),
        Opportunity.objects.count(),
    ) == before
    # the deals alone, again: each row names the deal it would repeat
    head = b"".join((DATA / "sales_pipeline.csv").read_bytes().splitlines(keepends=True)[:3])
    mapping = json.loads((maven.MAPPINGS / "opportunities.json").read_text(encoding="utf-8"))
    preview = importer.validate(importer.read_table(head, "p.csv"), importer.spec_for("opportunities"), mapping)
    first, second = (
        Opportunity.objects.get(external_ref=r["opportunity_id"]).pk for r in rows("sales_pipeline.csv")[:2]
    )
    assert [(e.row, e.column, e.reason) for e in preview.errors] == [
        (2, "opportunity_id", f"Imported already as deal #{first}."),
        (3, "opportunity_id", f"Imported already as deal #{second}."),
    ]
