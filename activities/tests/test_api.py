"""The activities and notifications API: plan, record and complete on records one sees (others answer 404 with the
project's error format, nothing written), lists of one's own or of one record, the inbox read one by one or all."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from activities.models import Activity, Notification
from activities.reminders import ACTIVITY_DUE
from activities.services import activity_complete, activity_schedule
from leads.models import Lead, Source
from leads.services import lead_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def client_for(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def a_lead(owner: Any, name: str = "王经理") -> Lead:
    return lead_create(actor=owner, name=name, source=Source.objects.get(code="website"), owner=owner)


def plan(data: dict[str, Any], lead: Lead) -> dict[str, Any]:
    return {"target_type": "leads.lead", "target_id": lead.pk, "kind": "call", "subject": "回访", **data}


def test_plan_a_call_on_ones_lead(org, frozen):
    lead = a_lead(org.rep)

    response = client_for(org.rep).post("/api/v1/activities/", plan({"due_at": "2026-12-02T15:30:00+08:00"}, lead),
                                        format="json")  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    activity = Activity.objects.get()
    assert body == {
        "id": activity.pk, "kind": "call", "subject": "回访", "due_at": "2026-12-02T15:30:00+08:00", "done_at": None,
        "is_done": False, "outcome": "", "assignee": "rep", "target_type": "leads.lead", "target_id": lead.pk,
        "target": str(lead), "url": f"/leads/{lead.pk}/", "created_at": "2026-12-01T10:00:00+08:00",
    }  # fmt: skip


def test_record_one_done_with_its_outcome(org, frozen):
    lead = a_lead(org.rep)

    response = client_for(org.rep).post("/api/v1/activities/", plan({"done": True, "outcome": "有意向"}, lead),
                                        format="json")  # fmt: skip

    assert response.status_code == 201
    assert (response.json()["done_at"], response.json()["outcome"]) == ("2026-12-01T10:00:00+08:00", "有意向")


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"due_at": "2026-12-01T09:00:00+08:00"}, 400, "due_in_past"),
        ({"due_at": "2026-12-02T09:00:00+08:00", "kind": "fax"}, 400, "invalid_kind"),
        ({"done": True, "kind": "fax"}, 400, "invalid_kind"),
        ({"due_at": None}, 400, "due_required"),
        ({"due_at": "2026-12-02T09:00:00+08:00", "subject": ""}, 400, "subject_required"),
        ({"due_at": "2026-12-02T09:00:00+08:00", "assignee": "other_rep"}, 400, "assignee_cannot_see"),
        ({"due_at": "2026-12-02T09:00:00+08:00", "assignee": "nobody"}, 400, "validation_error"),
        ({"due_at": "2026-12-02T09:00:00+08:00", "target_type": "org.user"}, 404, "not_found"),
        ({"due_at": "2026-12-02T09:00:00+08:00", "target_id": 999999}, 404, "not_found"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_is_written(org, frozen, data, status, code):
    lead = a_lead(org.rep)

    response = client_for(org.rep).post("/api/v1/activities/", plan(data, lead), format="json")

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert Activity.objects.count() == 0


def test_a_rep_can_neither_plan_on_nor_see_the_activities_of_another_teams_lead(org, frozen):
    # given
    theirs = a_lead(org.other_rep, name="赵总")
    hidden = activity_schedule(actor=org.other_rep, target=theirs, kind="call", subject="回访",
                               due_at=NOW + timedelta(hours=1), assignee=org.other_rep)  # fmt: skip
    client = client_for(org.rep)

    # when
    planned = client.post("/api/v1/activities/", plan({"due_at": "2026-12-02T09:00:00+08:00"}, theirs), format="json")
    listed = client.get(f"/api/v1/activities/?target_type=leads.lead&target_id={theirs.pk}")
    mine = client.get("/api/v1/activities/")
    one = client.get(f"/api/v1/activities/{hidden.pk}/")
    completed = client.post(f"/api/v1/activities/{hidden.pk}/complete/", {"outcome": "x"}, format="json")

    # then
    assert [r.status_code for r in (planned, listed, one, completed)] == [404, 404, 404, 404]
    assert {r.json()["error"]["code"] for r in (planned, listed, one, completed)} == {"not_found"}
    assert mine.json()["results"] == []
    assert Activity.objects.count() == 1
    hidden.refresh_from_db()
    assert hidden.done_at is None


def test_lists_of_ones_own_and_of_one_record_with_filters(org, frozen, django_assert_max_num_queries):
    # given
    lead = a_lead(org.rep)
    other = a_lead(org.rep, name="钱总")
    for n in range(5):
        activity_schedule(actor=org.rep, target=lead, kind="call", subject=f"回访 {n}", due_at=NOW + timedelta(days=n),
                          assignee=org.rep)  # fmt: skip
    done = activity_schedule(actor=org.rep, target=other, kind="visit", subject="拜访", due_at=None, assignee=org.rep)
    activity_complete(actor=org.rep, activity=done, outcome="顺利")
    client = client_for(org.rep)

    # when
    with django_assert_max_num_queries(8):
        mine = client.get("/api/v1/activities/")
    of_lead = client.get(f"/api/v1/activities/?target_type=leads.lead&target_id={lead.pk}&done=false")
    done_only = client.get("/api/v1/activities/?done=true")
    manager = client_for(org.manager).get(f"/api/v1/activities/?target_type=leads.lead&target_id={other.pk}")

    # then
    assert [a["subject"] for a in mine.json()["results"]] == ["回访 0", "回访 1", "回访 2", "回访 3", "回访 4", "拜访"]
    assert [a["subject"] for a in of_lead.json()["results"]] == ["回访 0", "回访 1", "回访 2", "回访 3", "回访 4"]
    assert [a["subject"] for a in done_only.json()["results"]] == ["拜访"]
    assert [a["subject"] for a in manager.json()["results"]] == ["拜访"]


def test_complete_marks_it_done_once(org, frozen):
    lead = a_lead(org.rep)
    planned = activity_schedule(actor=org.rep, target=lead, kind="call", subject="回访",
                                due_at=NOW + timedelta(hours=1), assignee=org.rep)  # fmt: skip
    client = client_for(org.rep)

    first = client.post(f"/api/v1/activities/{planned.pk}/complete/", {"outcome": "已联系"}, format="json")
    second = client.post(f"/api/v1/activities/{planned.pk}/complete/", {"outcome": "再次"}, format="json")

    assert (first.status_code, first.json()["outcome"], first.json()["done_at"]) == (
        200, "已联系", "2026-12-01T10:00:00+08:00"
    )  # fmt: skip
    assert (second.status_code, second.json()["error"]["code"]) == (400, "activity_already_done")
    planned.refresh_from_db()
    assert planned.outcome == "已联系"


# --- notifications -------------------------------------------------------------------------------------------------


def notify(recipient: Any, text: str, hours_ago: int, read: bool = False) -> Notification:
    note = Notification.objects.create(recipient=recipient, kind=ACTIVITY_DUE, text=text, url="/leads/1/")
    created = NOW - timedelta(hours=hours_ago)
    Notification.objects.filter(pk=note.pk).update(created_at=created, read_at=created if read else None)
    note.refresh_from_db()
    return note


def test_the_inbox_lists_ones_own_unread_first_and_counts_them(org, frozen):
    notify(org.rep, "已读", 1, read=True)
    notify(org.rep, "旧未读", 5)
    notify(org.rep, "新未读", 2)
    notify(org.teammate, "同事的", 0)
    client = client_for(org.rep)

    listed = client.get("/api/v1/notifications/")
    unread = client.get("/api/v1/notifications/?unread=true")
    count = client.get("/api/v1/notifications/unread-count/")

    assert [n["text"] for n in listed.json()["results"]] == ["新未读", "旧未读", "已读"]
    assert [(n["text"], n["is_read"]) for n in unread.json()["results"]] == [("新未读", False), ("旧未读", False)]
    assert count.json() == {"unread": 2}


def test_read_one_read_all_and_never_another_persons(org, frozen):
    # given
    first = notify(org.rep, "一", 3)
    notify(org.rep, "二", 2)
    theirs = notify(org.teammate, "同事的", 1)
    client = client_for(org.rep)

    # when
    one = client.post(f"/api/v1/notifications/{first.pk}/read/")
    others = [
        client.post(f"/api/v1/notifications/{theirs.pk}/read/"),
        client.get(f"/api/v1/notifications/{theirs.pk}/"),
    ]
    everything = client.post("/api/v1/notifications/read-all/")

    # then
    assert (one.status_code, one.json()["read_at"], one.json()["is_read"]) == (200, "2026-12-01T10:00:00+08:00", True)
    assert [(r.status_code, r.json()["error"]["code"]) for r in others] == [(404, "not_found"), (404, "not_found")]
    assert everything.json() == {"marked": 1}
    assert Notification.objects.filter(recipient=org.rep, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_schema_describes_both_endpoints(org):
    response = client_for(org.admin).get("/api/schema/?format=json")

    paths = response.json()["paths"]
    assert {"/api/v1/activities/", "/api/v1/activities/{id}/complete/", "/api/v1/notifications/",
            "/api/v1/notifications/{id}/read/", "/api/v1/notifications/read-all/",
            "/api/v1/notifications/unread-count/"} <= set(paths)  # fmt: skip
