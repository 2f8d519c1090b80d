"""Deals, quotes and products over the API: moves as POST actions with their codes, exact amounts as strings,
and 404 outside one's deals."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.services import account_create
from opportunities.models import LostReason, Opportunity, Product, Quote, Stage
from opportunities.services import opportunity_create


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def deal(org, _english) -> Opportunity:
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="small")
    return opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")


def test_moves_answer_the_gate_the_stale_version_and_the_deal(org, deal):
    rep = client_for(org.rep)
    needs = Stage.objects.get(name_en="Needs analysis")

    gate = rep.post(f"/api/v1/opportunities/{deal.pk}/move/", {"stage": needs.pk, "version": 1}, format="json")
    team = rep.post(f"/api/v1/opportunities/{deal.pk}/team/", {"presales": "presales", "delivery": None}, format="json")
    lose = rep.post(f"/api/v1/opportunities/{deal.pk}/lose/", {"version": 1}, format="json")
    lost = rep.post(
        f"/api/v1/opportunities/{deal.pk}/lose/",
        {"version": 1, "lost_reason": LostReason.objects.get(name_en="Price too high").pk, "competitor": "用友"},
        format="json",
    )
    stale = rep.post(f"/api/v1/opportunities/{deal.pk}/win/", {"version": 1}, format="json")

    assert (gate.status_code, gate.json()["error"]["code"]) == (400, "gate_mandatory_missing")
    assert (team.status_code, team.json()["presales"]) == (200, "presales")
    assert (lose.status_code, lose.json()["error"]["fields"]) == (400, {"lost_reason": ["This field is required."]})
    assert (lost.status_code, lost.json()["stage_category"], lost.json()["version"]) == (200, "lost", 2)
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "stale_move")
    assert client_for(org.presales).get(f"/api/v1/opportunities/{deal.pk}/").status_code == 200
    assert client_for(org.other_rep).get(f"/api/v1/opportunities/{deal.pk}/").status_code == 404


def test_a_quote_over_the_api_is_exact_and_follows_its_rules(org, deal):
    rep = client_for(org.rep)
    product = Product.objects.create(code="MES-STD", name="MES 标准版", list_price="88000.00", tax_rate="13")

    created = rep.post("/api/v1/quotes/", {"opportunity": deal.pk}, format="json")
    quote_id = created.json()["id"]
    bad = rep.put(
        f"/api/v1/quotes/{quote_id}/lines/", {"lines": [{"product": product.pk, "quantity": "-1"}]}, format="json"
    )
    lines = rep.put(
        f"/api/v1/quotes/{quote_id}/lines/",
        {"lines": [{"product": product.pk, "quantity": "2", "discount_percent": "20"},
                   {"description": "实施服务", "quantity": "2.5", "unit_price": "333.33", "tax_rate": "6"}]},
        format="json",
    )  # fmt: skip
    unapproved = rep.post(f"/api/v1/quotes/{quote_id}/send/")
    rep.post(f"/api/v1/quotes/{quote_id}/request-approval/")
    own = rep.post(f"/api/v1/quotes/{quote_id}/approve-discount/", {}, format="json")
    approved = client_for(org.manager).post(
        f"/api/v1/quotes/{quote_id}/approve-discount/", {"note": "战略客户"}, format="json"
    )
    sent = rep.post(f"/api/v1/quotes/{quote_id}/send/")
    accepted = rep.post(f"/api/v1/quotes/{quote_id}/accept/")
    again = rep.post(f"/api/v1/quotes/{quote_id}/accept/")

    assert (created.status_code, created.json()["version"], created.json()["status"]) == (201, 1, "draft")
    assert (bad.status_code, bad.json()["error"]["fields"]) == (
        400,
        {"lines.1.quantity": ["The quantity must be more than zero."]},
    )
    body = lines.json()
    assert [line["total"] for line in body["lines"]] == ["159104.00", "883.33"]
    assert (body["gross"], body["discount"], body["tax"], body["total"], body["needs_approval"]) == (
        "176833.33", "35200.00", "18354.00", "159987.33", True,
    )  # fmt: skip
    assert (unapproved.status_code, unapproved.json()["error"]["code"]) == (400, "discount_needs_approval")
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_discount")
    assert (approved.json()["approval"], sent.json()["status"], accepted.json()["status"]) == (
        "approved",
        "sent",
        "accepted",
    )
    assert (again.status_code, again.json()["error"]["code"]) == (400, "quote_not_sent")
    assert client_for(org.other_rep).get(f"/api/v1/quotes/{quote_id}/").status_code == 404
    assert Quote.objects.get().total == deal.__class__.objects.get(pk=deal.pk).amount


def test_products_are_listed_with_prices_as_strings(org):
    Product.objects.create(code="MES-STD", name="MES 标准版", unit="套", list_price="88000.00", tax_rate="13")
    Product.objects.create(code="OLD", name="停售", active=False)

    body = client_for(org.rep).get("/api/v1/products/").json()

    assert [(p["code"], p["list_price"], p["tax_rate"]) for p in body["results"]] == [("MES-STD", "88000.00", "13.00")]
