"""The leads API: one error format, visibility, filters, moves as POST actions, a fixed query budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from leads.models import Assignment, Lead
from leads.services import lead_create
from leads.tests.conftest import COOL, HOT

NOW = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_grades_routes_and_answers_the_lead(sales, frozen):
    response = client_for(sales.manager).post(
        "/api/v1/leads/",
        {
            "name": "刘建华",
            "company": "上海申远",
            "phone": "138 1762 3301",
            "source": "trade_show",
            "region": "east",
            **HOT,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["grade"], body["score"], body["rubric_version"], body["owner"], body["status"]) == (
        "A",
        100,
        1,
        "senior_east",
        "new",
    )
    assert body["first_contact_due_at"] == "2026-11-03T09:30:00+08:00"
    assert body["grade_explanation"][0] == {
        "label": "公司规模 500 人以上",
        "label_en": "Company of 500+ people",
        "points": 20,
    }


def test_bad_input_answers_one_error_format_and_writes_nothing(sales):
    response = client_for(sales.manager).post(
        "/api/v1/leads/", {"name": "张三", "phone": "12345", "email": "x@", "source": "website"}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], sorted(error["fields"])) == ("invalid_lead", ["email", "phone"])
    assert Lead.objects.count() == 0


def test_an_unknown_source_is_a_validation_error(sales):
    response = client_for(sales.manager).post("/api/v1/leads/", {"name": "张三", "source": "tiktok"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"]) == ["source"]


def test_another_team_s_lead_is_404_and_absent_from_lists(sales, frozen):
    south = lead_create(actor=sales.manager, name="南方客户", source=sales.website, region="south", **HOT)
    east = lead_create(actor=sales.manager, name="东方客户", source=sales.website, region="east", **HOT)
    rep = client_for(sales.senior_east)

    detail = rep.get(f"/api/v1/leads/{south.pk}/")
    listed = rep.get("/api/v1/leads/").json()

    assert detail.status_code == 404
    assert [row["id"] for row in listed["results"]] == [east.pk]
    assert rep.post(f"/api/v1/leads/{south.pk}/disqualify/", {"reason": "x"}, format="json").status_code == 404
    south.refresh_from_db()
    assert south.status == "new"


def test_filters_by_grade_status_and_overdue_first_contact(sales, frozen, time_machine):
    hot = lead_create(actor=sales.manager, name="热", source=sales.website, region="east", **HOT)
    cool = lead_create(actor=sales.manager, name="温", source=sales.website, region="east", **COOL)
    time_machine.move_to(NOW + timedelta(hours=30), tick=False)  # A is due in 24 h, C in 72 h
    manager = client_for(sales.manager)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in manager.get(f"/api/v1/leads/?{query}").json()["results"]]

    assert ids("grade=A") == [hot.pk]
    assert ids("grade=A&grade=C") == [cool.pk, hot.pk]
    assert ids("overdue=true") == [hot.pk]
    assert ids("overdue=false") == [cool.pk]
    assert ids("status=contacted") == []
    assert ids("sort=score") == [cool.pk, hot.pk]
    assert ids("q=热") == [hot.pk]


def test_a_rep_cannot_reassign_and_nothing_changes(sales, frozen):
    lead = lead_create(actor=sales.manager, name="客户", source=sales.website, region="east", **COOL)
    owner = lead.owner

    response = client_for(lead.owner).post(
        f"/api/v1/leads/{lead.pk}/assign/", {"to_user": "junior_east"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_manager"
    lead.refresh_from_db()
    assert (lead.owner, Assignment.objects.filter(lead=lead).count()) == (owner, 1)


def test_a_manager_reassigns_through_the_action(sales, frozen):
    lead = lead_create(actor=sales.manager, name="客户", source=sales.website, region="east", **COOL)

    response = client_for(sales.manager).post(
        f"/api/v1/leads/{lead.pk}/assign/", {"to_user": "junior_east", "reason": "行业经验"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["owner"] == "junior_east"


def test_disqualify_needs_a_reason(sales, frozen):
    lead = lead_create(actor=sales.manager, name="客户", source=sales.website, region="east", **COOL)
    manager = client_for(sales.manager)

    refused = manager.post(f"/api/v1/leads/{lead.pk}/disqualify/", {"reason": ""}, format="json")
    done = manager.post(f"/api/v1/leads/{lead.pk}/disqualify/", {"reason": "无采购计划"}, format="json")
    again = manager.post(f"/api/v1/leads/{lead.pk}/qualify/", format="json")

    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "reason_required")
    assert (done.status_code, done.json()["status"], done.json()["disqualify_reason"]) == (
        200,
        "disqualified",
        "无采购计划",
    )
    assert (again.status_code, again.json()["error"]["code"]) == (400, "invalid_transition")


@pytest.mark.parametrize("rows", [2, 40])
def test_the_list_has_a_fixed_query_budget(sales, frozen, rows, django_assert_num_queries):
    for i in range(rows):
        lead_create(
            actor=sales.manager, name=f"客户{i}", source=sales.website, region="east", auto_assign=False, **COOL
        )
    manager = client_for(sales.manager)

    # the access profile (3), count, one page with its related rows
    with django_assert_num_queries(5):
        response = manager.get("/api/v1/leads/")

    assert response.json()["count"] == rows
