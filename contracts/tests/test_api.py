"""Contracts and orders over the API: the way from an accepted quote to a delivered order, finance seeing
every contract, outsiders 404, and the refusals with their codes."""

from __future__ import annotations

from rest_framework.test import APIClient

from contracts.models import Contract, HandoffItem, ReviewItem
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from opportunities.services import opportunity_set_team


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_from_accepted_quote_to_customer_acceptance_over_the_api(org, quote):  # noqa: F811
    opportunity_set_team(actor=org.rep, opportunity=quote.opportunity, delivery=org.delivery)
    rep, manager, finance, delivery = (client_for(u) for u in (org.rep, org.manager, org.finance, org.delivery))

    created = rep.post("/api/v1/contracts/", {"quote": quote.pk}, format="json")
    contract_id = created.json()["id"]
    twice = rep.post("/api/v1/contracts/", {"quote": quote.pk}, format="json")
    off = rep.put(f"/api/v1/contracts/{contract_id}/plan/", {"installments": [
        {"milestone": "signing", "percent": "50"}, {"milestone": "acceptance", "percent": "40", "due_days": 15},
    ]}, format="json")  # fmt: skip
    rep.put(f"/api/v1/contracts/{contract_id}/plan/", {"installments": [
        {"milestone": "signing", "percent": "50"}, {"milestone": "acceptance", "percent": "50", "due_days": 15},
    ]}, format="json")  # fmt: skip
    early = rep.post(f"/api/v1/contracts/{contract_id}/sign/", {"signed_on": "2026-11-25", "signatory": "钱伟"},
                     format="json")  # fmt: skip
    for item in ReviewItem.objects.all():
        rep.post(f"/api/v1/contracts/{contract_id}/tick/", {"item": item.pk}, format="json")
    own = rep.post(f"/api/v1/contracts/{contract_id}/decide/", {"approve": True}, format="json")
    manager.post(f"/api/v1/contracts/{contract_id}/decide/", {"approve": True, "comment": "同意"}, format="json")
    finance.post(f"/api/v1/contracts/{contract_id}/decide/", {"approve": True}, format="json")
    signed = rep.post(f"/api/v1/contracts/{contract_id}/sign/", {"signed_on": "2026-11-25", "signatory": "钱伟"},
                      format="json")  # fmt: skip

    assert (created.status_code, created.json()["total"], created.json()["next_approval"]) == (
        201, "33279.97", "Sales manager approval",
    )  # fmt: skip
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "contract_exists")
    assert (off.status_code, off.json()["error"]["code"]) == (400, "plan_does_not_add_up")
    assert (early.status_code, early.json()["error"]["code"]) == (400, "checklist_incomplete")
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_contract")
    assert (signed.status_code, signed.json()["status"]) == (200, "signed")
    assert [i["amount"] for i in signed.json()["installments"]] == ["16639.99", "16639.98"]

    order_id = Contract.objects.get(pk=contract_id).order.pk
    incomplete = delivery.post(f"/api/v1/orders/{order_id}/accept/")
    for handoff_item in HandoffItem.objects.all():
        side = rep if handoff_item.side == "sales" else delivery
        side.post(f"/api/v1/orders/{order_id}/tick/", {"item": handoff_item.pk}, format="json")
    accepted = delivery.post(f"/api/v1/orders/{order_id}/accept/")
    for step in ("in_delivery", "delivered", "customer_accepted"):
        last = delivery.post(f"/api/v1/orders/{order_id}/progress/", {"to": step, "on": "2027-01-10"}, format="json")

    assert (incomplete.status_code, incomplete.json()["error"]["code"]) == (400, "handoff_incomplete")
    assert (accepted.json()["status"], accepted.json()["handoff_missing"]) == ("accepted", [])
    assert (last.json()["status"], last.json()["customer_accepted_on"]) == ("customer_accepted", "2027-01-10")
    # finance sees every contract; another team's rep sees none
    assert finance.get(f"/api/v1/contracts/{contract_id}/").status_code == 200
    assert client_for(org.other_rep).get(f"/api/v1/contracts/{contract_id}/").status_code == 404
    assert client_for(org.other_rep).get(f"/api/v1/orders/{order_id}/").status_code == 404
    assert delivery.get(f"/api/v1/orders/{order_id}/").status_code == 200
