"""Converting a lead: exactly the linked records, the duplicate match offered, and refusals that write nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from activities.models import Activity
from activities.services import activity_complete
from customers.models import Account, Contact
from customers.services import account_create, contact_create
from leads.models import Lead, Status
from leads.services import lead_create, lead_disqualify, lead_update
from leads.tests.conftest import HOT, WARM
from ltc.errors import DomainError
from opportunities.models import Opportunity
from opportunities.services import opportunity_create_from_lead


def contacted_lead(sales, **fields):
    lead = lead_create(
        actor=sales.manager,
        name=fields.pop("name", "刘建华"),
        company=fields.pop("company", "上海申远机电"),
        phone=fields.pop("phone", "+86 138-1762-3301"),
        email=fields.pop("email", "Liu.JH@shenyuan.cn"),
        title="采购经理",
        source=sales.website,
        region="east",
        **{**HOT, **fields},
    )
    first_call = Activity.objects.get(target_id=lead.pk, subject="首次电话沟通")
    activity_complete(actor=lead.owner, activity=first_call, outcome="有兴趣，约了拜访")
    lead.refresh_from_db()
    assert lead.status == Status.CONTACTED
    return lead


def counts():
    return (Account.objects.count(), Contact.objects.count(), Opportunity.objects.count())


def test_conversion_creates_exactly_the_linked_account_contact_and_opportunity(sales):
    lead = contacted_lead(sales)
    planned_before = Activity.objects.filter(target_id=lead.pk, done_at__isnull=True).count()
    assert planned_before == 3  # the A cadence's touches after the first call (days 1, 3, 7)

    opportunity = opportunity_create_from_lead(
        actor=sales.senior_east, lead=lead, amount="250000", expected_close_date=None
    )

    assert counts() == (1, 1, 1)
    account = Account.objects.get()
    contact = Contact.objects.get()
    assert (account.name, account.name_key, account.owner, account.region, account.size, account.industry) == (
        "上海申远机电",
        "上海申远机电",
        sales.senior_east,
        "east",
        "enterprise",
        "软件",
    )
    assert (contact.account, contact.name, contact.title, contact.phone_key, contact.email) == (
        account,
        "刘建华",
        "采购经理",
        "13817623301",
        "liu.jh@shenyuan.cn",
    )
    assert (
        opportunity.name,
        opportunity.account,
        opportunity.contact,
        opportunity.amount,
        opportunity.currency,
        opportunity.owner,
        opportunity.team,
        opportunity.source_lead,
        opportunity.source,
        opportunity.campaign,
    ) == (
        "上海申远机电",
        account,
        contact,
        Decimal("250000.00"),
        "CNY",
        sales.senior_east,
        sales.east,
        lead,
        sales.website,
        None,
    )
    lead.refresh_from_db()
    assert (lead.status, lead.account, lead.contact, lead.opportunity) == (
        Status.CONVERTED,
        account,
        contact,
        opportunity,
    )
    assert lead.converted_at is not None
    # the cadence ends: planned touches go, the done call stays
    assert [(a.subject, a.is_done) for a in Activity.objects.filter(target_id=lead.pk)] == [("首次电话沟通", True)]


def test_a_converted_lead_is_read_only_and_cannot_be_converted_twice(sales):
    lead = contacted_lead(sales)
    opportunity_create_from_lead(actor=sales.senior_east, lead=lead)

    with pytest.raises(DomainError) as twice:
        opportunity_create_from_lead(actor=sales.senior_east, lead=lead, new_account=True, new_contact=True)
    assert (twice.value.code, twice.value.status) == ("lead_already_converted", 409)
    with pytest.raises(DomainError) as edit:
        lead_update(actor=sales.senior_east, lead=lead, company="别的公司")
    assert edit.value.code == "lead_closed"
    assert counts() == (1, 1, 1)
    lead.refresh_from_db()
    assert lead.company == "上海申远机电"


def test_disqualified_and_uncontacted_leads_are_refused_without_writing(sales):
    lead = contacted_lead(sales)
    lead_disqualify(actor=sales.senior_east, lead=lead, reason="无预算")
    fresh = lead_create(actor=sales.manager, name="王芳", company="杭州云帆", source=sales.website, **WARM)

    with pytest.raises(DomainError) as closed:
        opportunity_create_from_lead(actor=sales.manager, lead=lead)
    with pytest.raises(DomainError) as early:
        opportunity_create_from_lead(actor=sales.manager, lead=fresh)

    assert (closed.value.code, early.value.code) == ("lead_disqualified", "lead_not_contacted")
    assert str(early.value.message) == "Contact the lead before converting it (it is New)."
    assert counts() == (0, 0, 0)
    assert list(Lead.objects.order_by("pk").values_list("status", flat=True)) == ["disqualified", "new"]


def test_a_matching_account_and_contact_are_offered_not_repeated(sales):
    existing = account_create(actor=sales.senior_east, name="上海申远机电", owner=sales.senior_east)
    person = contact_create(actor=sales.senior_east, account=existing, name="刘建华", phone="13817623301")
    lead = contacted_lead(sales, company="上海申远机电 ")

    with pytest.raises(DomainError) as account_choice:
        opportunity_create_from_lead(actor=sales.senior_east, lead=lead)
    assert account_choice.value.code == "account_match"
    assert account_choice.value.fields == {"account": [f"{existing.pk}: 上海申远机电 ({sales.senior_east})"]}
    with pytest.raises(DomainError) as contact_choice:
        opportunity_create_from_lead(actor=sales.senior_east, lead=lead, account=existing)
    assert contact_choice.value.code == "contact_match"
    assert counts() == (1, 1, 0)

    opportunity = opportunity_create_from_lead(actor=sales.senior_east, lead=lead, account=existing, contact=person)

    assert counts() == (1, 1, 1)
    assert (opportunity.account, opportunity.contact) == (existing, person)


def test_a_new_contact_may_be_asked_for_at_a_matching_account(sales):
    existing = account_create(actor=sales.senior_east, name="上海申远机电", owner=sales.senior_east)
    contact_create(actor=sales.senior_east, account=existing, name="刘建华", phone="13817623301")
    lead = contacted_lead(sales)

    opportunity = opportunity_create_from_lead(actor=sales.senior_east, lead=lead, account=existing, new_contact=True)

    assert counts() == (1, 2, 1)
    _first, second = existing.contacts.order_by("pk")
    assert (opportunity.contact, second.name, second.phone_key) == (second, "刘建华", "13817623301")


def test_a_company_that_is_another_reps_customer_is_not_created_twice(sales):
    account_create(actor=sales.senior_south, name="上海申远机电", owner=sales.senior_south)
    lead = contacted_lead(sales)

    with pytest.raises(DomainError) as elsewhere:
        opportunity_create_from_lead(actor=sales.senior_east, lead=lead, new_account=True)

    assert elsewhere.value.code == "account_owned_elsewhere"
    assert str(elsewhere.value.message) == (
        f"“上海申远机电” is already a customer of {sales.senior_south}; ask your manager before converting."
    )
    assert counts() == (1, 0, 0)


def test_the_api_converts_a_visible_lead_and_hides_others(sales):
    lead = contacted_lead(sales)
    outsider = APIClient()
    outsider.force_authenticate(sales.senior_south)

    hidden = outsider.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "not_found")
    assert counts() == (0, 0, 0)

    owner = APIClient()
    owner.force_authenticate(sales.senior_east)
    bad = owner.post(f"/api/v1/leads/{lead.pk}/convert/", {"amount": "-5"}, format="json")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "validation_error")
    assert counts() == (0, 0, 0)

    response = owner.post(
        f"/api/v1/leads/{lead.pk}/convert/", {"amount": "88000.50", "name": "申远 MES 二期"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["amount"], body["owner"], body["source"], body["source_lead"], body["account_name"]) == (
        "申远 MES 二期",
        "88000.50",
        "senior_east",
        "website",
        lead.pk,
        "上海申远机电",
    )
    again = owner.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "lead_already_converted")
    assert counts() == (1, 1, 1)
    lead_view = owner.get(f"/api/v1/leads/{lead.pk}/").json()
    assert lead_view["status"] == "converted"
