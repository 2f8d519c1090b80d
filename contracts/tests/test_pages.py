"""Contract and order pages: from the accepted quote's page to a signed contract and a taken order, with the
refusals shown as messages and 404 for outsiders."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from contracts.models import Contract, HandoffItem, ReviewItem
from contracts.services import amendment_propose
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from contracts.tests.test_orders import order  # noqa: F401 - the fixture
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
    assert [str(m) for m in early.context["messages"]][-1] == (
        "The contract cannot be signed yet: review not confirmed: Scope and deliverables defined, Acceptance "
        "criteria defined, Payment terms and plan checked, Legal terms reviewed; approvals waiting: Sales manager "
        "approval, Finance approval."
    )
    contract.refresh_from_db()
    assert (contract.status, [i.amount for i in contract.installments.all()]) == (
        "signed",
        [Decimal("16639.99"), Decimal("16639.98")],
    )
    assert "The contract is signed; its order waits for the hand-off." in [str(m) for m in signed.context["messages"]]

    taken = contract.order
    queue = delivery.get(reverse("contracts:order_list") + "?queue=1")
    assert [o.number for o in queue.context["page"]] == [taken.number]
    refused = delivery.post(reverse("contracts:order_action", args=[taken.pk, "accept"]), follow=True)
    assert [str(m) for m in refused.context["messages"]][-1].startswith("The hand-off is not complete:")
    for handoff_item in HandoffItem.objects.all():
        client = rep if handoff_item.side == "sales" else delivery
        client.post(reverse("contracts:order_action", args=[taken.pk, "tick"]), {"item": handoff_item.pk})
    delivery.post(reverse("contracts:order_action", args=[taken.pk, "accept"]))
    taken.refresh_from_db()
    assert taken.status == "accepted"

    outsider = signed_in(org.other_rep)
    assert outsider.get(reverse("contracts:contract_detail", args=[contract.pk])).status_code == 404
    assert outsider.get(reverse("contracts:order_detail", args=[taken.pk])).status_code == 404
    assert [c.number for c in finance.get(reverse("contracts:contract_list")).context["page"]] == [contract.number]


def test_the_contract_page_amends_shows_versions_and_logs_activities(org, order):  # noqa: F811
    contract = order.contract
    rep, manager, finance = (signed_in(u) for u in (org.rep, org.manager, org.finance))
    page = reverse("contracts:contract_detail", args=[contract.pk])
    act = lambda client, name, data=None: client.post(  # noqa: E731
        reverse("contracts:contract_action", args=[contract.pk, name]), data or {}, follow=True
    )
    shown = rep.get(page)
    fields = ("description", "unit", "quantity", "unit_price", "discount_percent", "tax_rate")
    form = {
        f"line-{n}-{field}": str(getattr(line, field))
        for n, line in enumerate(shown.context["lines"], start=1)
        for field in fields
    }
    for n, i in enumerate(shown.context["installments"], start=1):
        form.update({f"row-{n}-id": i.pk, f"row-{n}-label": i.label, f"row-{n}-milestone": i.milestone,
                     f"row-{n}-due_days": i.due_days or "", f"row-{n}-amount": i.amount})  # fmt: skip
    form.update({"line-3-description": "培训", "line-3-quantity": "2", "line-3-unit_price": "1000",
                 "line-3-tax_rate": "6", "row-3-amount": "5448.00", "reason": "增加培训"})  # fmt: skip

    proposed = act(rep, "amend", form)
    again = act(rep, "terminate", {"reason": "x", "effective_on": "2026-12-31"})
    act(manager, "amendment-approve", {"number": 1, "comment": "可以"})
    applied = act(finance, "amendment-approve", {"number": 1})
    act(rep, "activity", {"kind": "call", "subject": "确认二期培训时间", "outcome": "下周三"})
    order_page = signed_in(org.delivery)
    visit = {"kind": "visit", "subject": "现场勘察"}
    order_page.post(reverse("contracts:order_action", args=[order.pk, "activity"]), visit)

    assert [str(m) for m in proposed.context["messages"]] == ["The amendment waits for its approvals."]
    assert [str(m) for m in again.context["messages"]] == [
        "Request #1 waits for approval; decide or withdraw it first."
    ]
    contract.refresh_from_db()
    assert (contract.version, contract.total, list(contract.installments.values_list("amount", flat=True))) == (
        2, Decimal("35399.97"), [Decimal("9983.99"), Decimal("19967.98"), Decimal("5448.00")],
    )  # fmt: skip
    body = applied.content.decode()
    assert [(v.version, v.total) for v in applied.context["versions"]] == [
        (1, Decimal("33279.97")), (2, Decimal("35399.97")),
    ]  # fmt: skip
    assert ("v2" in body, "amendment #1" in body, "增加培训" in body, "可以" in body) == (True, True, True, True)
    assert [a.subject for a in rep.get(page).context["activities"]] == ["确认二期培训时间"]
    order_view = order_page.get(reverse("contracts:order_detail", args=[order.pk]))
    assert [a.subject for a in order_view.context["activities"]] == ["现场勘察"]
    assert (
        signed_in(org.other_rep)
        .post(reverse("contracts:contract_action", args=[contract.pk, "activity"]), {"kind": "call", "subject": "x"})
        .status_code
        == 404
    )


def test_the_list_filters_searches_exports_and_queues_what_waits_for_me(org, order):  # noqa: F811
    contract = order.contract
    plan = [{"id": i.pk, "label": i.label, "milestone": i.milestone, "amount": str(i.amount)}
            for i in contract.installments.all()]  # fmt: skip
    plan[1]["due_days"] = 45
    amendment_propose(actor=org.rep, contract=contract, reason="延长账期", installments=plan)
    manager, finance, rep = signed_in(org.manager), signed_in(org.finance), signed_in(org.rep)
    url = reverse("contracts:contract_list")

    numbers = lambda response: [c.number for c in response.context["page"]]  # noqa: E731
    assert numbers(manager.get(url, {"status": "signed"})) == [contract.number]
    assert numbers(manager.get(url, {"status": "draft"})) == []
    assert numbers(finance.get(url, {"q": "金桥"})) == [contract.number]
    assert numbers(finance.get(url, {"q": "无此客户"})) == []
    # the manager's step comes first; finance waits for it; the owner never approves their own
    assert (numbers(manager.get(url, {"awaiting": 1})), numbers(finance.get(url, {"awaiting": 1}))) == (
        [contract.number], [],
    )  # fmt: skip
    assert numbers(rep.get(url, {"awaiting": 1})) == []
    exported = finance.get(url, {"q": "金桥", "export": "csv"})
    rows = b"".join(exported.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].split(",")[:7] == ["Number", "Title", "Customer", "Status", "Version", "Currency", "Total"]
    assert rows[1].split(",")[:7] == [
        contract.number,
        "金桥 MES 一期",
        "苏州金桥精密机械",
        "Signed",
        "1",
        "CNY",
        "33279.97",
    ]
    assert len(rows) == 2


def test_the_signed_copy_downloads_only_for_those_who_see_the_contract(org, order, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    contract = order.contract
    contract.signed_file.save("合同扫描件.pdf", ContentFile(b"%PDF-1.4 signed"), save=True)
    url = reverse("contracts:contract_file", args=[contract.pk])

    got = signed_in(org.finance).get(url)
    assert (got.status_code, b"".join(got.streaming_content), got["Content-Disposition"]) == (
        200, b"%PDF-1.4 signed", "attachment; filename*=utf-8''%E5%90%88%E5%90%8C%E6%89%AB%E6%8F%8F%E4%BB%B6.pdf",
    )  # fmt: skip
    assert signed_in(org.other_rep).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert Client().get("/media/" + contract.signed_file.name).status_code == 404  # no folder is served
    assert signed_in(org.finance).get(reverse("contracts:order_proof", args=[order.pk])).status_code == 404
