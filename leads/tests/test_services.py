"""Capture, grading, assignment, cadences and status moves, with exact values and time frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.models import Activity
from activities.services import activity_complete
from leads.models import Assignment, AssignmentRule, GradeChange, Lead, Rubric, Status
from leads.selectors import lead_list_visible_to
from leads.services import (
    lead_assign,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_update,
    rubric_publish,
)
from leads.tests.conftest import COLD, COOL, HOT, WARM
from ltc.errors import DomainError, NotAllowed

NOW = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # a Monday, 09:30 in Shanghai


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def new_lead(sales, actor=None, **fields):
    return lead_create(actor=actor or sales.manager, name=fields.pop("name", "张三"), source=sales.website, **fields)


def test_an_a_lead_goes_to_a_senior_rep_of_its_region_with_deadline_and_cadence(sales, frozen):
    lead = new_lead(sales, company="苏州金桥", region="east", **HOT)

    lead.refresh_from_db()
    assert (lead.score, lead.grade, lead.rubric.version, lead.owner, lead.team) == (
        100,
        "A",
        1,
        sales.senior_east,
        sales.east,
    )
    assert lead.first_contact_due_at == NOW + timedelta(hours=24)
    assignment = Assignment.objects.get(lead=lead)
    assert (assignment.how, assignment.from_user, assignment.to_user, assignment.rule and assignment.rule.grade) == (
        "rule",
        None,
        sales.senior_east,
        "A",
    )
    tasks = Activity.objects.filter(target_id=lead.pk).order_by("due_at")
    assert [(t.kind, t.subject, t.due_at, t.assignee) for t in tasks] == [
        ("call", "首次电话沟通", NOW + timedelta(hours=24), sales.senior_east),
        ("email", "发送方案资料", NOW + timedelta(days=1), sales.senior_east),
        ("meeting", "上门拜访，需求调研", NOW + timedelta(days=3), sales.senior_east),
        ("call", "跟进确认需求与预算", NOW + timedelta(days=7), sales.senior_east),
    ]
    assert list(GradeChange.objects.filter(lead=lead).values_list("previous_grade", "grade", "score")) == [
        ("", "A", 100)
    ]


def test_region_first_then_any_region(sales, frozen):
    south = new_lead(sales, name="李四", region="south", **HOT)
    west = new_lead(sales, name="王五", region="west", **HOT)  # no rep in the west: any senior, least loaded

    assert south.owner == sales.senior_south
    assert west.owner == sales.senior_east  # both seniors hold one open lead; east was assigned longest ago


def test_least_loaded_among_eligible_levels(sales, frozen):
    new_lead(sales, name="甲", region="east", **WARM)  # B: regular or senior; both empty, never assigned: by pk
    second = new_lead(sales, name="乙", region="east", **WARM)
    third = new_lead(sales, name="丙", region="east", **WARM)

    owners = [lead.owner for lead in Lead.objects.filter(grade="B").order_by("pk")]
    assert owners == [sales.senior_east, sales.regular_east, sales.senior_east]
    assert (second.owner, third.owner) == (sales.regular_east, sales.senior_east)


def test_c_leads_go_to_junior_or_regular_reps(sales, frozen):
    leads = [new_lead(sales, name=f"客户{i}", region="east", **COOL) for i in range(3)]

    assert {lead.grade for lead in leads} == {"C"}
    assert [lead.owner for lead in leads] == [sales.regular_east, sales.junior_east, sales.regular_east]


def test_a_full_rep_is_skipped_and_with_no_room_the_lead_waits_in_the_pool(sales, frozen):
    AssignmentRule.objects.filter(grade="A").update(open_lead_cap=1)
    first = new_lead(sales, name="一", region="east", **HOT)
    second = new_lead(sales, name="二", region="east", **HOT)  # east's senior is full: the south senior takes it
    third = new_lead(sales, name="三", region="east", **HOT)  # every senior is full

    assert (first.owner, second.owner, third.owner) == (sales.senior_east, sales.senior_south, None)
    assert Assignment.objects.filter(lead=third).count() == 0
    assert third.team == sales.east  # the capturing manager's team: its pool


def test_d_leads_go_to_automated_nurturing(sales, frozen):
    lead = new_lead(sales, region="east", **COLD)

    assert (lead.grade, lead.status, lead.owner) == ("D", Status.NURTURING, None)
    assert Assignment.objects.get(lead=lead).how == "nurture"
    assert Activity.objects.filter(target_id=lead.pk).count() == 0


def test_a_rep_capturing_their_own_lead_keeps_it(sales, frozen):
    lead = new_lead(sales, actor=sales.junior_east, owner=sales.junior_east, region="south", **HOT)

    assert lead.owner == sales.junior_east
    assert Assignment.objects.get(lead=lead).how == "manual"


def test_duplicates_are_flagged_not_merged(sales, frozen):
    first = new_lead(sales, name="刘建华", company="上海申远", phone="+86 138-1762-3301", email="LiuJH@shenyuan.cn")
    by_phone = new_lead(sales, name="刘总", phone="13817623301")
    by_email = new_lead(sales, name="L", email="liujh@SHENYUAN.cn ")
    by_person = new_lead(sales, name="刘建华", company="上海申远 ")
    stranger = new_lead(sales, name="陈六", phone="13900000000")

    assert [lead.duplicate_of for lead in (by_phone, by_email, by_person, stranger)] == [first, first, first, None]
    assert Lead.objects.count() == 5


def test_bad_input_names_every_field_and_writes_nothing(sales):
    with pytest.raises(DomainError) as refused:
        new_lead(sales, name="  ", phone="123", email="nobody@", size="gigantic")

    assert refused.value.code == "invalid_lead"
    assert set(refused.value.fields) == {"name", "phone", "email", "size"}
    assert (Lead.objects.count(), Assignment.objects.count(), Activity.objects.count()) == (0, 0, 0)


def test_changing_an_input_regrades_and_keeps_the_history(sales, frozen):
    lead = new_lead(sales, region="east", **WARM)

    lead_update(actor=sales.manager, lead=lead, budget="confirmed", timeline="1m")

    lead.refresh_from_db()
    assert (lead.score, lead.grade) == (75, "A")
    assert list(
        GradeChange.objects.filter(lead=lead).order_by("pk").values_list("previous_grade", "grade", "score")
    ) == [
        ("", "B", 45),
        ("B", "A", 75),
    ]


def test_a_new_rubric_version_regrades_open_leads(sales, frozen):
    hot = new_lead(sales, name="热", region="east", **HOT)
    closed = new_lead(sales, name="废", region="east", **WARM)
    lead_disqualify(actor=sales.manager, lead=closed, reason="无预算")
    rules = [{"field": "intent", "op": "eq", "value": "high", "points": 10, "label": "意向强烈"}]

    rubric = rubric_publish(actor=sales.manager, rules=rules, thresholds={"A": 50, "B": 20, "C": 5})

    hot.refresh_from_db()
    closed.refresh_from_db()
    assert (rubric.version, Rubric.objects.get(active=True)) == (2, rubric)
    assert (hot.score, hot.grade, hot.rubric.version) == (10, "C", 2)
    assert (closed.grade, closed.rubric.version) == ("B", 1)  # a closed lead keeps the grade it closed with
    assert GradeChange.objects.filter(lead=hot).order_by("-pk").values_list("previous_grade", flat=True)[0] == "A"


def test_a_rubric_that_does_not_parse_changes_nothing(sales):
    with pytest.raises(DomainError) as refused:
        rubric_publish(actor=sales.manager, rules=[{"field": "mood"}], thresholds={"A": 1, "B": 2, "C": 3})

    assert refused.value.code == "invalid_rubric"
    assert list(Rubric.objects.values_list("version", "active")) == [(1, True)]


def test_the_first_done_touch_makes_the_lead_contacted(sales, frozen, time_machine):
    lead = new_lead(sales, region="east", **HOT)
    call = Activity.objects.get(target_id=lead.pk, subject="首次电话沟通")
    time_machine.move_to(NOW + timedelta(hours=3), tick=False)

    activity_complete(actor=sales.senior_east, activity=call, outcome="约了周四拜访")

    lead.refresh_from_db()
    assert (lead.status, lead.first_contacted_at) == (Status.CONTACTED, NOW + timedelta(hours=3))


def test_only_a_manager_reassigns_and_a_full_rep_is_refused(sales, frozen):
    lead = new_lead(sales, region="east", **COOL)
    owner = lead.owner

    with pytest.raises(NotAllowed) as not_manager:
        lead_assign(actor=sales.junior_east, lead=lead, to_user=sales.junior_east)
    AssignmentRule.objects.filter(grade="C").update(open_lead_cap=0)
    with pytest.raises(DomainError) as full:
        lead_assign(actor=sales.manager, lead=lead, to_user=sales.junior_east)

    assert (not_manager.value.code, full.value.code) == ("not_a_manager", "rep_at_capacity")
    lead.refresh_from_db()
    assert lead.owner == owner
    assert Assignment.objects.filter(lead=lead).count() == 1


def test_a_manager_reassigns_and_it_is_recorded(sales, frozen):
    lead = new_lead(sales, region="east", **COOL)
    before = lead.owner

    lead_assign(actor=sales.manager, lead=lead, to_user=sales.junior_east, reason="熟悉该行业")

    last = Assignment.objects.filter(lead=lead)[0]
    assert (last.how, last.from_user, last.to_user, last.actor, last.reason) == (
        "manual",
        before,
        sales.junior_east,
        sales.manager,
        "熟悉该行业",
    )
    assert set(Activity.objects.filter(target_id=lead.pk).values_list("assignee__username", flat=True)) == {
        before.username,
        "junior_east",
    }


def test_status_moves_follow_the_table(sales, frozen):
    lead = new_lead(sales, region="east", **COOL)

    with pytest.raises(DomainError) as no_reason:
        lead_disqualify(actor=sales.manager, lead=lead, reason=" ")
    lead_qualify(actor=sales.manager, lead=lead)
    lead_disqualify(actor=sales.manager, lead=lead, reason="已选竞品")
    with pytest.raises(DomainError) as closed:
        lead_qualify(actor=sales.manager, lead=lead)
    with pytest.raises(DomainError) as read_only:
        lead_update(actor=sales.manager, lead=lead, company="改名")

    assert (no_reason.value.code, closed.value.code, read_only.value.code) == (
        "reason_required",
        "invalid_transition",
        "lead_closed",
    )
    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason, lead.company) == ("disqualified", "已选竞品", "")


def test_reps_see_their_leads_managers_their_teams(sales, frozen):
    east = new_lead(sales, name="东", region="east", **HOT)
    south = new_lead(sales, name="南", region="south", **HOT)
    pool = new_lead(sales, name="池", region="east", **COLD)  # nurturing, in the manager's team pool

    assert list(lead_list_visible_to(user=sales.senior_east)) == [east]
    assert list(lead_list_visible_to(user=sales.senior_south)) == [south]
    assert set(lead_list_visible_to(user=sales.manager)) == {east, pool}


def test_a_lead_matching_a_customer_contact_is_flagged(sales, frozen):
    from customers.services import account_create, contact_create

    account = account_create(actor=sales.manager, owner=sales.senior_east, name="东莞恒达电子厂")
    contact = contact_create(actor=sales.manager, account=account, name="何明", phone="0769-2233 4455")

    lead = new_lead(sales, name="何厂长", phone="(0769) 22334455")

    assert (lead.duplicate_of, lead.duplicate_contact) == (None, contact)
