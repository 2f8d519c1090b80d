"""Contract and order pages: from the accepted quote's page to a signed contract and a taken order, with the
refusals shown as messages and 404 for outsiders."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client
from django.urls import reverse

from contracts.models import Contract, HandoffItem, ReviewItem
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from opportunities.services import opportunity_set_team


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_from_the_quote_page_to_a_taken_order(org, quote):  # noqa: F811
    opportunity_set_team(actor=org.rep, opportunity=quote.opportunity, delivery=org.delivery)
    rep, manager, finance, delivery = (signed_in(u) for u in (org.rep, org.manager, org.finance, org.delivery))

    made = rep.post(reverse("contracts:contract_create", args=[quote.pk]))
    contract = Contract.objects.get()
    assert made["Location"] == reverse("contracts:contract_detail", args=[contract.pk])
    act = lambda client, name, data=None: client.post(  # noqa: E731
        reverse("contracts:contract_action", args=[contract.pk, name]), data or {}, follow=True
    )

    off = act(rep, "plan", {"row-1-milestone": "signing", "row-1-percent": "50", "row-2-milestone": "acceptance",
                            "row-2-percent": "40"})  # fmt: skip
    act(rep, "plan", {"row-1-label": "首付", "row-1-milestone": "signing", "row-1-percent": "50",
                      "row-2-milestone": "acceptance", "row-2-percent": "50", "row-2-due_days": "15"})  # fmt: skip
    early = act(rep, "sign", {"signed_on": "2026-11-25", "signatory": "钱伟"})
    for item in ReviewItem.objects.all():
        act(rep, "tick", {"item": item.pk})
    act(manager, "approve", {"comment": "同意"})
    act(finance, "approve")
    signed = act(rep, "sign", {"signed_on": "2026-11-25", "signatory": "钱伟"})

    assert [str(m) for m in off.context["messages"]][-1].startswith("The installments add up to ¥29,951.97")
    assert [str(m) for m in early.context["messages"]][-1].startswith("The contract cannot be signed yet.")
    contract.refresh_from_db()
    assert (contract.status, [i.amount for i in contract.installments.all()]) == (
        "signed",
        [Decimal("16639.99"), Decimal("16639.98")],
    )
    assert "The contract is signed; its order waits for the hand-off." in [str(m) for m in signed.context["messages"]]

    order = contract.order
    queue = delivery.get(reverse("contracts:order_list") + "?queue=1")
    assert [o.number for o in queue.context["page"]] == [order.number]
    refused = delivery.post(reverse("contracts:order_action", args=[order.pk, "accept"]), follow=True)
    assert [str(m) for m in refused.context["messages"]][-1].startswith("The hand-off is not complete:")
    for handoff_item in HandoffItem.objects.all():
        client = rep if handoff_item.side == "sales" else delivery
        client.post(reverse("contracts:order_action", args=[order.pk, "tick"]), {"item": handoff_item.pk})
    delivery.post(reverse("contracts:order_action", args=[order.pk, "accept"]))
    order.refresh_from_db()
    assert order.status == "accepted"

    outsider = signed_in(org.other_rep)
    assert outsider.get(reverse("contracts:contract_detail", args=[contract.pk])).status_code == 404
    assert outsider.get(reverse("contracts:order_detail", args=[order.pk])).status_code == 404
    assert [c.number for c in finance.get(reverse("contracts:contract_list")).context["page"]] == [contract.number]
