"""A won deal in Chromium, from its accepted quote to delivery: the rep makes the contract and agrees a payment plan
that resolves to the fen, cannot sign before the review and the approvals, signs with the scanned copy; the delivery
lead cannot take the order before the hand-off package is complete, then takes it and delivers it, which makes the
delivery installment invoiceable with the due date its rule gives."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from contracts.models import Contract, HandoffItem, Order, ReviewItem
from customers.models import BuyingRole
from customers.services import account_create, contact_create
from opportunities.models import Quote, Stage
from opportunities.services import (
    opportunity_create,
    opportunity_move,
    opportunity_set_team,
    opportunity_update,
    opportunity_win,
    quote_accept,
    quote_create,
    quote_send,
    quote_set_lines,
    requirement_tick,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-pass-1"
# 33,279.86 in all: 30 % and 60 % of it fall between fens (9,983.958 and 19,967.916)
LINES = [
    {"description": "MES 软件许可", "unit": "套", "quantity": "3", "unit_price": "1999.99", "tax_rate": "13"},
    {"description": "实施服务", "unit": "人天", "quantity": "10", "unit_price": "2499.99", "tax_rate": "6"},
]
# label, milestone, days after it, percent, amount: 30 % at signing, 60 % 30 days after delivery, the rest at acceptance
PLAN = [
    ("签约款", "signing", "", "30", ""),
    ("到货款", "delivery", "30", "60", ""),
    ("验收款", "acceptance", "15", "", "3327.99"),
]
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REVIEW_AND_MANAGER_MISSING = (
    "合同尚不能签署：评审未确认：范围与交付物已明确, 验收标准已明确, 付款条款与回款计划已核对, 法务条款已审阅; "
    "待审批：销售经理审批, 财务审批。"
)
HANDOFF_MISSING = (
    "交接尚未完成：签署的合同扫描件; 客户联系人与关键干系人清单; 需求与方案文档; "
    "交付范围与验收标准已理解; 资源与排期已落实。"
)


@pytest.fixture
def contract_defaults(_defaults, transactional_db):
    """The review checklist, the approval order and the hand-off package a new installation has (emptied with
    the database after every browser test, like the defaults the shared fixture puts back)."""
    for module in ("contracts.migrations.0002_defaults", "contracts.migrations.0004_handoff_defaults"):
        import_module(module).install(apps, None)


@pytest.fixture
def won_quote(org, contract_defaults, settings, tmp_path) -> Quote:
    settings.MEDIA_ROOT = tmp_path  # the signed copy is stored here, not in the working tree
    for user, name in ((org.rep, "李娜"), (org.manager, "王强"), (org.finance, "赵敏"), (org.delivery, "陈刚")):
        user.display_name = name
        user.set_password(PASSWORD)
        user.save()
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="medium")
    deal = opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")
    contact_create(actor=org.rep, account=account, name="钱伟", phone="13912345678")
    account.contacts.update(role=BuyingRole.DECISION_MAKER)
    needs, proposal = Stage.objects.get(name_en="Needs analysis"), Stage.objects.get(name_en="Solution / proposal")
    requirement_tick(actor=org.rep, opportunity=deal, requirement=needs.requirements.get(name_en="Budget confirmed"))
    opportunity_set_team(actor=org.rep, opportunity=deal, presales=org.presales, delivery=org.delivery)
    opportunity_update(actor=org.rep, opportunity=deal, amount="33000")
    quote = quote_set_lines(actor=org.rep, quote=quote_create(actor=org.rep, opportunity=deal), lines=LINES)
    quote_send(actor=org.rep, quote=quote)
    write_up = proposal.requirements.get(verified_by="manual")
    deal = opportunity_move(
        actor=org.rep, opportunity=deal, stage=Stage.objects.get(name_en="Negotiation"), version=1,
        notes={write_up.pk: "方案已口头确认"},
    )  # fmt: skip
    quote = quote_accept(actor=org.rep, quote=quote)
    won = opportunity_win(actor=org.rep, opportunity=deal, version=deal.version)
    assert (won.stage.name_en, quote.total) == ("Won", Decimal("33279.86"))
    return quote


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def signed_in(new_context, base: str, username: str) -> Page:
    """Another person, in a browser of their own."""
    context: BrowserContext = new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in(page, base, username)
    return page


def tick(page: Page, box: str, item_pk: int) -> None:
    form = page.locator(f"{box} form:has(input[name=item][value='{item_pk}'])")
    form.locator("button").click()
    expect(form.locator("input[name=done]")).to_have_value("0")  # the page came back with the item ticked


def test_a_won_deal_through_contract_signing_and_hand_off(
    page: Page, new_context, live_server, org, won_quote, artifacts
):
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, base, "rep")

    # 1. the accepted quote's page makes the contract
    page.goto(f"{base}/opportunities/quotes/{won_quote.pk}/")
    page.locator(f"form[action='/contracts/from-quote/{won_quote.pk}/'] button").click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+/$"))
    contract = Contract.objects.get()
    expect(page).to_have_url(f"{base}/contracts/{contract.pk}/")
    expect(page.locator("h1")).to_have_text(f"{contract.number} · 金桥 MES 一期 草稿")
    expect(page.locator("main h1 + p .ltc-money")).to_have_text("¥33,279.86")

    # 2. the payment plan, the rest of the total given as an amount
    for n, (label, milestone, days, percent, amount) in enumerate(PLAN, start=1):
        page.fill(f"#plan [name=row-{n}-label]", label)
        page.select_option(f"#plan [name=row-{n}-milestone]", milestone)
        page.fill(f"#plan [name=row-{n}-due_days]", days)
        page.fill(f"#plan [name=row-{n}-percent]", percent)
        page.fill(f"#plan [name=row-{n}-amount]", amount)
    page.locator("#plan button[type=submit]").click()
    plan = page.locator("#plan-actual")

    expect(page.locator(".alert-success")).to_have_text("回款计划已保存。")
    # the fen left over from the two percentages goes to the larger remainder (30 %: 0.008 against 0.006)
    expect(plan.locator("tbody td:nth-child(3)")).to_have_text(["¥9,983.96", "¥19,967.91", "¥3,327.99"])
    expect(plan.locator("tfoot td.ltc-money").first).to_have_text("¥33,279.86")
    expect(plan.locator("tbody td:nth-child(1) div.small")).to_have_text(
        ["签约 · 30%", "交付 +30 天 · 60%", "客户验收 +15 天"]
    )
    expect(plan.locator("tbody td:nth-child(2)")).to_have_text(["—", "—", "—"])
    assert list(contract.installments.values_list("label", "milestone", "due_days", "percent", "amount")) == [
        ("签约款", "signing", None, Decimal("30.00"), Decimal("9983.96")),
        ("到货款", "delivery", 30, Decimal("60.00"), Decimal("19967.91")),
        ("验收款", "acceptance", 15, None, Decimal("3327.99")),
    ]
    page.screenshot(path=str(artifacts / "contract-plan-zh.png"), full_page=True)

    # 3. signing before the review and the approvals is refused, and nothing is signed
    scan = FilePayload(name="金桥合同签字版.pdf", mimeType="application/pdf", buffer=SCAN)
    page.fill("#signed_on", "2026-11-02")
    page.fill("#signatory", "钱伟")
    page.set_input_files("#signed_file", files=scan)
    page.locator("#sign button[type=submit]").click()

    expect(page.locator(".alert-danger")).to_have_text(REVIEW_AND_MANAGER_MISSING)
    expect(page.locator("#contract-status")).to_have_text("草稿")
    expect(page.locator("#sign")).to_be_visible()
    page.screenshot(path=str(artifacts / "contract-sign-refused-zh.png"), full_page=True)
    contract.refresh_from_db()
    assert (contract.status, contract.signed_on, contract.signatory, contract.signed_file.name) == (
        "draft",
        None,
        "",
        "",
    )
    assert (Order.objects.count(), contract.installments.filter(invoiceable=True).count()) == (0, 0)

    # 4. the rep completes the review; the manager approves with a comment, then finance
    for item in ReviewItem.objects.order_by("order"):
        tick(page, "#review", item.pk)
    assert contract.checks.count() == 4

    manager = signed_in(new_context, base, "manager")
    manager.goto(f"{base}/contracts/{contract.pk}/")
    expect(manager.locator("label[for=comment]")).to_have_text("下一步：销售经理审批")
    manager.fill("#comment", "同意，回款节点与客户确认过")
    manager.locator("#approvals button:not([formaction])").click()
    expect(manager.locator("#approvals li")).to_have_count(1)
    expect(manager.locator("#approvals li")).to_contain_text(
        "销售经理审批 · 王强 · 已批准 — 同意，回款节点与客户确认过"
    )
    expect(manager.locator("label[for=comment]")).to_have_text("下一步：财务审批")

    finance = signed_in(new_context, base, "finance")
    finance.goto(f"{base}/contracts/{contract.pk}/")
    expect(finance.locator("label[for=comment]")).to_have_text("下一步：财务审批")
    finance.locator("#approvals button:not([formaction])").click()
    expect(finance.locator("#approvals li")).to_have_count(2)
    expect(finance.locator("#approvals li").nth(1)).to_contain_text("财务审批 · 赵敏 · 已批准")
    expect(finance.locator("#approvals form")).to_have_count(0)
    assert list(contract.approvals.values_list("step__approver", "by__username", "approved", "comment")) == [
        ("sales_manager", "manager", True, "同意，回款节点与客户确认过"),
        ("finance", "finance", True, ""),
    ]

    # 5. the rep signs with the scanned copy; the order waits for its hand-off
    page.reload()
    page.fill("#signed_on", "2026-11-02")
    page.fill("#signatory", "钱伟")
    page.set_input_files("#signed_file", files=scan)
    page.locator("#sign button[type=submit]").click()

    expect(page.locator(".alert-success")).to_have_text("合同已签署；订单等待交接。")
    expect(page.locator("#contract-status")).to_have_text("已签署")
    expect(page.locator("#sign")).to_have_count(0)
    expect(plan.locator("tbody td:nth-child(2)")).to_have_text(["2026-11-02", "—", "—"])
    expect(plan.locator("tbody tr").first.locator("td").last).to_have_text("可开票")
    contract.refresh_from_db()
    order = Order.objects.get()
    assert (contract.status, contract.signed_on, contract.signatory) == ("signed", date(2026, 11, 2), "钱伟")
    assert re.fullmatch(r"contracts/2026/.+\.pdf", contract.signed_file.name)
    with contract.signed_file.open("rb") as stored:
        assert stored.read() == SCAN
    assert (order.number, order.status, order.delivery) == (f"{contract.number}-D", "awaiting_handoff", org.delivery)
    expect(page.locator(f"main a[href='/contracts/orders/{order.pk}/']")).to_have_count(1)
    page.screenshot(path=str(artifacts / "contract-signed-zh.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "contract-signed-phone-zh.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})

    # 6. the delivery lead finds it in the queue, but cannot take it before the hand-off package is complete
    delivery = signed_in(new_context, base, "delivery")
    delivery.goto(f"{base}/contracts/orders/?queue=1")
    expect(delivery.locator("main tbody tr")).to_have_count(1)
    expect(delivery.locator("main tbody tr td").nth(2)).to_have_text("待交接")
    delivery.get_by_role("link", name=order.number).click()
    expect(delivery.locator("#order-status")).to_have_text("待交接")
    delivery.locator("form[action$='/accept/'] button").click()

    expect(delivery.locator(".alert-danger")).to_have_text(HANDOFF_MISSING)
    expect(delivery.locator("#order-status")).to_have_text("待交接")
    order.refresh_from_db()
    assert (order.status, order.accepted_at, order.changes.count()) == ("awaiting_handoff", None, 1)

    # sales supplies its documents, the delivery lead confirms theirs and takes the order
    page.goto(f"{base}/contracts/orders/{order.pk}/")
    for item in HandoffItem.objects.filter(side="sales").order_by("order"):
        tick(page, "#handoff", item.pk)
    delivery.reload()
    for item in HandoffItem.objects.filter(side="delivery").order_by("order"):
        tick(delivery, "#handoff", item.pk)
    delivery.locator("form[action$='/accept/'] button").click()
    expect(delivery.locator(".alert-success")).to_have_text("交付已接收订单。")
    expect(delivery.locator("#order-status")).to_have_text("交付已接收")

    # in delivery, then delivered on 20 November: the delivery installment is due 30 days later
    delivery.select_option("#to", "in_delivery")
    delivery.locator("form[action$='/progress/'] button").click()
    expect(delivery.locator("#order-status")).to_have_text("交付中")
    delivery.select_option("#to", "delivered")
    delivery.fill("#on", "2026-11-20")
    delivery.locator("form[action$='/progress/'] button").click()
    expect(delivery.locator("#order-status")).to_have_text("已交付")

    installments = delivery.locator("#installments li")
    expect(installments.locator("> span:first-child")).to_have_text(
        ["签约款 · 签约 · 2026-11-02 可开票", "到货款 · 交付 +30 天 · 2026-12-20 可开票", "验收款 · 客户验收 +15 天"]
    )
    expect(installments.locator(".ltc-money")).to_have_text(["¥9,983.96", "¥19,967.91", "¥3,327.99"])
    delivery.screenshot(path=str(artifacts / "order-delivered-zh.png"), full_page=True)
    order.refresh_from_db()
    assert (order.status, order.delivered_on, order.delivery) == ("delivered", date(2026, 11, 20), org.delivery)
    assert list(order.changes.values_list("to_status", "actor__username")) == [
        ("awaiting_handoff", "rep"),
        ("accepted", "delivery"),
        ("in_delivery", "delivery"),
        ("delivered", "delivery"),
    ]
    assert order.handoff_checks.count() == 5
    assert list(contract.installments.values_list("label", "invoiceable", "due_on")) == [
        ("签约款", True, date(2026, 11, 2)),
        ("到货款", True, date(2026, 12, 20)),
        ("验收款", False, None),
    ]
