"""The deal pages: the board's moves (JSON for the drag, a redirect for the menu), the deal page's gates,
the quote editor and its actions, the printed quote, and 404 for what one may not see."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from customers.services import account_create
from opportunities.models import Opportunity, Quote, Stage
from opportunities.services import opportunity_create


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def deal(org) -> Opportunity:
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="small")
    return opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")


def stage(name_en: str) -> Stage:
    return Stage.objects.get(name_en=name_en)


def test_the_board_shows_columns_with_counts_and_totals(org, deal):
    page = signed_in(org.manager).get(reverse("opportunities:board"))

    columns = [(c.stage.name_en, c.count, c.total_cny, [d.name for d in c.cards]) for c in page.context["columns"]]
    assert columns == [
        ("Qualification", 1, Decimal("0.00"), ["金桥 MES 一期"]),
        ("Needs analysis", 0, 0, []),
        ("Solution / proposal", 0, 0, []),
        ("Negotiation", 0, 0, []),
        ("Won", 0, 0, []),
        ("Lost", 0, 0, []),
    ]
    assert signed_in(org.other_rep).get(reverse("opportunities:board")).context["columns"][0].count == 0


def test_a_drag_past_a_gate_answers_the_checklist_and_moves_nothing(org, deal):
    response = signed_in(org.rep).post(
        reverse("opportunities:opportunity_move", args=[deal.pk]),
        {"stage": stage("Needs analysis").pk, "version": 1},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "gate_mandatory_missing",
        "message": "Not yet: Decision maker known; Budget confirmed.",
        "fields": {"gate": ["Decision maker known", "Budget confirmed"]},
    }
    deal.refresh_from_db()
    assert (deal.stage.name_en if deal.stage else None, deal.version) == ("Qualification", 1)


def test_a_guidance_gate_asks_for_notes_and_a_second_drag_of_the_same_card_is_stale(org, deal):
    client = signed_in(org.rep)
    move = reverse("opportunities:opportunity_move", args=[deal.pk])
    # from needs analysis onwards the only unmet item in the way is guidance: the dialog asks for a note
    Opportunity.objects.filter(pk=deal.pk).update(stage=stage("Needs analysis"), presales=org.presales)
    write_up = stage("Solution / proposal").requirements.get(name_en="Requirements write-up shared")

    asked = client.post(move, {"stage": stage("Solution / proposal").pk, "version": 1}, HTTP_ACCEPT="application/json")
    moved = client.post(
        move,
        {"stage": stage("Solution / proposal").pk, "version": 1, f"note-{write_up.pk}": "下周补"},
        HTTP_ACCEPT="application/json",
    )
    stale = signed_in(org.manager).post(
        move, {"stage": stage("Qualification").pk, "version": 1}, HTTP_ACCEPT="application/json"
    )

    assert (asked.status_code, asked.json()["error"]["requirements"]) == (
        400,
        [{"id": write_up.pk, "name": "Requirements write-up shared"}],
    )
    assert (moved.status_code, moved.json()) == (
        200,
        {"id": deal.pk, "stage": stage("Solution / proposal").pk, "version": 2},
    )
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "stale_move")
    deal.refresh_from_db()
    assert (deal.stage.name_en if deal.stage else None, deal.version) == ("Solution / proposal", 2)


def test_the_menu_moves_without_script_and_says_why_not(org, deal):
    client = signed_in(org.rep)
    board = reverse("opportunities:board")

    refused = client.post(
        reverse("opportunities:opportunity_move", args=[deal.pk]),
        {"stage": stage("Needs analysis").pk, "version": 1, "next": board},
        follow=True,
    )

    assert refused.redirect_chain == [(board, 302)]
    assert [str(m) for m in refused.context["messages"]] == ["Not yet: Decision maker known; Budget confirmed."]


def test_an_outsider_gets_404_on_every_deal_page(org, deal):
    outsider = signed_in(org.other_rep)
    for url in (
        reverse("opportunities:opportunity_detail", args=[deal.pk]),
        reverse("opportunities:opportunity_move", args=[deal.pk]),
        reverse("opportunities:quote_create", args=[deal.pk]),
    ):
        method = outsider.get if "move" not in url and "quotes" not in url else outsider.post
        assert method(url).status_code == 404, url
    assert Quote.objects.count() == 0


def test_the_quote_editor_saves_lines_and_the_print_shows_them(org, deal):
    client = signed_in(org.rep)
    created = client.post(reverse("opportunities:quote_create", args=[deal.pk]))
    quote = Quote.objects.get()
    assert created["Location"] == reverse("opportunities:quote_detail", args=[quote.pk])

    client.post(
        reverse("opportunities:quote_action", args=[quote.pk, "lines"]),
        {
            "line-1-description": "MES 软件许可", "line-1-unit": "套", "line-1-quantity": "3",
            "line-1-unit_price": "1999.99", "line-1-discount_percent": "10", "line-1-tax_rate": "13",
            "line-2-description": "", "line-2-quantity": "",
        },
    )  # fmt: skip
    bad = client.post(
        reverse("opportunities:quote_action", args=[quote.pk, "lines"]),
        {"line-1-description": "X", "line-1-quantity": "-2", "line-1-unit_price": "1"},
        follow=True,
    )
    printed = client.get(reverse("opportunities:quote_print", args=[quote.pk])).content.decode()

    quote.refresh_from_db()
    assert (quote.total, quote.lines.count()) == (Decimal("6101.97"), 1)
    assert [str(m) for m in bad.context["messages"]][-1] == (
        "Some quote lines are not valid. The quantity must be more than zero."
    )
    assert "MES 软件许可" in printed and "¥6,101.97" in printed and "报价单" in printed


def test_quote_actions_send_and_accept_from_the_page(org, deal):
    client = signed_in(org.rep)
    client.post(reverse("opportunities:quote_create", args=[deal.pk]))
    quote = Quote.objects.get()
    lines = {"line-1-description": "服务", "line-1-quantity": "1", "line-1-unit_price": "100", "line-1-tax_rate": "6"}
    client.post(reverse("opportunities:quote_action", args=[quote.pk, "lines"]), lines)

    client.post(reverse("opportunities:quote_action", args=[quote.pk, "send"]))
    accepted = client.post(reverse("opportunities:quote_action", args=[quote.pk, "accept"]), follow=True)

    quote.refresh_from_db()
    deal.refresh_from_db()
    assert (quote.status, deal.amount) == ("accepted", Decimal("106.00"))
    assert [str(m) for m in accepted.context["messages"]][-1] == "The customer accepted the quote."


def test_the_list_filters_and_exports_only_visible_deals(org, deal):
    other = account_create(actor=org.other_rep, owner=org.other_rep, name="深圳前海星辰科技", size="small")
    opportunity_create(actor=org.other_rep, account=other, name="星辰 CRM")
    rep = signed_in(org.rep)

    listed = rep.get(reverse("opportunities:opportunity_list") + "?q=金桥")
    none = rep.get(reverse("opportunities:opportunity_list") + "?q=星辰")
    exported = rep.get(reverse("opportunities:opportunity_export") + "?format=csv")

    assert [d.name for d in listed.context["page"]] == ["金桥 MES 一期"]
    assert list(none.context["page"]) == []
    lines = b"".join(exported.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 2 and lines[1].startswith(
        f"{deal.pk},金桥 MES 一期,苏州金桥精密机械,Qualification,10,0.00,CNY"
    )


def test_the_quote_list_puts_discounts_waiting_for_me_first(org, deal):
    from opportunities.services import quote_create, quote_request_approval, quote_set_lines

    quote = quote_create(actor=org.rep, opportunity=deal)
    quote_set_lines(actor=org.rep, quote=quote, lines=[{"description": "服务", "quantity": "1", "unit_price": "100",
                                                        "discount_percent": "30"}])  # fmt: skip
    quote_request_approval(actor=org.rep, quote=quote)

    manager = signed_in(org.manager).get(reverse("opportunities:quote_list"))
    waiting = signed_in(org.manager).get(reverse("opportunities:quote_list") + "?approval=pending")
    outsider = signed_in(org.other_rep).get(reverse("opportunities:quote_list"))

    assert manager.context["pending"] == 1
    assert [q.pk for q in waiting.context["page"]] == [quote.pk]
    assert list(outsider.context["page"]) == []
