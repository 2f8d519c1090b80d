"""The people importer builds up to three levels of teams from one file: a team, its parent, the parent's parent."""

from __future__ import annotations

from ltc import importer
from org.models import Membership, Role, Team

MAPPING = {"name": "姓名", "manager": "经理", "team": "团队", "parent_team": "上级团队", "top_team": "最上级团队"}


def _import(text: str, actor):
    table = importer.read_table(text.encode(), "people.csv")
    preview = importer.validate(table, importer.spec_for("people"), MAPPING)
    return preview, (importer.commit(preview, actor) if not preview.errors else None)


def test_a_team_per_manager_below_their_office_below_the_top_team(org):
    # given a file of two managers' reps in one office, and one in a parent team that exists already (B 组)
    preview, result = _import(
        "姓名,经理,团队,上级团队,最上级团队\n"
        "甲,王经理,华北 · 王经理,华北,销售中心\n"
        "乙,王经理,华北 · 王经理,华北,销售中心\n"
        "丙,李经理,华北 · 李经理,华北,销售中心\n"
        "丁,张经理,B 组 · 张经理,B 组,另一个中心\n",
        org.admin,
    )

    assert not preview.errors
    assert result["created"] == 7
    # then each manager's team sits below the office, itself below the existing top team (reused by name)
    tree = dict(Team.objects.values_list("name", "parent__name"))
    assert {k: tree[k] for k in ("华北 · 王经理", "华北 · 李经理", "华北", "B 组 · 张经理", "B 组")} == {
        "华北 · 王经理": "华北",
        "华北 · 李经理": "华北",
        "华北": "销售中心",
        "B 组 · 张经理": "B 组",
        "B 组": "销售中心",  # an existing parent team stays where it is; no top team is made for it
    }
    assert not Team.objects.filter(name="另一个中心").exists()
    # and each manager manages their own team only
    assert set(Membership.objects.filter(role=Role.MANAGER, team__name__contains=" · ").values_list(
        "user__display_name", "team__name"
    )) == {("王经理", "华北 · 王经理"), ("李经理", "华北 · 李经理"), ("张经理", "B 组 · 张经理")}  # fmt: skip


def test_a_top_team_without_a_parent_team_is_refused(org):
    preview, result = _import("姓名,经理,团队,上级团队,最上级团队\n甲,,华北,,销售中心\n", org.admin)

    assert result is None
    assert [(e.row, e.column) for e in preview.errors] == [(2, "最上级团队")]
    assert not Team.objects.filter(name="华北").exists()
