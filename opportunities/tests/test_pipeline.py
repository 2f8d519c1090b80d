"""The pipeline: gates on the way, guidance notes, stale moves, winning and losing, the iron triangle,
and the exact time spent in each stage (time frozen)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from customers.models import BuyingRole
from customers.services import account_create, contact_create
from ltc.errors import DomainError
from opportunities.models import LostReason, Opportunity, Stage, StageChange, Tick
from opportunities.selectors import opportunity_list_visible_to, stage_times
from opportunities.services import (
    opportunity_create,
    opportunity_lose,
    opportunity_move,
    opportunity_set_team,
    opportunity_win,
    requirement_tick,
)

NOW = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def name_of(stage: Stage | None) -> str:
    assert stage is not None
    return stage.name_en


def stage(name_en: str) -> Stage:
    return Stage.objects.get(name_en=name_en)


@pytest.fixture
def deal(org, frozen, _english):
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="large")
    return opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期", amount="0")


def snapshot(deal: Opportunity) -> tuple:
    deal.refresh_from_db()
    return (name_of(deal.stage), deal.version, deal.probability, StageChange.objects.filter(opportunity=deal).count())


def test_a_new_deal_starts_in_the_first_stage_of_its_pipeline(deal):
    assert (deal.pipeline.name_en, name_of(deal.stage), deal.probability, deal.version) == (
        "Standard sales process",
        "Qualification",
        10,
        1,
    )
    assert list(deal.stage_changes.values_list("from_stage", "to_stage__name_en", "at")) == [
        (None, "Qualification", NOW)
    ]


def test_a_mandatory_gate_refuses_the_move_and_lists_what_is_missing(org, deal):
    before = snapshot(deal)

    with pytest.raises(DomainError) as refused:
        opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Needs analysis"), version=1)

    assert refused.value.code == "gate_mandatory_missing"
    assert refused.value.fields == {"gate": ["Decision maker known", "Budget confirmed"]}
    assert snapshot(deal) == before


def test_skipping_stages_does_not_skip_their_gates(org, deal):
    with pytest.raises(DomainError) as refused:
        opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Negotiation"), version=1)

    # needs analysis, solution and negotiation gates, in order; the delivery lead is mandatory for a large account
    assert refused.value.fields == {
        "gate": [
            "Decision maker known",
            "Budget confirmed",
            "Solution lead on the deal",
            "Quote sent",
            "Amount set",
            "Delivery lead on the deal",
        ]
    }


def test_verified_and_ticked_requirements_open_the_gate(org, deal):
    contact_create(actor=org.rep, account=deal.account, name="钱伟", phone="13912345678")
    deal.account.contacts.update(role=BuyingRole.DECISION_MAKER)
    budget = stage("Needs analysis").requirements.get(name_en="Budget confirmed")
    requirement_tick(actor=org.rep, opportunity=deal, requirement=budget, note="客户确认预算 80 万")

    moved = opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Needs analysis"), version=1)

    assert (name_of(moved.stage), moved.probability, moved.version, moved.stage_entered_at) == (
        "Needs analysis",
        25,
        2,
        NOW,
    )
    assert Tick.objects.get().note == "客户确认预算 80 万"


def guidance_ready(org, deal):
    contact_create(actor=org.rep, account=deal.account, name="钱伟", phone="13912345678")
    deal.account.contacts.update(role=BuyingRole.DECISION_MAKER)
    requirement_tick(
        actor=org.rep,
        opportunity=deal,
        requirement=stage("Needs analysis").requirements.get(name_en="Budget confirmed"),
    )
    opportunity_set_team(actor=org.rep, opportunity=deal, presales=org.presales)


def test_a_guidance_requirement_is_passed_only_with_a_note(org, deal):
    guidance_ready(org, deal)
    write_up = stage("Solution / proposal").requirements.get(name_en="Requirements write-up shared")
    before = snapshot(deal)

    with pytest.raises(DomainError) as refused:
        opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Solution / proposal"), version=1)
    assert (refused.value.code, refused.value.fields) == (
        "guidance_needs_note",
        {"notes": ["Requirements write-up shared"]},
    )
    assert snapshot(deal) == before

    opportunity_move(
        actor=org.rep, opportunity=deal, stage=stage("Solution / proposal"), version=1,
        notes={write_up.pk: "客户口头确认，纪要下周补"},
    )  # fmt: skip
    assert list(StageChange.objects.filter(opportunity=deal).values_list("to_stage__name_en", "skipped")) == [
        ("Qualification", []),
        ("Solution / proposal", [{"requirement": write_up.pk, "note": "客户口头确认，纪要下周补"}]),
    ]


def test_a_move_on_an_old_version_is_refused_as_stale(org, deal):
    guidance_ready(org, deal)
    opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Needs analysis"), version=1)
    before = snapshot(deal)

    with pytest.raises(DomainError) as stale:
        opportunity_move(actor=org.manager, opportunity=deal, stage=stage("Qualification"), version=1)

    assert (stale.value.code, stale.value.status) == ("stale_move", 409)
    assert (
        str(stale.value.message)
        == "Someone changed this deal a moment ago (now in Needs analysis); reload and try again."
    )
    assert snapshot(deal) == before


def test_winning_needs_an_accepted_quote_and_losing_a_reason(org, deal):
    before = snapshot(deal)

    with pytest.raises(DomainError) as no_quote:
        opportunity_win(actor=org.rep, opportunity=deal, version=1)
    with pytest.raises(DomainError) as no_reason:
        opportunity_lose(actor=org.rep, opportunity=deal, version=1, reason=None)
    with pytest.raises(DomainError) as via_move:
        opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Lost"), version=1)

    # winning from the first stage passes every gate on the way, the won stage's last
    assert no_quote.value.fields["gate"][-2:] == ["Delivery lead on the deal", "Quote accepted by the customer"]
    assert len(no_quote.value.fields["gate"]) == 7
    assert (no_reason.value.code, via_move.value.code) == ("lost_needs_reason", "lost_needs_reason")
    assert snapshot(deal) == before

    lost = opportunity_lose(
        actor=org.rep, opportunity=deal, version=1, reason=LostReason.objects.get(name_en="Lost to a competitor"),
        competitor="用友",
    )  # fmt: skip
    assert (name_of(lost.stage), lost.probability, lost.closed_at, lost.competitor) == ("Lost", 0, NOW, "用友")


def test_only_the_owner_or_their_manager_moves_a_deal(org, deal):
    before = snapshot(deal)
    for outsider in (org.other_rep, org.presales, org.teammate):
        with pytest.raises(DomainError) as refused:
            opportunity_lose(actor=outsider, opportunity=deal, version=1, reason=LostReason.objects.first())
        assert refused.value.code == "not_your_deal"
    assert snapshot(deal) == before


def test_the_iron_triangle_holds_roles_and_sees_the_deal(org, deal):
    with pytest.raises(DomainError) as wrong:
        opportunity_set_team(actor=org.rep, opportunity=deal, presales=org.delivery)
    assert wrong.value.code == "not_presales"

    opportunity_set_team(actor=org.rep, opportunity=deal, presales=org.presales, delivery=org.delivery)

    def sees(user) -> bool:
        return opportunity_list_visible_to(user=user).filter(pk=deal.pk).exists()

    assert {name: sees(getattr(org, name)) for name in ("rep", "manager", "presales", "delivery", "teammate",
            "other_rep", "finance", "admin")} == {
        "rep": True, "manager": True, "presales": True, "delivery": True, "teammate": False,
        "other_rep": False, "finance": False, "admin": True,
    }  # fmt: skip


def test_time_in_each_stage_is_exact_even_when_a_deal_goes_back(org, deal, frozen):
    guidance_ready(org, deal)
    frozen.move_to(NOW + timedelta(days=2), tick=False)
    opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Needs analysis"), version=1)
    frozen.move_to(NOW + timedelta(days=5), tick=False)
    opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Qualification"), version=2)  # back, no gate
    frozen.move_to(NOW + timedelta(days=6), tick=False)
    opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Needs analysis"), version=3)
    frozen.move_to(NOW + timedelta(days=10, hours=12), tick=False)

    times = [(name_of(t.stage), t.seconds / 86400, t.visits) for t in stage_times(deal)]

    assert times == [("Qualification", 3.0, 2), ("Needs analysis", 7.5, 2)]
    deal.refresh_from_db()
    assert (deal.version, deal.amount) == (4, Decimal("0.00"))


def test_time_in_stage_in_aggregate_over_the_deals_one_sees(org, deal, frozen):
    from opportunities.selectors import stage_time_averages

    other_account = account_create(actor=org.rep, owner=org.rep, name="宁波海通物流", size="small")
    second = opportunity_create(actor=org.rep, account=other_account, name="海通 WMS")
    guidance_ready(org, deal)
    frozen.move_to(NOW + timedelta(days=2), tick=False)
    opportunity_move(actor=org.rep, opportunity=deal, stage=stage("Needs analysis"), version=1)
    frozen.move_to(NOW + timedelta(days=6), tick=False)

    averages = stage_time_averages(user=org.manager, pipeline=deal.pipeline)

    # qualification: 2 days (the first deal) and 6 days (the second, still there) → 4; needs analysis: 4 days
    assert averages == {stage("Qualification").pk: 4.0, stage("Needs analysis").pk: 4.0}
    assert stage_time_averages(user=org.other_rep, pipeline=deal.pipeline) == {}
    assert second.stage == stage("Qualification")


def test_the_people_on_a_deal_see_its_account_and_contacts(org, deal):
    from customers.selectors import account_list_visible_to, contact_list_visible_to

    admin_account = account_create(actor=org.admin, owner=org.admin, name="(客户未填写)")
    contact_create(actor=org.admin, account=admin_account, name="某人", phone="13912345678")
    on_it = opportunity_create(actor=org.rep, account=admin_account, name="某单", owner=org.rep)
    opportunity_set_team(actor=org.rep, opportunity=on_it, presales=org.presales)

    def sees(user) -> tuple[bool, bool]:
        return (
            account_list_visible_to(user=user).filter(pk=admin_account.pk).exists(),
            contact_list_visible_to(user=user, account=admin_account).exists(),
        )

    assert {u: sees(getattr(org, u)) for u in ("rep", "presales", "delivery", "teammate", "other_rep")} == {
        "rep": (True, True), "presales": (True, True), "delivery": (False, False), "teammate": (False, False),
        "other_rep": (False, False),
    }  # fmt: skip
