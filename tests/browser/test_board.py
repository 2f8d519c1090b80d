"""The board in Chromium: a card dragged past a mandatory gate comes back with the checklist; once the gate
is met, the same drag moves the deal."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from customers.models import BuyingRole
from customers.services import account_create, contact_create
from opportunities.models import Opportunity, Stage
from opportunities.services import opportunity_create, requirement_tick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deal(org):
    org.rep.set_password("browser-pass-1")
    org.rep.save()
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="small")
    return opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期", amount="80000")


def drag(page: Page, card: str, column: str) -> None:
    source = page.locator(card).bounding_box()
    target = page.locator(column).bounding_box()
    assert source and target
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + 12)
    page.mouse.down()
    page.mouse.move(source["x"] + source["width"] / 2 + 10, source["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 20, steps=20)
    page.mouse.up()


def test_drag_a_card_meet_the_gate_then_move_it(page: Page, live_server, org, deal, artifacts):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "browser-pass-1")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/opportunities/board/")
    qualification, needs = Stage.objects.get(name_en="Qualification"), Stage.objects.get(name_en="Needs analysis")
    card = f"li.ltc-card[data-id='{deal.pk}']"

    drag(page, card, f"ol[data-stage='{needs.pk}']")

    dialog = page.locator("#gate-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#gate-missing li")).to_have_text(["已确认决策人", "预算已确认"])
    page.screenshot(path=str(artifacts / "board-gate-zh.png"))
    expect(page.locator(f"ol[data-stage='{qualification.pk}'] {card}")).to_have_count(1)
    assert Opportunity.objects.get(pk=deal.pk).stage == qualification

    contact_create(actor=org.rep, account=deal.account, name="钱伟", phone="13912345678")
    deal.account.contacts.update(role=BuyingRole.DECISION_MAKER)
    requirement_tick(actor=org.rep, opportunity=deal, requirement=needs.requirements.get(name_en="Budget confirmed"))
    page.reload()
    with page.expect_navigation():  # the board reloads once the server has moved the deal
        drag(page, card, f"ol[data-stage='{needs.pk}']")

    expect(page.locator(f"ol[data-stage='{needs.pk}'] {card}")).to_have_count(1)
    page.screenshot(path=str(artifacts / "board-moved-zh.png"))
    moved = Opportunity.objects.get(pk=deal.pk)
    assert (moved.stage, moved.version, moved.probability) == (needs, 2, 25)
