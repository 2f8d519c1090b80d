"""Activity pages: plan, record and finish activities on any record the person sees (others answer 404, nothing
written), the unified timeline of a record, "my day", the inbox and the notification preferences."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pghistory.models
import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import translation

from activities.models import Activity, Notification, NotificationPreference
from activities.reminders import ACTIVITY_DUE, ACTIVITY_OVERDUE, DIGEST
from activities.services import activity_complete, activity_log, activity_plan, activity_schedule
from activities.timeline import record_timeline
from customers.services import account_create
from leads.models import Lead, Source
from leads.services import lead_create, lead_qualify
from ltc.audit import acting_as
from ltc.errors import DomainError
from opportunities.services import opportunity_create, opportunity_update

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def signed_in(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def a_lead(owner: Any, name: str = "王经理") -> Lead:
    return lead_create(actor=owner, name=name, company=f"{name}的公司", source=Source.objects.get(code="website"),
                       owner=owner)  # fmt: skip


def add_url(record: Any) -> str:
    return reverse("activities:activity_add", args=[record._meta.label_lower, record.pk])


def flashed(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def stamp_history(record: Any, when: datetime, after: int = 0) -> int:
    """Date the audit rows of ``record`` written since ``after`` (a pgh_id) at ``when``: in a test everything runs in
    one transaction, whose NOW() the history triggers use. Returns the newest pgh_id."""
    events = list(pghistory.models.Events.objects.tracks(record).filter(pgh_id__gt=after))
    for event in events:
        apps.get_model(event.pgh_model).objects.filter(pgh_id=event.pgh_id).update(pgh_created_at=when)
    return max([after, *(e.pgh_id for e in events)])


# --- planning and recording on a record ---------------------------------------------------------------------------


def test_a_rep_plans_a_call_on_their_lead_and_comes_back_to_it(org, frozen):
    # given
    lead = a_lead(org.rep)
    page = reverse("leads:lead_detail", args=[lead.pk])

    # when
    data = {"mode": "plan", "kind": "call", "subject": "约演示时间", "due_at": "2026-12-02T15:30", "next": page}
    response = signed_in(org.rep).post(add_url(lead), data, follow=True)

    # then
    assert response.redirect_chain == [(page, 302)]
    assert flashed(response) == ["Planned: 约演示时间."]
    activity = Activity.objects.get()
    assert (activity.kind, activity.subject, activity.due_at, activity.done_at, activity.assignee, activity.target) == (
        "call", "约演示时间", datetime(2026, 12, 2, 15, 30, tzinfo=SHANGHAI), None, org.rep, lead
    )  # fmt: skip
    assert activity.created_by == org.rep


def test_a_rep_cannot_plan_on_another_teams_lead_nor_learn_it_exists(org, frozen):
    # given
    theirs = a_lead(org.other_rep)
    before = Activity.objects.count()

    # when
    on_theirs = signed_in(org.rep).post(add_url(theirs), {"mode": "plan", "kind": "call", "subject": "抢单",
                                                          "due_at": "2026-12-02T15:30"})  # fmt: skip
    on_none = signed_in(org.rep).post(reverse("activities:activity_add", args=["leads.lead", 999999]),
                                      {"mode": "log", "kind": "call", "subject": "x"})  # fmt: skip
    on_unknown_kind_of_record = signed_in(org.rep).post(
        reverse("activities:activity_add", args=["org.user", org.rep.pk]),
        {"mode": "log", "kind": "call", "subject": "x"},
    )

    # then
    assert (on_theirs.status_code, on_none.status_code, on_unknown_kind_of_record.status_code) == (404, 404, 404)
    assert Activity.objects.count() == before == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "plan", "kind": "call", "subject": "回访", "due_at": "2026-12-01T09:59"},
         "The due time has already passed; plan it for later, or record it as done."),
        ({"mode": "plan", "kind": "fax", "subject": "回访", "due_at": "2026-12-02T09:00"},
         "Unknown activity kind: fax"),
        ({"mode": "log", "kind": "fax", "subject": "回访"}, "Unknown activity kind: fax"),
        ({"mode": "plan", "kind": "call", "subject": "回访", "due_at": ""}, "Say when it is due."),
        ({"mode": "plan", "kind": "call", "subject": "回访", "due_at": "明天"}, "Give a due time as date and time."),
        ({"mode": "log", "kind": "call", "subject": " "}, "Say what the activity is about (a subject is required)."),
    ],
)  # fmt: skip
def test_bad_input_on_the_page_is_refused_with_its_message_and_nothing_is_written(org, frozen, data, message):
    # given
    lead = a_lead(org.rep)
    page = reverse("leads:lead_detail", args=[lead.pk])

    # when
    response = signed_in(org.rep).post(add_url(lead), {**data, "next": page}, follow=True)

    # then
    assert response.redirect_chain == [(page, 302)]
    assert flashed(response) == [message]
    assert Activity.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "due", "code"),
    [
        ("call", NOW - timedelta(minutes=1), "due_in_past"),
        ("call", None, "due_required"),
        ("fax", NOW + timedelta(days=1), "invalid_kind"),
    ],
)
def test_the_plan_service_refuses_with_a_stable_code(org, frozen, kind, due, code):
    lead = a_lead(org.rep)

    with pytest.raises(DomainError) as refused:
        activity_plan(actor=org.rep, target=lead, kind=kind, subject="回访", due_at=due)

    assert refused.value.code == code
    assert Activity.objects.count() == 0


def test_the_current_minute_is_not_the_past(org, frozen):
    lead = a_lead(org.rep)

    activity = activity_plan(actor=org.rep, target=lead, kind="task", subject="发资料", due_at=NOW)

    assert activity.due_at == NOW


def test_a_planned_activity_goes_only_to_someone_who_sees_the_record(org, frozen):
    # given
    lead = a_lead(org.rep)

    # when
    with pytest.raises(DomainError) as refused:
        activity_plan(actor=org.rep, target=lead, kind="call", subject="回访", due_at=NOW + timedelta(hours=1),
                      assignee=org.other_rep)  # fmt: skip
    by_manager = activity_plan(actor=org.manager, target=lead, kind="call", subject="回访",
                               due_at=NOW + timedelta(hours=1), assignee=org.rep)  # fmt: skip

    # then
    assert refused.value.code == "assignee_cannot_see"
    assert list(Activity.objects.values_list("assignee__username", "created_by__username")) == [("rep", "manager")]
    assert by_manager.assignee == org.rep


def test_the_plan_service_refuses_a_record_the_actor_cannot_see(org, frozen):
    theirs = a_lead(org.other_rep)

    with pytest.raises(Http404):
        activity_plan(actor=org.rep, target=theirs, kind="call", subject="回访", due_at=NOW + timedelta(hours=1))

    assert Activity.objects.count() == 0


def test_a_done_call_is_recorded_and_moves_a_new_lead_to_contacted(org, frozen):
    lead = a_lead(org.rep)

    response = signed_in(org.rep).post(add_url(lead), {"mode": "log", "kind": "call", "subject": "首次电话",
                                                       "outcome": "有意向，下周演示"})  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:lead_detail", args=[lead.pk])
    activity = Activity.objects.get()
    assert (activity.subject, activity.outcome, activity.done_at, activity.assignee) == (
        "首次电话", "有意向，下周演示", NOW, org.rep
    )  # fmt: skip
    lead.refresh_from_db()
    assert (lead.status, lead.first_contacted_at) == ("contacted", NOW)


def test_done_with_outcome_from_the_record_page_and_never_on_an_unseen_record(org, frozen):
    # given
    mine = a_lead(org.rep)
    theirs = a_lead(org.other_rep, name="赵总")
    planned = activity_schedule(actor=org.rep, target=mine, kind="visit", subject="上门拜访",
                                due_at=NOW + timedelta(hours=2), assignee=org.rep)  # fmt: skip
    hidden = activity_schedule(actor=org.other_rep, target=theirs, kind="call", subject="回访",
                               due_at=NOW + timedelta(hours=2), assignee=org.other_rep)  # fmt: skip
    page = reverse("leads:lead_detail", args=[mine.pk])
    client = signed_in(org.rep)

    # when
    done = client.post(reverse("activities:activity_done", args=[planned.pk]), {"outcome": "见到张总", "next": page},
                       follow=True)  # fmt: skip
    again = client.post(reverse("activities:activity_done", args=[planned.pk]), {"outcome": "再来", "next": page},
                        follow=True)  # fmt: skip
    other = client.post(reverse("activities:activity_done", args=[hidden.pk]), {"outcome": "偷看"})

    # then
    assert (done.redirect_chain, flashed(done)) == ([(page, 302)], ["Done: 上门拜访."])
    assert flashed(again) == ["This activity is already done."]
    assert other.status_code == 404
    planned.refresh_from_db()
    hidden.refresh_from_db()
    assert (planned.done_at, planned.outcome) == (NOW, "见到张总")
    assert (hidden.done_at, hidden.outcome) == (None, "")


def test_a_redirect_never_leaves_the_site(org, frozen):
    lead = a_lead(org.rep)

    response = signed_in(org.rep).post(add_url(lead), {"mode": "log", "kind": "note", "subject": "备注",
                                                       "next": "https://evil.example/"})  # fmt: skip

    assert response["Location"] == reverse("leads:lead_detail", args=[lead.pk])


# --- the timeline -----------------------------------------------------------------------------------------------------


def summary(entries: list[Any]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for e in entries:
        if e.type == "activity":
            rows.append((e.when, "activity", str(e.actor), e.activity.subject, e.planned))
        elif e.type == "stage":
            rows.append((e.when, "stage", str(e.actor), e.before, e.after))
        else:
            rows.append(
                (e.when, "audit", str(e.actor), e.label, tuple((c.field, c.before, c.after) for c in e.changes))
            )
    return rows


def test_a_leads_timeline_merges_activities_status_changes_and_history_newest_first(org, time_machine):
    # given: created at 09:00, a call done at 10:00 (new → contacted), qualified at 11:00, the city at 12:00,
    # and a visit planned at 13:00 for the next day
    t = [datetime(2026, 12, 1, hour, 0, tzinfo=SHANGHAI) for hour in (9, 10, 11, 12, 13)]
    time_machine.move_to(t[0], tick=False)
    lead = a_lead(org.rep)
    seen = stamp_history(lead, t[0])
    time_machine.move_to(t[1], tick=False)
    activity_schedule(actor=org.rep, target=lead, kind="call", subject="首次电话", due_at=None, assignee=org.rep)
    call = Activity.objects.get()
    activity_complete(actor=org.rep, activity=call, outcome="有意向")
    seen = stamp_history(lead, t[1], seen)
    time_machine.move_to(t[2], tick=False)
    lead_qualify(actor=org.rep, lead=lead)
    seen = stamp_history(lead, t[2], seen)
    time_machine.move_to(t[3], tick=False)
    with acting_as(org.manager):
        Lead.objects.filter(pk=lead.pk).update(city="苏州")
    seen = stamp_history(lead, t[3], seen)
    time_machine.move_to(t[4], tick=False)
    activity_schedule(actor=org.rep, target=lead, kind="visit", subject="上门拜访", due_at=t[4] + timedelta(days=1),
                      assignee=org.rep)  # fmt: skip

    # when
    entries = record_timeline(target=lead)

    # then
    rep, manager = str(org.rep), str(org.manager)
    assert summary(entries) == [
        (t[4], "activity", rep, "上门拜访", True),
        (t[3], "audit", manager, "update", (("city", "", "苏州"),)),
        (t[2], "stage", rep, "Contacted", "Qualified"),
        (t[1], "activity", rep, "首次电话", False),
        (t[1], "stage", rep, "New", "Contacted"),
        (t[1], "audit", rep, "update", (("first_contacted_at", None, "2026-12-01 10:00"),)),
        (t[0], "audit", rep, "update", (("owner_id", None, rep),)),
        (t[0], "audit", rep, "insert", ()),
    ]


def test_an_opportunitys_timeline_shows_its_stage_history_not_the_stage_columns_twice(org, time_machine):
    # given
    t = [datetime(2026, 12, 1, hour, 0, tzinfo=SHANGHAI) for hour in (9, 10, 11)]
    time_machine.move_to(t[0], tick=False)
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="small")
    deal = opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")
    seen = stamp_history(deal, t[0])
    time_machine.move_to(t[1], tick=False)
    activity_schedule(actor=org.rep, target=deal, kind="demo", subject="产品演示", due_at=None, assignee=org.rep)
    activity_complete(actor=org.rep, activity=Activity.objects.get(), outcome="客户满意")
    time_machine.move_to(t[2], tick=False)
    opportunity_update(actor=org.rep, opportunity=deal, name="金桥 MES 一期（扩）")
    stamp_history(deal, t[2], seen)

    # when
    entries = record_timeline(target=deal)

    # then
    rep = str(org.rep)
    assert summary(entries) == [
        (t[2], "audit", rep, "update", (("name", "金桥 MES 一期", "金桥 MES 一期（扩）"),)),
        (t[1], "activity", rep, "产品演示", False),
        (t[0], "stage", rep, None, "Qualification"),
        (t[0], "audit", rep, "insert", ()),
    ]


def test_the_lead_page_shows_the_timeline_with_the_forms_in_english_and_chinese(org, frozen):
    # given
    lead = a_lead(org.rep)
    activity_schedule(actor=org.rep, target=lead, kind="call", subject="约演示时间", due_at=NOW + timedelta(hours=3),
                      assignee=org.rep)  # fmt: skip
    activity_log(actor=org.rep, target=lead, kind="call", subject="首次电话", outcome="有意向")
    page = reverse("leads:lead_detail", args=[lead.pk])

    # when
    english = signed_in(org.rep).get(page).content.decode()
    chinese = signed_in(org.rep, "zh-hans").get(page).content.decode()

    # then
    assert f'action="/activities/on/leads.lead/{lead.pk}/"' in english
    assert "Plan or record an activity" in english
    assert "约演示时间" in english
    assert english.count('class="ltc-timeline-entry" data-entry="activity-planned"') == 1
    assert '<span class="fw-semibold">Status</span>: New → <strong>Contacted</strong>' in english
    assert "首次电话 — 有意向" in english
    assert '<span class="fw-semibold">状态</span>: 新线索 → <strong>已联系</strong>' in chinese
    assert "计划或记录跟进" in chinese
    assert "记录已完成的跟进" in chinese


def test_the_timeline_costs_the_same_queries_for_one_entry_or_forty(org, frozen, django_assert_max_num_queries):
    # given
    lead = a_lead(org.rep)
    url = reverse("activities:timeline", args=["leads.lead", lead.pk])
    client = signed_in(org.rep)
    client.get(url)  # sessions, content types and the like warmed once
    for n in range(40):
        activity_schedule(actor=org.rep, target=lead, kind="call", subject=f"回访 {n}", due_at=NOW + timedelta(days=1),
                          assignee=org.teammate if n % 2 else org.rep)  # fmt: skip

    # when / then
    with django_assert_max_num_queries(14):
        response = client.get(url)
    # 40 activities, the lead's creation and its assignment
    assert response.content.decode().count('class="ltc-timeline-entry') == 42


def test_every_record_page_carries_the_activity_panel(org, frozen):
    # given
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="small")
    deal = opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")
    client = signed_in(org.rep)

    # when
    pages = {
        "leads.lead": client.get(reverse("leads:lead_detail", args=[a_lead(org.rep).pk])),
        "customers.account": client.get(reverse("customers:account_detail", args=[account.pk])),
        "opportunities.opportunity": client.get(reverse("opportunities:opportunity_detail", args=[deal.pk])),
    }

    # then
    for key, response in pages.items():
        assert response.status_code == 200
        assert f'action="/activities/on/{key}/' in response.content.decode()


# --- my day -------------------------------------------------------------------------------------------------------


def test_my_day_lists_overdue_then_today_then_the_next_seven_days(org, frozen):
    # given: planned at times around 2026-12-01 10:00 in Shanghai
    lead = a_lead(org.rep)
    theirs = a_lead(org.teammate, name="钱总")

    def plan(subject: str, due: datetime, assignee: Any = None, target: Any = lead) -> Activity:
        return activity_schedule(actor=org.rep, target=target, kind="call", subject=subject, due_at=due,
                                 assignee=assignee or org.rep)  # fmt: skip

    plan("上周的", datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    plan("昨天的", datetime(2026, 11, 30, 18, 0, tzinfo=SHANGHAI))
    plan("今早的", datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))
    plan("今晚的", datetime(2026, 12, 1, 23, 59, tzinfo=SHANGHAI))
    plan("明天的", datetime(2026, 12, 2, 0, 0, tzinfo=SHANGHAI))
    plan("第七天的", datetime(2026, 12, 8, 23, 0, tzinfo=SHANGHAI))
    plan("第八天的", datetime(2026, 12, 9, 0, 0, tzinfo=SHANGHAI))
    plan("同事的", datetime(2026, 12, 1, 11, 0, tzinfo=SHANGHAI), assignee=org.teammate, target=theirs)
    done = plan("已完成的", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    activity_complete(actor=org.rep, activity=done)

    # when
    response = signed_in(org.rep).get(reverse("activities:my_day"))

    # then
    day = response.context["day"]
    assert [a.subject for a in day.overdue] == ["上周的", "昨天的"]
    assert [a.subject for a in day.today] == ["今早的", "今晚的"]
    assert [a.subject for a in day.upcoming] == ["明天的", "第七天的"]
    html = response.content.decode()
    assert (
        html.index("上周的") < html.index("昨天的") < html.index("今早的") < html.index("今晚的") < html.index("明天的")
    )
    assert html.count(f'href="{reverse("leads:lead_detail", args=[lead.pk])}"') == 6
    assert "同事的" not in html


def test_done_from_my_day_comes_back_to_my_day(org, frozen):
    lead = a_lead(org.rep)
    planned = activity_schedule(actor=org.rep, target=lead, kind="call", subject="回访",
                                due_at=NOW - timedelta(hours=1), assignee=org.rep)  # fmt: skip
    page = reverse("activities:my_day")

    response = signed_in(org.rep).post(reverse("activities:activity_done", args=[planned.pk]),
                                       {"outcome": "已回访", "next": page}, follow=True)  # fmt: skip

    assert response.redirect_chain == [(page, 302)]
    assert flashed(response) == ["Done: 回访."]
    assert response.context["day"].count == 0
    planned.refresh_from_db()
    assert (planned.done_at, planned.outcome) == (NOW, "已回访")


def test_my_day_renders_in_chinese_and_english(org, frozen):
    lead = a_lead(org.rep)
    activity_schedule(actor=org.rep, target=lead, kind="call", subject="回访", due_at=NOW - timedelta(days=1),
                      assignee=org.rep)  # fmt: skip

    english = signed_in(org.rep).get(reverse("activities:my_day")).content.decode()
    chinese = signed_in(org.rep, "zh-hans").get(reverse("activities:my_day")).content.decode()

    assert '<h1 class="h3 mb-0">My day</h1>' in english
    assert "</i> Overdue</span>" in english and "<span>Next 7 days</span>" in english
    assert '<h1 class="h3 mb-0">我的一天</h1>' in chinese
    assert "</i> 逾期</span>" in chinese and "<span>未来 7 天</span>" in chinese


# --- the inbox and the preferences ----------------------------------------------------------------------------------


def notify(recipient: Any, text: str, created: datetime, read: bool = False, url: str = "") -> Notification:
    note = Notification.objects.create(recipient=recipient, kind=ACTIVITY_DUE, text=text, url=url)
    Notification.objects.filter(pk=note.pk).update(created_at=created, read_at=created if read else None)
    note.refresh_from_db()
    return note


def test_the_inbox_lists_ones_own_unread_first_then_newest_and_the_navigation_counts_unread(org, frozen):
    # given
    notify(org.rep, "旧的已读", NOW - timedelta(days=3), read=True)
    notify(org.rep, "新的已读", NOW - timedelta(hours=1), read=True)
    notify(org.rep, "旧的未读", NOW - timedelta(days=2))
    notify(org.rep, "新的未读", NOW - timedelta(hours=2))
    notify(org.teammate, "同事的", NOW)

    client = signed_in(org.rep)

    # when
    response = client.get(reverse("activities:inbox"))
    badge = client.get(reverse("activities:unread_badge"))
    nobody = signed_in(org.sub_rep).get(reverse("activities:unread_badge"))

    # then
    assert [n.text for n in response.context["page"]] == ["新的未读", "旧的未读", "新的已读", "旧的已读"]
    html = response.content.decode()
    assert '<span hx-get="/inbox/unread/" hx-trigger="load, every 60s"' in html
    assert "同事的" not in html
    badge_html = '<span class="badge rounded-pill text-bg-danger ltc-unread">2<span class="visually-hidden"> unread'
    assert badge.content.decode().strip() == badge_html + "</span></span>"
    assert nobody.content.decode().strip() == ""


def test_following_a_notification_marks_it_read_and_another_persons_is_404(org, frozen):
    # given
    lead = a_lead(org.rep)
    page = reverse("leads:lead_detail", args=[lead.pk])
    mine = notify(org.rep, "回访到期", NOW - timedelta(hours=1), url=page)
    theirs = notify(org.teammate, "同事的", NOW - timedelta(hours=1))
    client = signed_in(org.rep)

    # when
    followed = client.get(reverse("activities:notification_open", args=[mine.pk]))
    others = [
        client.get(reverse("activities:notification_open", args=[theirs.pk])).status_code,
        client.post(reverse("activities:notification_read", args=[theirs.pk])).status_code,
    ]

    # then
    assert (followed.status_code, followed["Location"]) == (302, page)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.read_at, theirs.read_at) == (NOW, None)
    assert others == [404, 404]


def test_mark_one_and_mark_all_read_touch_only_ones_own(org, frozen):
    # given
    first = notify(org.rep, "一", NOW - timedelta(hours=3))
    notify(org.rep, "二", NOW - timedelta(hours=2))
    theirs = notify(org.teammate, "同事的", NOW - timedelta(hours=1))
    client = signed_in(org.rep)

    # when
    client.post(reverse("activities:notification_read", args=[first.pk]))
    after_one = Notification.objects.filter(recipient=org.rep, read_at__isnull=True).count()
    client.post(reverse("activities:inbox_read_all"))

    # then
    assert after_one == 1
    assert Notification.objects.filter(recipient=org.rep, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_renders_in_chinese_and_english(org, frozen):
    notify(org.rep, "回访到期：王经理", NOW)

    english = signed_in(org.rep).get(reverse("activities:inbox")).content.decode()
    chinese = signed_in(org.rep, "zh-hans").get(reverse("activities:inbox")).content.decode()

    assert "Mark all read" in english and "回访到期：王经理" in english
    assert "全部标为已读" in chinese and "偏好设置" in chinese


def test_preferences_save_each_kind_and_refuse_an_unknown_channel_whole(org, frozen):
    # given
    client = signed_in(org.rep)
    url = reverse("activities:preferences")

    # when
    saved = client.post(url, {f"kind-{ACTIVITY_DUE}": "both", f"kind-{ACTIVITY_OVERDUE}": "email"}, follow=True)
    before = list(NotificationPreference.objects.order_by("kind").values_list("kind", "channels"))
    refused = client.post(url, {f"kind-{ACTIVITY_DUE}": "inbox", f"kind-{DIGEST}": "sms"}, follow=True)

    # then
    assert flashed(saved) == ["Your choices are saved."]
    assert before == [(ACTIVITY_DUE, "inbox,email"), (ACTIVITY_OVERDUE, "email")]
    assert flashed(refused) == ["Choose the inbox, email or both."]
    assert list(NotificationPreference.objects.order_by("kind").values_list("kind", "channels")) == before
    rows = {row.kind: current for row, current in refused.context["rows"]}
    assert (rows[ACTIVITY_DUE], rows[ACTIVITY_OVERDUE], rows[DIGEST]) == ("both", "email", "email")


def test_the_preferences_page_renders_in_chinese_and_english(org):
    english = signed_in(org.rep).get(reverse("activities:preferences")).content.decode()
    chinese = signed_in(org.rep, "zh-hans").get(reverse("activities:preferences")).content.decode()

    assert "A planned activity is due" in english
    assert "通知偏好" in chinese


def test_content_types_are_wired_for_every_target(org):
    from django.conf import settings

    for key in settings.ACTIVITY_TARGETS:
        app_label, model = key.split(".")
        assert ContentType.objects.get_by_natural_key(app_label, model).model_class() is not None
