"""The lead pages: what a rep and a manager see, export, quick add, bulk moves, saved filters, the lead page."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from activities.models import Activity
from leads.models import Lead, SavedFilter
from leads.services import lead_create
from leads.tests.conftest import COOL, HOT

NOW = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
QUERIES = 15  # the lead list page, whatever the number of leads on it


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def leads(sales, frozen):
    def make(name: str, region: str, **grading):
        return lead_create(
            actor=sales.manager, name=name, company=f"{name}公司", phone="13912345678", source=sales.website,
            region=region, **grading,
        )  # fmt: skip

    return {
        "east_a": make("东甲", "east", **HOT),
        "east_c": make("东丙", "east", **COOL),
        "south_a": make("南甲", "south", **HOT),
    }


def names(response) -> list[str]:
    return [lead.name for lead in response.context["page"]]


def test_a_rep_sees_and_exports_only_their_own_leads(sales, leads):
    rep = signed_in(sales.senior_east)

    listed = rep.get(reverse("leads:lead_list"))
    exported = rep.get(reverse("leads:lead_export") + "?format=csv")
    other = rep.get(reverse("leads:lead_detail", args=[leads["south_a"].pk]))

    assert names(listed) == ["东甲"]
    assert other.status_code == 404
    body = b"".join(exported.streaming_content).decode()  # type: ignore[attr-defined]
    assert exported["Content-Disposition"] == 'attachment; filename="leads-20261102.csv"'
    assert body.splitlines() == [
        "\ufeffID,Name,Company,Title,Phone,Email,Industry,Company size,Region,City,Source,Campaign,Grade,Score,"
        "Status,Owner,Team,First contact due,First contacted,Created",
        f"{leads['east_a'].pk},东甲,东甲公司,,13912345678,,软件,2000+ employees,East China,,Website form,,A,100,"
        f"New,{sales.senior_east},华东,2026-11-03 09:30,,2026-11-02 09:30",
    ]


def test_the_excel_export_follows_the_filters(sales, leads):
    from openpyxl import load_workbook

    manager = signed_in(sales.manager)

    response = manager.get(reverse("leads:lead_export") + "?grade=C&format=xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[:3] for row in rows] == [("ID", "Name", "Company"), (leads["east_c"].pk, "东丙", "东丙公司")]
    assert rows[1][12:15] == ("C", 30, "New")


def test_a_manager_sees_the_team_and_filters_by_grade(sales, leads):
    manager = signed_in(sales.manager)

    assert names(manager.get(reverse("leads:lead_list"))) == ["东丙", "东甲"]
    assert names(manager.get(reverse("leads:lead_list") + "?grade=A")) == ["东甲"]
    assert names(manager.get(reverse("leads:lead_list") + "?sort=-score")) == ["东甲", "东丙"]


def test_quick_add_gives_the_rep_the_lead_and_refuses_bad_input_without_writing(sales, frozen):
    rep = signed_in(sales.junior_east)

    bad = rep.post(reverse("leads:lead_create"), {"name": "赵六", "phone": "12345", "source": sales.website.pk})
    assert bad.status_code == 200
    assert bad.context["form"].errors == {"phone": ["“12345” is not a phone number."]}
    assert Lead.objects.count() == 0

    good = rep.post(
        reverse("leads:lead_create"), {"name": "赵六", "phone": "139 1234 5678", "source": sales.website.pk}
    )
    lead = Lead.objects.get()
    assert good["Location"] == reverse("leads:lead_detail", args=[lead.pk])
    assert (lead.name, lead.phone, lead.owner, lead.grade, lead.created_by) == (
        "赵六",
        "139 1234 5678",
        sales.junior_east,
        "D",
        sales.junior_east,
    )


def test_bulk_assign_by_a_manager_and_refusal_of_a_lead_out_of_scope(sales, leads):
    manager = signed_in(sales.manager)
    east = [leads["east_a"].pk, leads["east_c"].pk]

    refused = manager.post(
        reverse("leads:lead_bulk"),
        {"ids": [*east, leads["south_a"].pk], "action": "assign", "to_user": sales.junior_east.pk},
        follow=True,
    )
    assert [str(m) for m in refused.context["messages"]] == [
        "Some of the ticked leads are not yours to change; nothing was changed."
    ]
    assert list(Lead.objects.filter(pk__in=east).order_by("pk").values_list("owner__username", flat=True)) == [
        "senior_east",
        "regular_east",
    ]

    manager.post(reverse("leads:lead_bulk"), {"ids": east, "action": "assign", "to_user": sales.junior_east.pk})
    assert list(Lead.objects.filter(pk__in=east).values_list("owner__username", flat=True).distinct()) == [
        "junior_east"
    ]


def test_bulk_disqualify_needs_a_reason_and_is_all_or_nothing(sales, leads):
    manager = signed_in(sales.manager)
    east = [leads["east_a"].pk, leads["east_c"].pk]

    refused = manager.post(reverse("leads:lead_bulk"), {"ids": east, "action": "disqualify", "reason": ""}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == ["Say why the lead is disqualified. Required."]
    assert set(Lead.objects.values_list("status", flat=True)) == {"new"}

    manager.post(reverse("leads:lead_bulk"), {"ids": east, "action": "disqualify", "reason": "重复录入"})
    assert sorted(Lead.objects.values_list("name", "status", "disqualify_reason")) == [
        ("东丙", "disqualified", "重复录入"),
        ("东甲", "disqualified", "重复录入"),
        ("南甲", "new", ""),
    ]
    # their planned cadence touches are gone, the other lead's remain
    assert set(Activity.objects.filter(done_at__isnull=True).values_list("target_id", flat=True)) == {
        leads["south_a"].pk
    }


def test_a_saved_filter_is_kept_per_person(sales, leads):
    manager = signed_in(sales.manager)

    manager.post(reverse("leads:saved_filter_save"), {"name": "A 级", "query": "grade=A"})
    listed = manager.get(reverse("leads:lead_list"))

    assert [(f.name, f.query) for f in listed.context["saved_filters"]] == [("A 级", "grade=A")]
    assert SavedFilter.objects.filter(owner=sales.senior_east).count() == 0
    other = signed_in(sales.senior_east).post(reverse("leads:saved_filter_delete", args=[SavedFilter.objects.get().pk]))
    assert (other.status_code, SavedFilter.objects.count()) == (404, 1)


def test_the_lead_page_explains_the_grade_and_a_done_touch_moves_the_lead(sales, leads):
    lead = leads["east_a"]
    rep = signed_in(sales.senior_east)
    page = rep.get(reverse("leads:lead_detail", args=[lead.pk]))
    html = page.content.decode()
    for line in ("Company of 500+ people", "Budget confirmed", "Buying within a month", "+20"):
        assert line in html
    assert [a.subject for a in page.context["planned"]] == [
        "首次电话沟通",
        "发送方案资料",
        "上门拜访，需求调研",
        "跟进确认需求与预算",
    ]

    first = page.context["planned"][0]
    rep.post(reverse("leads:lead_activity_done", args=[lead.pk, first.pk]), {"outcome": "约了下周拜访"})

    lead.refresh_from_db()
    assert (lead.status, lead.first_contacted_at) == ("contacted", NOW)
    assert Activity.objects.get(pk=first.pk).outcome == "约了下周拜访"


def test_converting_from_the_page_links_the_records_and_opens_the_opportunity(sales, leads):
    from opportunities.models import Opportunity

    lead = leads["east_a"]
    rep = signed_in(sales.senior_east)
    first = Activity.objects.filter(target_id=lead.pk).order_by("due_at", "pk")[0]
    rep.post(reverse("leads:lead_activity_done", args=[lead.pk, first.pk]), {"outcome": "有预算"})

    form = rep.get(reverse("opportunities:lead_convert", args=[lead.pk]))
    assert form.context["values"] == {
        "account": "new", "contact": "new", "name": "东甲公司", "amount": "", "expected_close_date": "",
    }  # fmt: skip
    bad = rep.post(
        reverse("opportunities:lead_convert", args=[lead.pk]),
        {"account": "new", "contact": "new", "name": "东甲 ERP", "amount": "12万", "expected_close_date": ""},
    )
    assert bad.context["errors"] == {"amount": ["Enter an amount such as 120000.00."]}
    assert Opportunity.objects.count() == 0

    done = rep.post(
        reverse("opportunities:lead_convert", args=[lead.pk]),
        {
            "account": "new",
            "contact": "new",
            "name": "东甲 ERP",
            "amount": "120000",
            "expected_close_date": "2027-01-31",
        },
    )

    opportunity = Opportunity.objects.get()
    assert done["Location"] == reverse("opportunities:opportunity_detail", args=[opportunity.pk])
    assert (
        opportunity.name,
        str(opportunity.amount),
        str(opportunity.expected_close_date),
        opportunity.account.name,
    ) == (
        "东甲 ERP",
        "120000.00",
        "2027-01-31",
        "东甲公司",
    )
    lead.refresh_from_db()
    assert (lead.status, lead.account, lead.contact) == ("converted", opportunity.account, opportunity.contact)
    page = rep.get(reverse("leads:lead_detail", args=[lead.pk])).content.decode()
    assert "this lead is read-only" in page
    assert reverse("opportunities:opportunity_detail", args=[opportunity.pk]) in page


def test_the_list_page_costs_the_same_queries_for_3_or_30_leads(sales, frozen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = signed_in(sales.manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager.get(reverse("leads:lead_list")).status_code == 200
        return len(captured)

    for number in range(3):
        lead_create(actor=sales.manager, name=f"客户{number}", phone="13912345678", source=sales.website, **HOT)
    few = queries()
    for number in range(3, 30):
        lead_create(actor=sales.manager, name=f"客户{number}", phone="13912345678", source=sales.website, **COOL)
    many = queries()

    assert (few, many) == (QUERIES, QUERIES)


def test_a_long_list_counts_up_to_the_cap_and_says_there_are_more(sales, leads, monkeypatch):
    from rest_framework.test import APIClient

    from ltc.paging import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 1)
    manager = signed_in(sales.manager)
    api = APIClient()
    api.force_authenticate(sales.manager)

    html = manager.get(reverse("leads:lead_list")).content.decode()
    body = api.get("/api/v1/leads/").json()
    exact = api.get("/api/v1/leads/?grade=A").json()

    assert '<span class="badge text-bg-light" id="lead-total">1+</span>' in html
    assert (body["count"], body["count_capped"], len(body["results"])) == (1, True, 1)  # pages up to the cap
    assert (exact["count"], exact["count_capped"]) == (1, False)


def test_the_workbench_counts_my_leads_and_lists_todays_follow_ups(sales, leads, time_machine):
    from datetime import timedelta

    time_machine.move_to(NOW + timedelta(hours=30), tick=False)  # the A lead's first call (24 h) is overdue
    page = signed_in(sales.senior_east).get(reverse("home"))

    assert (page.context["open_lead_count"], page.context["overdue_lead_count"]) == (1, 1)
    assert [(a.subject, lead.name) for a, lead in page.context["follow_ups"]] == [
        ("首次电话沟通", "东甲"),
        ("发送方案资料", "东甲"),
    ]
    html = page.content.decode()
    assert '<div class="ltc-stat-value text-danger" id="stat-overdue-leads">1</div>' in html
