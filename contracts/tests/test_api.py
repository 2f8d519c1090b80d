"""Contracts and orders over the API: the way from an accepted quote to a delivered order, finance seeing
every contract, outsiders 404, and the refusals with their codes."""

from __future__ import annotations

from rest_framework.test import APIClient

from contracts.models import Contract, HandoffItem, ReviewItem
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from contracts.tests.test_orders import order  # noqa: F401 - the fixture
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


def test_amendments_and_termination_over_the_api(org, order):  # noqa: F811
    contract = order.contract
    rep, manager, finance, outsider = (client_for(u) for u in (org.rep, org.manager, org.finance, org.other_rep))
    base = f"/api/v1/contracts/{contract.pk}"
    plan = [
        {"id": i.pk, "label": i.label, "milestone": i.milestone, "due_days": i.due_days, "amount": str(i.amount)}
        for i in contract.installments.all()
    ]
    plan[1]["amount"], plan[2]["amount"] = "20000.00", "3295.98"
    hidden = outsider.post(f"{base}/amend/", {"reason": "x", "installments": plan}, format="json")
    proposed = rep.post(f"{base}/amend/", {"reason": "到货款调整", "installments": plan}, format="json")
    pending = rep.post(f"{base}/terminate/", {"reason": "客户取消", "effective_on": "2026-12-31"}, format="json")
    own = rep.post(f"{base}/amendments/1/decide/", {"approve": True}, format="json")
    first = manager.post(f"{base}/amendments/1/decide/", {"approve": True, "comment": "同意"}, format="json")
    applied = finance.post(f"{base}/amendments/1/decide/", {"approve": True}, format="json")
    versions = rep.get(f"{base}/versions/")
    detail = rep.get(f"{base}/")
    terminate = rep.post(f"{base}/terminate/", {"reason": "客户取消", "effective_on": "2026-12-31"}, format="json")
    withdrawn = rep.post(f"{base}/amendments/2/withdraw/")
    listed = finance.get(f"{base}/amendments/")

    assert hidden.status_code == 404
    assert (proposed.status_code, proposed.json()["state"], proposed.json()["next_approval"]) == (
        201, "pending", "Sales manager approval",
    )  # fmt: skip
    assert [row["amount"] for row in proposed.json()["installments"]] == ["9983.99", "20000.00", "3295.98"]
    assert (pending.status_code, pending.json()["error"]["code"]) == (409, "amendment_pending")
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_contract")
    assert (first.json()["state"], first.json()["next_approval"]) == ("pending", "Finance approval")
    assert (applied.status_code, applied.json()["state"], applied.json()["next_approval"]) == (200, "applied", None)
    assert [(v["version"], v["amendment"], v["total"]) for v in versions.json()] == [
        (1, None, "33279.97"),
        (2, 1, "33279.97"),
    ]
    assert (detail.json()["version"], [i["amount"] for i in detail.json()["installments"]]) == (
        2, ["9983.99", "20000.00", "3295.98"],
    )  # fmt: skip
    # the contract's own approvals; the amendment's are listed with it
    assert [(a["by"], a["step"]) for a in detail.json()["approvals"]] == [
        ("manager", "Sales manager approval"),
        ("finance", "Finance approval"),
    ]
    assert (terminate.status_code, terminate.json()["kind"], withdrawn.json()["state"]) == (
        201, "termination", "withdrawn",
    )  # fmt: skip
    assert [(a["number"], a["kind"], a["state"], len(a["approvals"])) for a in listed.json()] == [
        (1, "amendment", "applied", 2),
        (2, "termination", "withdrawn", 0),
    ]
